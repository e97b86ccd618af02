/**
 * A parsed vCard → a source item.
 *
 * - Name: FN; else the parts of N (prefix given additional family suffix); else the company.
 * - Kind: company for `KIND:org` (4.0) and Apple's `X-ABShowAs:COMPANY`; `KIND:group` and Apple's
 *   `X-ADDRESSBOOKSERVER-KIND:group` are contact groups, skipped.
 * - TEL types: fax wins (`WORK,FAX` is a fax), then cell/mobile/iphone, home, work/main/voice-with-work;
 *   anything else is `other`. `tel:` URIs (4.0) lose the scheme and their parameters (`;ext=`);
 *   other URIs (sip:) are not phone numbers here.
 * - Record id: UID; without one, a hash of the card's lines (an edit then reads as remove + add).
 */
import { createHash } from 'node:crypto';
import type { SourceContact, SourceItem } from '../directory-source.ts';
import { components, parseProperty, unescapeText, type VcardProperty } from './vcard-parser.ts';
import type { RawCard } from './vcard-lines.ts';

type NumberType = SourceContact['numbers'][number]['type'];

function numberType(types: string[]): NumberType {
  if (types.includes('fax')) return 'fax';
  if (types.some((t) => t === 'cell' || t === 'mobile' || t === 'iphone')) return 'mobile';
  if (types.includes('home')) return 'home';
  if (types.some((t) => t === 'work' || t === 'main' || t === 'x-main' || t === 'company')) return 'business';
  return 'other';
}

function telNumber(property: VcardProperty): string | null {
  const text = unescapeText(property.raw).trim();
  const uri = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(text);
  if (!uri) return text || null;
  if (uri[1].toLowerCase() !== 'tel') return null;
  const digits = uri[2].split(';')[0];
  let number: string;
  try {
    number = decodeURIComponent(digits).trim();
  } catch {
    number = digits.trim();
  }
  return number || null;
}

function nameFromParts(n: string[]): string {
  const [family = '', given = '', additional = '', prefix = '', suffix = ''] = n;
  return [prefix, given, additional, family, suffix].filter((p) => p !== '').join(' ');
}

/** Turns one card into a record, or a skipped item saying why. */
export function cardToItem(card: RawCard, recordId?: string): SourceItem {
  const properties = card.lines.map(parseProperty).filter((p): p is VcardProperty => p !== null);
  const text = (name: string) => {
    const p = properties.find((x) => x.name === name);
    return p ? unescapeText(p.raw).trim() : '';
  };
  const id = recordId ?? (text('UID') || `sha256:${createHash('sha256').update(card.lines.join('\n')).digest('hex').slice(0, 32)}`);
  const kind = text('KIND').toLowerCase();
  const appleKind = text('X-ADDRESSBOOKSERVER-KIND').toLowerCase();
  if (kind === 'group' || appleKind === 'group') return { type: 'skipped', recordId: id, line: card.line, reason: 'a contact group, not a contact' };
  const orgProperty = properties.find((p) => p.name === 'ORG');
  const company = (orgProperty && components(orgProperty.raw)[0]) || null;
  const isCompany = kind === 'org' || kind === 'organization' || text('X-ABSHOWAS').toUpperCase() === 'COMPANY';
  const nProperty = properties.find((p) => p.name === 'N');
  const name = text('FN') || (nProperty ? nameFromParts(components(nProperty.raw)) : '') || company || '';
  if (!name) return { type: 'skipped', recordId: id, line: card.line, reason: 'no name (FN, N and ORG are empty)' };
  const numbers: SourceContact['numbers'] = [];
  const seen = new Set<string>();
  for (const p of properties) {
    if (p.name !== 'TEL') continue;
    const number = telNumber(p);
    if (!number || seen.has(number)) continue;
    seen.add(number);
    const types = p.params.get('TYPE') ?? [];
    const type = numberType(types);
    numbers.push(isCompany && types.includes('main') ? { number, type, switchboard: true } : { number, type });
  }
  if (numbers.length === 0) return { type: 'skipped', recordId: id, line: card.line, reason: 'no phone number' };
  const emails = [...new Set(properties.filter((p) => p.name === 'EMAIL').map((p) => unescapeText(p.raw).trim().replace(/^mailto:/i, '')).filter(Boolean))];
  const notes = properties.filter((p) => p.name === 'NOTE').map((p) => unescapeText(p.raw).replace(/\r\n?/g, '\n').trim()).filter(Boolean).join('\n');
  return {
    type: 'record',
    recordId: id,
    line: card.line,
    contact: { name, company, kind: isCompany ? 'company' : 'person', numbers, emails, notes: notes || null },
  };
}
