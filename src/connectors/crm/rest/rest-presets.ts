/**
 * Shipped REST CRM presets: templates filled in for a known CRM. A connection names its preset; its
 * own `lookup`/`journal` values, when given, replace the preset's. docs/connectors/rest-crm.md
 * documents each, with the vendor pages they follow.
 */
import type { RestOptions } from './rest-config.ts';

type Preset = Pick<RestOptions, 'authType' | 'apiKeyName' | 'numberFormat' | 'lookup' | 'journal'>;

const PROPSTACK_LOOKUP: RestOptions['lookup'] = {
  method: 'GET',
  url: '/v1/contacts?with_meta=1&phone_number=${number}',
  fields: { id: 'data.id', firstName: 'data.first_name', lastName: 'data.last_name', company: 'data.company', email: 'data.email', phones: ['data.office_phone', 'data.home_cell', 'data.home_phone'] },
};

/** Propstack's 3CX endpoint: one JSON body per call, `hangup_cause` for calls nobody answered. */
const propstack3cx = (direction: 'in' | 'out', missed: boolean) => ({
  method: 'POST' as const,
  url: '/v1/calls/3cx',
  encoding: 'json' as const,
  body: `{"duration":\${duration},"direction":"${direction}","from":"\${from}","to":"\${to}"${missed ? ',"hangup_cause":"notAnswered"' : ''}}`,
});

/** Propstack's general endpoint: everything in the query, duration as mm:ss, `type` for unanswered calls. */
const propstackPhone = (direction: 'in' | 'out', missed: boolean) => ({
  method: 'GET' as const,
  url: '/v1/calls/phone',
  encoding: 'query' as const,
  params: { event: 'hangup', direction, from: '${from}', to: '${to}', duration: '${duration_mmss}', ...(missed ? { type: 'notAnswered' } : {}) },
});

const HUBSPOT_CALL = (direction: 'INBOUND' | 'OUTBOUND', status: 'COMPLETED' | 'NO_ANSWER') => ({
  method: 'POST' as const,
  url: '/crm/v3/objects/calls',
  encoding: 'json' as const,
  // associationTypeId 194: call → contact (HubSpot "Associations v4: association type IDs").
  body:
    `{"properties":{"hs_timestamp":"\${start}","hs_call_title":"\${subject}","hs_call_direction":"${direction}","hs_call_status":"${status}",` +
    `"hs_call_duration":"\${duration_ms}","hs_call_from_number":"\${from}","hs_call_to_number":"\${to}"}` +
    `{% if contact_id != "" %},"associations":[{"to":{"id":"\${contact_id}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":194}]}]{% endif %}}`,
});

const PIPEDRIVE_CALL = (outcome: 'connected' | 'no_answer') => ({
  method: 'POST' as const,
  url: '/v1/callLogs',
  encoding: 'json' as const,
  body:
    `{"subject":"\${subject}","outcome":"${outcome}","from_phone_number":"\${from}","to_phone_number":"\${to}",` +
    `"start_time":"\${start_utc}","end_time":"\${end_utc}","duration":"\${duration}"{% if contact_id != "" %},"person_id":\${contact_id}{% endif %}}`,
});

export const REST_PRESETS: Record<NonNullable<RestOptions['preset']>, Preset> = {
  propstack: {
    authType: 'api_key_header',
    apiKeyName: 'X-API-KEY',
    numberFormat: 'e164',
    lookup: PROPSTACK_LOOKUP,
    journal: {
      inbound_answered: propstack3cx('in', false),
      outbound_answered: propstack3cx('out', false),
      inbound_missed: propstack3cx('in', true),
      outbound_not_answered: propstack3cx('out', true),
    },
  },
  'propstack-phone': {
    authType: 'api_key_header',
    apiKeyName: 'X-API-KEY',
    numberFormat: 'e164',
    lookup: PROPSTACK_LOOKUP,
    journal: {
      inbound_answered: propstackPhone('in', false),
      outbound_answered: propstackPhone('out', false),
      inbound_missed: propstackPhone('in', true),
      outbound_not_answered: propstackPhone('out', true),
    },
  },
  hubspot: {
    authType: 'bearer',
    numberFormat: 'e164',
    lookup: {
      method: 'POST',
      url: '/crm/v3/objects/contacts/search',
      body:
        '{"filterGroups":[{"filters":[{"propertyName":"phone","operator":"EQ","value":"${number}"}]},{"filters":[{"propertyName":"mobilephone","operator":"EQ","value":"${number}"}]}],' +
        '"properties":["firstname","lastname","company","email","phone","mobilephone"],"limit":1}',
      fields: { id: 'results.id', firstName: 'results.properties.firstname', lastName: 'results.properties.lastname', company: 'results.properties.company', email: 'results.properties.email', phones: ['results.properties.phone', 'results.properties.mobilephone'] },
    },
    journal: {
      inbound_answered: HUBSPOT_CALL('INBOUND', 'COMPLETED'),
      outbound_answered: HUBSPOT_CALL('OUTBOUND', 'COMPLETED'),
      inbound_missed: HUBSPOT_CALL('INBOUND', 'NO_ANSWER'),
      outbound_not_answered: HUBSPOT_CALL('OUTBOUND', 'NO_ANSWER'),
    },
  },
  pipedrive: {
    authType: 'api_key_header',
    apiKeyName: 'x-api-token',
    numberFormat: 'e164',
    lookup: {
      method: 'GET',
      url: '/v1/persons/search?term=${number}&fields=phone&exact_match=false&limit=1',
      fields: { id: 'data.items.item.id', name: 'data.items.item.name', company: 'data.items.item.organization.name', email: 'data.items.item.primary_email', phones: ['data.items.item.phones'] },
    },
    journal: {
      inbound_answered: PIPEDRIVE_CALL('connected'),
      outbound_answered: PIPEDRIVE_CALL('connected'),
      inbound_missed: PIPEDRIVE_CALL('no_answer'),
      outbound_not_answered: PIPEDRIVE_CALL('no_answer'),
    },
  },
};

/** The options with the preset's templates filled in where the connection gives none. */
export function withPreset(o: RestOptions): RestOptions {
  if (!o.preset) return o;
  const p = REST_PRESETS[o.preset];
  return {
    ...o,
    authType: o.authType === 'none' ? p.authType : o.authType,
    apiKeyName: o.apiKeyName ?? p.apiKeyName,
    lookup: o.lookup ?? p.lookup,
    journal: { ...p.journal, ...o.journal },
  };
}
