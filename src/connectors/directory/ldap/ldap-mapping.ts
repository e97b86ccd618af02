/**
 * An LDAP entry → a source item, by the attribute mapping (ldap-config.ts). Attribute names are
 * case-insensitive in LDAP (RFC 4512 §2.5) and servers answer in their own spelling, so lookups
 * fold case. Binary values (AD's objectGUID) arrive as Buffers.
 */
import type { SourceContact, SourceItem } from '../directory-source.ts';
import type { LdapMapping } from './ldap-config.ts';

/** What ldapts hands over per entry. */
export type LdapEntry = { dn: string; [attribute: string]: string | string[] | Buffer | Buffer[] };

const NUMBER_FIELDS = ['business', 'mobile', 'home', 'fax', 'other'] as const;

/**
 * AD's objectGUID in the form AD tools show (`{…}` without braces): the first three groups are
 * little-endian on the wire (MS-DTYP §2.3.4.2), the last two are byte order as-is.
 */
export function guidString(bytes: Buffer): string {
  if (bytes.length !== 16) return bytes.toString('hex');
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = [...bytes.subarray(from, to)];
    return Buffer.from(reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/** Every attribute the mapping reads, for the search request. */
export function requestedAttributes(mapping: LdapMapping): string[] {
  const all = new Set<string>(['objectClass', 'givenName', 'sn']);
  for (const list of Object.values(mapping)) for (const a of list) all.add(a);
  return [...all];
}

function valuesOf(entry: Map<string, Array<string | Buffer>>, attribute: string): string[] {
  const values = entry.get(attribute.toLowerCase()) ?? [];
  return values.map((v) => (typeof v === 'string' ? v : attribute.toLowerCase() === 'objectguid' ? guidString(v) : v.toString('utf8')).trim()).filter((v) => v !== '');
}

function first(entry: Map<string, Array<string | Buffer>>, attributes: string[]): string | null {
  for (const a of attributes) {
    const [value] = valuesOf(entry, a);
    if (value) return value;
  }
  return null;
}

function all(entry: Map<string, Array<string | Buffer>>, attributes: string[]): string[] {
  return [...new Set(attributes.flatMap((a) => valuesOf(entry, a)))];
}

export function entryToItem(raw: LdapEntry, mapping: LdapMapping): SourceItem {
  const entry = new Map<string, Array<string | Buffer>>();
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'dn') continue;
    entry.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  const recordId = first(entry, mapping.id) ?? raw.dn;
  const classes = valuesOf(entry, 'objectClass').map((c) => c.toLowerCase());
  const company = first(entry, mapping.company);
  const isOrganization = classes.includes('organization') && !classes.some((c) => c.endsWith('person') || c === 'user' || c === 'contact');
  const given = [first(entry, ['givenName']), first(entry, ['sn'])].filter(Boolean).join(' ');
  const name = first(entry, mapping.name) ?? (given || null) ?? (isOrganization ? company : null);
  if (!name) return { type: 'skipped', recordId, reason: 'no name (none of the name attributes has a value)' };
  const numbers: SourceContact['numbers'] = [];
  for (const type of NUMBER_FIELDS) {
    for (const number of all(entry, mapping[type])) numbers.push({ number, type });
  }
  if (numbers.length === 0) return { type: 'skipped', recordId, reason: 'no phone number' };
  const notes = all(entry, mapping.notes).join('\n');
  return {
    type: 'record',
    recordId,
    contact: {
      name,
      company,
      kind: isOrganization ? 'company' : 'person',
      numbers,
      emails: all(entry, mapping.emails),
      notes: notes || null,
    },
  };
}
