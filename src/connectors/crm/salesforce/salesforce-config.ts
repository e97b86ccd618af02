/**
 * Options of a `salesforce` CRM connection. Two ways to sign in, both OAuth 2.0 against a connected
 * app (Setup → App Manager → New Connected App, "Enable OAuth Settings", scope `api`):
 * - `password`: username + password + security token (the user's "Reset My Security Token" e-mail);
 *   the org must allow the username-password flow (Setup → OAuth and OpenID Connect Settings).
 * - `client_credentials`: the connected app's "Client Credentials Flow" with a run-as user; the login
 *   URL must then be the org's My Domain (`https://acme.my.salesforce.com`).
 * - `jwt_bearer`: the OAuth 2.0 JWT bearer flow — the connected app holds a certificate ("Use digital
 *   signatures"), Callbridge signs a short-lived assertion for `username` with the private key; the
 *   user must be pre-authorized for the app (admin-approved users, a profile or permission set).
 * Either user needs the "API Enabled" permission (profile or permission set). Secrets are sealed.
 */
import Type, { type Static } from 'typebox';

export const salesforceOptionsSchema = Type.Object(
  {
    loginUrl: Type.String({ minLength: 8, maxLength: 300, default: 'https://login.salesforce.com', description: 'https://login.salesforce.com, https://test.salesforce.com (sandbox) or the My Domain URL' }),
    auth: Type.Union([Type.Literal('password'), Type.Literal('client_credentials'), Type.Literal('jwt_bearer')], { default: 'password', description: 'OAuth flow' }),
    clientId: Type.String({ minLength: 1, maxLength: 300, description: "The connected app's consumer key" }),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: "The connected app's consumer secret (password, client_credentials); write-only" })),
    privateKey: Type.Optional(Type.String({ minLength: 100, maxLength: 10_000, description: 'auth=jwt_bearer: PEM private key whose certificate the connected app holds; write-only' })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'auth=password: the API user' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'auth=password: its password; write-only' })),
    securityToken: Type.Optional(Type.String({ maxLength: 100, description: 'auth=password: its security token (empty when the IP range is trusted); write-only' })),
    apiVersion: Type.String({ pattern: '^[0-9]{2}\\.0$', default: '62.0', description: 'REST API version' }),
  },
  { additionalProperties: false },
);

export type SalesforceOptions = Static<typeof salesforceOptionsSchema>;

export const SALESFORCE_SECRET_OPTIONS = ['clientSecret', 'password', 'securityToken', 'privateKey'] as const;

/** The password flow's missing fields, as a field error. */
export function missingForAuth(o: SalesforceOptions): { field: string; message: string } | null {
  const need: Array<keyof SalesforceOptions> = o.auth === 'password' ? ['clientSecret', 'username', 'password'] : o.auth === 'jwt_bearer' ? ['username', 'privateKey'] : ['clientSecret'];
  const missing = need.find((k) => !o[k]);
  return missing ? { field: `/${missing}`, message: `${missing} is required for auth=${o.auth}` } : null;
}
