/** Validation of the CRM API's journaling rules and extension mappings (400 naming the field). */
import { CallbridgeError } from '../../core/errors.ts';
import { DEFAULT_JOURNAL_RULES, type CrmUserMapping, type JournalRules } from '../../storage/repositories/crm-repository.ts';

const BOOLEAN_RULES = ['enabled', 'unknownCallers', 'missedCalls', 'createAccountForUnknown', 'unmappedExtensions'] as const;

/** The rules given, over `base` (or the defaults). */
export function checkJournalRules(input: unknown, base: JournalRules | undefined): JournalRules {
  const rules = { ...(base ?? DEFAULT_JOURNAL_RULES) };
  if (input === undefined) return rules;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CallbridgeError('CB_VALIDATION', 'journal must be an object', '/journal');
  for (const [k, v] of Object.entries(input)) {
    if ((BOOLEAN_RULES as readonly string[]).includes(k)) {
      if (typeof v !== 'boolean') throw new CallbridgeError('CB_VALIDATION', `journal.${k} must be true or false`, `/journal/${k}`);
      rules[k as (typeof BOOLEAN_RULES)[number]] = v;
    } else if (k === 'language') {
      if (v !== 'de' && v !== 'en') throw new CallbridgeError('CB_VALIDATION', 'journal.language must be de or en', '/journal/language');
      rules.language = v;
    } else throw new CallbridgeError('CB_VALIDATION', `unknown journal rule "${k}"`, `/journal/${k}`);
  }
  return rules;
}

export function checkMappings(input: unknown): CrmUserMapping[] {
  if (!Array.isArray(input) || input.length > 5_000) throw new CallbridgeError('CB_VALIDATION', 'the body must be an array of at most 5000 mappings', '/');
  const seen = new Set<string>();
  return input.map((m: unknown, i) => {
    const o = (m ?? {}) as Record<string, unknown>;
    if (typeof o.extension !== 'string' || !/^[0-9A-Za-z*#+_.-]{1,32}$/.test(o.extension)) throw new CallbridgeError('CB_VALIDATION', 'extension must be 1–32 characters of a dial string', `/${i}/extension`);
    if (seen.has(o.extension)) throw new CallbridgeError('CB_VALIDATION', `extension ${o.extension} is mapped twice`, `/${i}/extension`);
    seen.add(o.extension);
    if (typeof o.crmUserId !== 'string' || !o.crmUserId.trim() || o.crmUserId.length > 200) throw new CallbridgeError('CB_VALIDATION', 'crmUserId must be a non-empty string', `/${i}/crmUserId`);
    const logCalls = o.logCalls ?? 'both';
    if (logCalls !== 'answered' && logCalls !== 'lost' && logCalls !== 'both') throw new CallbridgeError('CB_VALIDATION', 'logCalls must be answered, lost or both', `/${i}/logCalls`);
    return { extension: o.extension, crmUserId: o.crmUserId.trim(), logCalls };
  });
}
