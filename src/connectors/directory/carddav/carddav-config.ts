/**
 * Options of a `carddav` source. The account needs read access to the address book only; `password`
 * (often an app password: iCloud, Google, Nextcloud with 2FA) is stored encrypted, never returned.
 */
import Type, { type Static } from 'typebox';

export const carddavOptionsSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', maxLength: 2000, description: 'The server (https://dav.example.com/), the account\'s principal, or the address book collection itself' }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Account name (HTTP basic auth)' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Its password or app password; write-only' })),
    addressBook: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Display name or last path segment of the address book, when the account has several' })),
    batchSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Cards fetched per addressbook-multiget request' }),
    timeoutSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 60, description: 'Longest one request may take' }),
  },
  { additionalProperties: false },
);

export type CarddavOptions = Static<typeof carddavOptionsSchema>;
