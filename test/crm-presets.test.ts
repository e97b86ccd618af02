/**
 * The HubSpot and Pipedrive presets against their simulators, on SQLite and PostgreSQL: lookup by
 * phone, one call engagement / call log per call linked to the person found, an OAuth 2.0
 * client-credentials token renewed after it expired, and faults mapped to delivery outcomes.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HubSpotSimulator } from './simulators/hubspot/hubspot-simulator.ts';
import { PipedriveSimulator } from './simulators/pipedrive/pipedrive-simulator.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

forEachDialect('REST CRM presets (HubSpot, Pipedrive)', (dialect) => {
  let t: TestApp;
  let hs: HubSpotSimulator;
  let pd: PipedriveSimulator;
  let hsUrl: string;
  let pdUrl: string;

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, expect?: number) => {
    const res = await t.app.inject({ method, url: path, headers: { ...auth(t.keys.admin), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (expect !== undefined) assert.equal(res.statusCode, expect, res.body);
    return res;
  };
  const ingest = async (events: unknown[]) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { results: Array<{ callId: string }> }).results[0].callId;
  };
  const at = (s: number) => new Date(Date.parse('2026-11-25T08:30:00Z') + s * 1000).toISOString();
  const inbound = (callId: string, from: string, talk: number | null) => {
    const base = { callId, direction: 'inbound', from, to: '+49 30 2000100', extension: '201' };
    return [
      { ...base, type: 'call.ringing', timestamp: at(0) },
      ...(talk === null ? [] : [{ ...base, type: 'call.answered', timestamp: at(3) }]),
      { ...base, type: 'call.ended', cause: talk === null ? 'noAnswer' : 'normal', timestamp: at(3 + (talk ?? 17)) },
    ];
  };
  const deliveriesOf = async (callId: string) => (await api('GET', `/api/v1/deliveries?callId=${callId}`, undefined, 200)).json().items as any[];

  before(async () => {
    hs = new HubSpotSimulator();
    pd = new PipedriveSimulator();
    hsUrl = await hs.start();
    pdUrl = await pd.start();
    hs.contacts.push({ id: '501', properties: { firstname: 'Jana', lastname: 'Novak', company: 'Novak Bau', email: 'jana@novak.example', phone: '+4930555000', mobilephone: null } });
    pd.persons.push({ id: 77, name: 'Piet de Vries', phones: ['+31 20 555 0199'], emails: ['piet@example.nl'], organization: { id: 3, name: 'De Vries BV' } });
    t = await openApp(dialect, { delivery: { retrySchedule: [30, 30, 30], pollMs: 60_000 } });
    await api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] }, 200);
  });
  after(async () => {
    await t?.close();
    await hs?.stop();
    await pd?.stop();
  });

  it('HubSpot: contact search by phone, a call engagement associated to the contact, token renewed after expiry', async () => {
    const id = (
      await api('POST', '/api/v1/crm/connections', {
        type: 'rest',
        name: 'HubSpot',
        lookup: false,
        journal: { language: 'en' },
        options: { preset: 'hubspot', baseUrl: hsUrl, authType: 'oauth2_client_credentials', tokenUrl: `${hsUrl}/oauth/v1/token`, clientId: hs.client.id, clientSecret: hs.client.secret },
      }, 201)
    ).json().id;
    const found = (await api('POST', `/api/v1/crm/connections/${id}/test`, { number: '+49 30 555000' }, 200)).json();
    assert.deepEqual([found.outcome, found.contact.id, found.contact.name, found.contact.company], ['found', '501', 'Jana Novak', 'Novak Bau']);

    hs.expireTokens();
    const issued = hs.tokensIssued;
    const answered = await ingest(inbound('hs-1', '030 555000', 95));
    const missed = await ingest(inbound('hs-2', '+49 40 1111111', null));
    assert.equal(await t.deps.delivery.worker.runOnce(), 2);
    assert.equal(hs.tokensIssued, issued + 1, 'one fresh token after the 401, shared by both deliveries');
    // The two deliveries run concurrently: take them by what they are, not by arrival.
    const a = hs.calls.find((c) => c.properties.hs_call_status === 'COMPLETED')!;
    const m = hs.calls.find((c) => c.properties.hs_call_status === 'NO_ANSWER')!;
    assert.equal(hs.calls.length, 2);
    assert.deepEqual(a.properties, {
      hs_timestamp: at(0), hs_call_title: 'Call from Jana Novak', hs_call_direction: 'INBOUND', hs_call_status: 'COMPLETED',
      hs_call_duration: '95000', hs_call_from_number: '+4930555000', hs_call_to_number: '+49302000100',
    });
    assert.deepEqual(a.associations, [{ to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }]);
    assert.deepEqual([m.properties.hs_call_status, m.properties.hs_call_title, m.associations], ['NO_ANSWER', 'Missed call from +49 40 1111111', []]);
    for (const callId of [answered, missed]) assert.equal((await deliveriesOf(callId))[0].state, 'delivered');

    hs.fail({ status: 429, retryAfter: '30' });
    const limited = await ingest(inbound('hs-3', '030 555000', 5));
    await t.deps.delivery.worker.runOnce();
    const [d] = await deliveriesOf(limited);
    assert.deepEqual([d.state, d.lastStatus], ['pending', 429]);
    assert.ok(Date.parse(d.nextAttemptAt) >= Date.now() + 20_000);
    await api('DELETE', `/api/v1/crm/connections/${id}`, undefined, 204);
  });

  it('Pipedrive: person search, a call log linked to the person; a 5xx is retried', async () => {
    const id = (
      await api('POST', '/api/v1/crm/connections', { type: 'rest', name: 'Pipedrive', lookup: false, journal: { language: 'en' }, options: { preset: 'pipedrive', baseUrl: pdUrl, apiKey: pd.apiToken } }, 201)
    ).json().id;
    const found = (await api('POST', `/api/v1/crm/connections/${id}/test`, { number: '+31 20 555 0199' }, 200)).json();
    assert.deepEqual([found.contact.id, found.contact.name, found.contact.company, found.contact.email], ['77', 'Piet de Vries', 'De Vries BV', 'piet@example.nl']);
    pd.fail({ status: 502 });
    const callId = await ingest(inbound('pd-1', '+31 20 555 0199', 61));
    await t.deps.delivery.worker.runOnce();
    await new Promise((r) => setTimeout(r, 50));
    await t.deps.delivery.worker.runOnce();
    assert.deepEqual(pd.callLogs.map(({ id: _id, ...log }) => log), [
      { subject: 'Call from Piet de Vries', outcome: 'connected', from_phone_number: '+31205550199', to_phone_number: '+49302000100', start_time: '2026-11-25 08:30:00', end_time: '2026-11-25 08:31:04', duration: '61', person_id: 77 },
    ]);
    const [d] = await deliveriesOf(callId);
    assert.deepEqual([d.state, d.attempts], ['delivered', 2]);
    await api('DELETE', `/api/v1/crm/connections/${id}`, undefined, 204);
  });
});
