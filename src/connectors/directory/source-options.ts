/**
 * `check(input)` of a directory source type: the options against the type's TypeBox schema (defaults
 * filled, the first error as a JSON pointer and words, as for every connector type), then the rules
 * between options that a schema cannot say (e.g. "a password needs a username").
 */
import type { Static, TSchema } from 'typebox';
import { checkOptions } from '../pbx/options-check.ts';
import type { SourceOptionsCheck } from './directory-source.ts';

/** What a cross-option rule reports: the option at fault (a JSON pointer) and why; nothing when fine. */
export type OptionsProblem = { field: string; message: string };

export function checkSourceOptions<S extends TSchema>(schema: S, input: unknown, extra?: (options: Static<S>) => OptionsProblem | undefined): SourceOptionsCheck {
  const checked = checkOptions(schema, input);
  if (!checked.ok || !extra) return checked;
  const problem = extra(checked.options as Static<S>);
  return problem ? { ok: false, field: problem.field, message: problem.message } : checked;
}
