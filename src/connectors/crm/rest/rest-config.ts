/**
 * Options of a `rest` CRM connection: any CRM with an HTTP API, described by templates (presets in
 * rest-presets.ts fill them for Propstack, HubSpot and Pipedrive). Secret options (`apiKey`,
 * `password`, `token`, `clientSecret`) are sealed and never returned.
 */
import Type, { type Static } from 'typebox';

const method = Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH')]);
const template = (description: string) => Type.String({ maxLength: 8_000, description });

/** One journaling request. `body` (json) or `params` (form, query) hold templates. */
export const requestTemplateSchema = Type.Object(
  {
    method,
    url: template('URL template; values are percent-encoded'),
    encoding: Type.Union([Type.Literal('json'), Type.Literal('form'), Type.Literal('query')], { default: 'json' }),
    body: Type.Optional(template('encoding=json: the body template; values are JSON-escaped')),
    params: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), template('a form or query value template'))),
  },
  { additionalProperties: false },
);

export const restOptionsSchema = Type.Object(
  {
    preset: Type.Optional(Type.Union([Type.Literal('propstack'), Type.Literal('propstack-phone'), Type.Literal('hubspot'), Type.Literal('pipedrive')], { description: 'Fills the templates below with a shipped preset; explicit values win' })),
    baseUrl: Type.String({ minLength: 8, maxLength: 300, description: 'https://api.example.com; `${base}` is not a variable, templates hold full URLs or start with /' }),
    authType: Type.Union([Type.Literal('none'), Type.Literal('api_key_header'), Type.Literal('api_key_query'), Type.Literal('basic'), Type.Literal('bearer'), Type.Literal('oauth2_client_credentials')], { default: 'none' }),
    apiKeyName: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Header or query parameter that carries the API key' })),
    apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'write-only' })),
    username: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 500, description: 'write-only' })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 2_000, description: 'bearer: the token; write-only' })),
    tokenUrl: Type.Optional(Type.String({ minLength: 8, maxLength: 300 })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'write-only' })),
    scope: Type.Optional(Type.String({ maxLength: 500 })),
    numberFormat: Type.Union([Type.Literal('e164'), Type.Literal('national'), Type.Literal('digits'), Type.Literal('national_digits'), Type.Literal('last_n')], { default: 'e164' }),
    lastDigits: Type.Integer({ minimum: 4, maximum: 15, default: 9 }),
    lookup: Type.Optional(
      Type.Object(
        {
          method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'GET' }),
          url: template('URL template, e.g. /v1/contacts?phone_number=${number}'),
          body: Type.Optional(template('POST: JSON body template')),
          fields: Type.Object(
            {
              id: Type.String({ minLength: 1, maxLength: 200 }),
              firstName: Type.Optional(Type.String({ maxLength: 200 })),
              lastName: Type.Optional(Type.String({ maxLength: 200 })),
              name: Type.Optional(Type.String({ maxLength: 200 })),
              company: Type.Optional(Type.String({ maxLength: 200 })),
              email: Type.Optional(Type.String({ maxLength: 200 })),
              phones: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 })),
            },
            { additionalProperties: false, description: 'JSON paths into the answer (`data.id`; an array on the way means its first element)' },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    journal: Type.Optional(
      Type.Object(
        {
          inbound_answered: Type.Optional(requestTemplateSchema),
          outbound_answered: Type.Optional(requestTemplateSchema),
          inbound_missed: Type.Optional(requestTemplateSchema),
          outbound_not_answered: Type.Optional(requestTemplateSchema),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type RestOptions = Static<typeof restOptionsSchema>;
export type RequestTemplateOptions = Static<typeof requestTemplateSchema>;

export const REST_SECRET_OPTIONS = ['apiKey', 'password', 'token', 'clientSecret'] as const;

/** What the chosen auth type needs, as a field error. */
export function missingForAuth(o: RestOptions): { field: string; message: string } | null {
  const need = (key: keyof RestOptions) => (o[key] ? null : { field: `/${key}`, message: `${key} is required for authType=${o.authType}` });
  switch (o.authType) {
    case 'api_key_header':
    case 'api_key_query':
      return need('apiKeyName') ?? need('apiKey');
    case 'basic':
      return need('username');
    case 'bearer':
      return need('token');
    case 'oauth2_client_credentials':
      return need('tokenUrl') ?? need('clientId') ?? need('clientSecret');
    case 'none':
      return null;
  }
}
