/**
 * Phone numbers in free text (log lines, error messages, request lines): found, masked or removed.
 * Pure, so logging (src/http/log-privacy.ts) and the delivery attempt log (delivery/http-sender.ts)
 * share one rule. Names cannot be recognized in free text; keeping them out is structural (bodies,
 * payloads and search queries are never written).
 */

/** `false`: numbers become `[number]`; `'mask'`: their last three digits become `***`; `true`: kept. */
export type PersonalDataMode = boolean | 'mask';

/**
 * A run of at least six digits, optionally after `+` or `00`, with single spaces, dashes, slashes
 * or parentheses between them; not part of a word, an id, a date, a time or an address, and not a
 * number masked already (so scrubbing twice changes nothing).
 */
const NUMBER_RUN = /(?<![\w\-:/.%])(?!\d{4}-\d\d-\d\d)(?:\+|\(?0)?\d(?:[ \-/()]{0,2}\d){5,}(?![\w\-:.*])/g;

/** The last three digits hidden: `+49 30 1234567` → `+49 30 1234***`. */
export function maskNumber(text: string): string {
  let hide = 3;
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) {
    const ch = text[i];
    if (hide > 0 && ch >= '0' && ch <= '9') {
      out = '*' + out;
      hide--;
    } else out = ch + out;
  }
  return out;
}

/** Phone-number-like runs in free text: removed (`false`), masked (`'mask'`) or kept (`true`). */
export function scrubText(text: string, mode: PersonalDataMode): string {
  if (mode === true) return text;
  return text.replace(NUMBER_RUN, (run) => (mode === 'mask' ? maskNumber(run) : '[number]'));
}

/** A URL path, segment by segment (a number is often a whole segment: `/contacts/by-phone/%2B4930…`). */
export function scrubPath(path: string, mode: PersonalDataMode): string {
  if (mode === true) return path;
  return path
    .split('/')
    .map((segment) => {
      const decoded = safeDecode(segment);
      const scrubbed = scrubText(decoded, mode);
      return scrubbed === decoded ? segment : scrubbed;
    })
    .join('/');
}

export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
