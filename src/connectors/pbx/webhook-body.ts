/**
 * Reading fields of webhook bodies that PBXs send form-encoded or as JSON. Shared by the webhook
 * connectors; it knows no vendor.
 */

/** A mapping failure that names the field (a JSON pointer). */
export type FieldProblem = { ok: false; field: string; message: string };

export function problem(field: string, message: string): FieldProblem {
  return { ok: false, field, message };
}

/**
 * Reads fields of a parsed body. Form parsers give strings, and arrays for repeated keys; JSON senders
 * may send numbers. The first problem is kept in `problem`; reads after it return null.
 */
export class BodyFields {
  readonly #body: Record<string, unknown>;
  problem: FieldProblem | null = null;

  constructor(body: Record<string, unknown>) {
    this.#body = body;
  }

  /** One value: a repeated key is accepted when every copy agrees (a re-sent form field). */
  text(key: string): string | null {
    const values = this.#values(key);
    if (values === null) return null;
    const distinct = new Set(values);
    if (distinct.size > 1) return this.#fail(key, `${key} is repeated with different values`);
    return values[0] ?? null;
  }

  /** Every non-empty value of a field that may repeat. */
  list(key: string): string[] {
    return (this.#values(key) ?? []).map((v) => v.trim()).filter((v) => v !== '');
  }

  #values(key: string): string[] | null {
    if (this.problem || !Object.hasOwn(this.#body, key)) return null;
    const raw = this.#body[key];
    const out: string[] = [];
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v === 'string') out.push(v);
      else if (typeof v === 'number' && Number.isFinite(v)) out.push(String(v));
      else if (v != null) return this.#fail(key, `${key} must be a string`);
    }
    return out;
  }

  #fail(key: string, message: string): null {
    this.problem ??= problem('/' + key, message);
    return null;
  }
}

export type OpenedBody<E extends string> = { ok: true; fields: BodyFields; event: E; id: string };

/**
 * Opens a webhook body: it must be an object of fields with one of `events` in `event` and a
 * non-empty id in `idField`. Every webhook format starts this way.
 */
export function openBody<E extends string>(body: unknown, events: readonly E[], idField: string): OpenedBody<E> | FieldProblem {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: '', message: 'The body must be an object of fields' };
  }
  const fields = new BodyFields(body as Record<string, unknown>);
  const event = fields.text('event')?.trim() ?? null;
  if (fields.problem) return fields.problem;
  if (!event || !(events as readonly string[]).includes(event)) {
    return problem('/event', `event must be one of ${events.join(', ')}`);
  }
  const id = fields.text(idField);
  if (fields.problem) return fields.problem;
  if (!id?.trim()) return problem('/' + idField, `${idField} is required`);
  return { ok: true, fields, event: event as E, id };
}
