/**
 * Validates connector options against a TypeBox schema: defaults filled, the first error named by its
 * JSON pointer in words a person can act on. Shared by every connector type.
 */
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { OptionsCheck } from './pbx-connector.ts';

export function checkOptions(schema: TSchema, input: unknown): OptionsCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: '/', message: 'options must be an object' };
  }
  const value = Value.Default(schema, structuredClone(input)) as Record<string, unknown>;
  if (Value.Check(schema, value)) return { ok: true, options: value };
  const errors = [...Value.Errors(schema, value)];
  const extra = errors.find((e) => e.keyword === 'additionalProperties');
  const named = errors.find((e) => e.keyword !== 'boolean' && e.keyword !== 'additionalProperties') ?? errors[0];
  if (extra && (!named || named.keyword === 'boolean')) {
    const unknown = Object.keys(value).find((k) => !(k in ((schema as { properties?: object }).properties ?? {})));
    return { ok: false, field: `/${unknown ?? ''}`, message: `unknown option "${unknown}"` };
  }
  const field = named?.instancePath || (named?.params && 'requiredProperties' in named.params ? `/${(named.params as { requiredProperties: string[] }).requiredProperties[0]}` : '/');
  const name = field.replace(/^\//, '').replace(/\//g, '.') || 'options';
  return { ok: false, field, message: `${name} ${named?.message ?? 'is invalid'}` };
}
