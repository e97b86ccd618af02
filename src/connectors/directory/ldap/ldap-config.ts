/**
 * Options of an `ldap` source (OpenLDAP, Active Directory, any RFC 4511 server). The bind user needs
 * read access to the mapped attributes below `baseDn`; nothing is ever written. `password` is a
 * secret: stored encrypted, never returned.
 */
import Type, { type Static } from 'typebox';

/**
 * People and contacts, not computers: AD's `computer` class derives from `user`. On servers without
 * AD's classes the `contact`/`user` branches simply match nothing.
 */
export const DEFAULT_FILTER = '(|(objectClass=inetOrgPerson)(objectClass=contact)(&(objectClass=user)(!(objectClass=computer))))';

/** AD: leave out disabled accounts (userAccountControl bit 2, matched with LDAP_MATCHING_RULE_BIT_AND). */
export const AD_ENABLED_USERS_FILTER = '(&(objectClass=user)(!(objectClass=computer))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))';

/** Which attributes feed which contact field; the first attribute with a value wins for single fields. */
export const DEFAULT_MAPPING = {
  /** The record id: entryUUID (RFC 4530, OpenLDAP), objectGUID (AD, binary); the DN when neither is there. */
  id: ['entryUUID', 'objectGUID'],
  /** When none has a value, `givenName sn`. */
  name: ['displayName', 'cn'],
  company: ['o', 'company'],
  business: ['telephoneNumber', 'otherTelephone'],
  mobile: ['mobile', 'otherMobile'],
  home: ['homePhone', 'otherHomePhone'],
  fax: ['facsimileTelephoneNumber', 'otherFacsimileTelephoneNumber'],
  other: ['pager'],
  emails: ['mail'],
  /** All values, one per line. */
  notes: ['description', 'info'],
} as const satisfies Record<string, readonly string[]>;

export type LdapMapping = { -readonly [K in keyof typeof DEFAULT_MAPPING]: string[] };

const attributeList = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z][A-Za-z0-9-]*$' }), { maxItems: 20, description }));

export const ldapOptionsSchema = Type.Object(
  {
    url: Type.String({ pattern: '^ldaps?://[^/\\s]+/?$', maxLength: 300, description: 'ldap://host:389 or ldaps://host:636 (protocol, host and port only)' }),
    startTls: Type.Boolean({ default: false, description: 'Upgrade an ldap:// connection with StartTLS before binding' }),
    bindDn: Type.Optional(Type.String({ maxLength: 500, description: 'DN (or AD user@domain) to bind as; empty for an anonymous bind' })),
    password: Type.Optional(Type.String({ maxLength: 500, description: 'Its password; write-only' })),
    baseDn: Type.String({ minLength: 1, maxLength: 500, description: 'Where the search starts, e.g. ou=people,dc=example,dc=com' }),
    scope: Type.Union([Type.Literal('sub'), Type.Literal('one'), Type.Literal('base')], { default: 'sub', description: 'sub: the whole subtree; one: direct children only' }),
    filter: Type.String({ minLength: 3, maxLength: 2000, default: DEFAULT_FILTER, description: 'RFC 4515 search filter' }),
    pageSize: Type.Integer({ minimum: 0, maximum: 5000, default: 500, description: 'Simple paged results (RFC 2696) page size; 0 asks for everything in one answer' }),
    mapping: Type.Optional(
      Type.Object(
        {
          id: attributeList('Record id attributes'),
          name: attributeList('Name attributes'),
          company: attributeList('Company attributes'),
          business: attributeList('Business number attributes'),
          mobile: attributeList('Mobile number attributes'),
          home: attributeList('Home number attributes'),
          fax: attributeList('Fax number attributes'),
          other: attributeList('Other number attributes'),
          emails: attributeList('E-mail attributes'),
          notes: attributeList('Note attributes'),
        },
        { additionalProperties: false, description: 'Attribute names per contact field; a field given here replaces its default list' },
      ),
    ),
    tlsCaFile: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'PEM file of the CA that signed the server certificate (for ldaps:// and StartTLS)' })),
    tlsRejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse certificates that do not verify' }),
    connectTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 120, default: 10 }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 60, description: 'Per LDAP operation (bind, one page of a search)' }),
  },
  { additionalProperties: false },
);

export type LdapOptions = Static<typeof ldapOptionsSchema>;

export function effectiveMapping(options: LdapOptions): LdapMapping {
  const mapping = {} as LdapMapping;
  for (const key of Object.keys(DEFAULT_MAPPING) as Array<keyof LdapMapping>) {
    mapping[key] = [...(options.mapping?.[key] ?? DEFAULT_MAPPING[key])];
  }
  return mapping;
}
