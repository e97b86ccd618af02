/**
 * What personal data may reach the logs (CALLBRIDGE_LOG_PERSONAL_DATA, docs/CONFIGURATION.md):
 *
 * - `false` (the default): none. Request lines lose their query strings (they carry numbers and
 *   search terms); phone-number-like digit runs anywhere in a log line (error messages from the
 *   database or a PBX, paths of unknown URLs) become `[number]`; database error details, which quote
 *   row values, are dropped.
 * - `'mask'`: numbers are kept but their last three digits are hidden (`+49301234***`), so an
 *   operator can follow a call without the log identifying the caller; query values that are not
 *   numbers and not known to be harmless (limit, state …) become `***`.
 * - `true`: as they are (for debugging on a test system). Credentials stay masked in every mode.
 *
 * Names cannot be recognized in free text, so the rule for them is structural: nothing logs a
 * contact's or a caller's name, a request body, or a delivery's payload; search terms travel in
 * query strings, which are dropped or masked.
 */
import pino from 'pino';
import { safeDecode, scrubPath, scrubText, type PersonalDataMode } from '../core/personal-data.ts';

export type PersonalDataInLogs = PersonalDataMode;

/** Query parameters whose values are never personal. */
const HARMLESS_PARAMS = new Set(['limit', 'offset', 'cursor', 'state', 'direction', 'outcome', 'extension', 'since', 'until', 'after', 'before', 'status', 'type', 'kind', 'role', 'tenant', 'format', 'page']);

export { maskNumber, scrubText } from '../core/personal-data.ts';

/** Hides credentials in paths (CTI tokens, directory keys) and personal data in paths and queries. */
export function loggableUrl(url: string, mode: PersonalDataInLogs): string {
  const q = url.indexOf('?');
  let path = (q < 0 ? url : url.slice(0, q))
    .replace(/(\/api\/v1\/cti\/(?:[a-z0-9-]+\/)?)[^/?]+/i, '$1***')
    .replace(/(\/api\/v1\/directory\/)cb_[^/?]+/i, '$1***');
  path = scrubPath(path, mode);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (!query || mode === false) return path;
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0) return name;
    if (name.toLowerCase() === 'key') return `${name}=***`;
    if (mode === true) return pair;
    const value = safeDecode(pair.slice(eq + 1));
    if (HARMLESS_PARAMS.has(name)) return `${name}=${encodeURIComponent(value)}`;
    // A number is masked; anything else (a name searched for, an e-mail address) is hidden.
    const masked = scrubText(value, 'mask');
    return `${name}=${masked !== value && !/[\p{L}@]/u.test(value) ? masked : '***'}`;
  });
  return `${path}?${params.join('&')}`;
}

/**
 * Errors in log lines. With personal data off or masked: the type, the code (and a database error's
 * constraint), the message and the stack with numbers scrubbed — never the database's `detail`,
 * which quotes the conflicting row. A string (`{ err: err.message }`) is scrubbed the same way.
 */
export function errorSerializer(mode: PersonalDataInLogs): (err: unknown) => unknown {
  return (err) => {
    if (mode === true) return err instanceof Error ? pino.stdSerializers.err(err) : err;
    if (typeof err === 'string') return scrubText(err, mode);
    if (!(err instanceof Error)) return err;
    const e = err as Error & { code?: unknown; constraint?: unknown; table?: unknown };
    return {
      type: e.name,
      message: scrubText(e.message, mode),
      ...(e.stack ? { stack: scrubText(e.stack, mode) } : {}),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
      ...(typeof e.table === 'string' ? { table: e.table } : {}),
    };
  };
}

/**
 * Every string in a log line's own fields, scrubbed (one level into objects and arrays): a last
 * defence for fields no serializer knows. Runs before the serializers (pino's order).
 */
export function scrubLogObject(mode: PersonalDataInLogs): (obj: Record<string, unknown>) => Record<string, unknown> {
  if (mode === true) return (obj) => obj;
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubText(value, mode);
    if (depth > 0 && Array.isArray(value)) return value.map((v) => scrub(v, depth - 1));
    if (depth > 0 && value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth - 1)]));
    }
    return value;
  };
  return (obj) => {
    const out: Record<string, unknown> = {};
    // `req` is the request (its serializer makes the loggable line); `err` has its own serializer.
    for (const [k, v] of Object.entries(obj)) out[k] = k === 'req' || k === 'err' ? v : scrub(v, 2);
    return out;
  };
}
