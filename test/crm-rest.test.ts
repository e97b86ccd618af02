/**
 * REST CRM by template against the Propstack simulator, on SQLite and PostgreSQL: the four call
 * kinds produce the seed's four JSON bodies exactly (and the query variant its parameters), the
 * lookup maps the answer by JSON paths, and a slow CRM (5 s) neither holds up the ringing event
 * beyond the budget nor loses its answer: the call is enriched when it arrives.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { CallChange } from '../src/journal/live-hub.ts';
import { PropstackSimulator } from './simulators/propstack/propstack-simulator.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

forEachDialect('REST CRM by template (Propstack)', (dialect) => {
  let t: TestApp;
  let ps: PropstackSimulator;
  let url: string;

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, expect?: number) => {
    const res = await t.app.inject({ method, url: path, headers: { ...auth(t.keys.admin), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (expect !== undefined) assert.equal(res.statusCode, expect, res.body);
    return res;
  };
  const ingest = async (events: unknown[]) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { results: Array<{ callId: string }> }).results[0].callId;
  };
  const at = (s: number) => new Date(Date.parse('2026-11-24T14:00:00Z') + s * 1000).toISOString();
  const call = (callId: string, direction: 'inbound' | 'outbound', talk: number | null) => {
    const base = direction === 'inbound' ? { callId, direction, from: '030 1234567', to: '+49 30 2000100' } : { callId, direction, from: '201', to: '030 1234567' };
    return [
      { ...base, extension: '201', type: 'call.ringing', timestamp: at(0) },
      ...(talk === null ? [] : [{ ...base, extension: '201', type: 'call.answered', timestamp: at(4) }]),
      { ...base, extension: '201', type: 'call.ended', cause: talk === null ? 'noAnswer' : 'normal', timestamp: at(4 + (talk ?? 26)) },
    ];
  };
  const connect = async (name: string, preset: string) =>
    (await api('POST', '/api/v1/crm/connections', { type: 'rest', name, journal: { language: 'de' }, options: { preset, baseUrl: url, apiKey: ps.apiKey } }, 201)).json().id as string;

  before(async () => {
    ps = new PropstackSimulator();
    url = await ps.start();
    ps.contacts.push({ id: 4711, first_name: 'Erika', last_name: 'Mustermann', company: 'Mustermann Immobilien', email: 'erika@example.de', office_phone: '+49 (30) 123 45 67', home_cell: null, home_phone: null });
    t = await openApp(dialect, { delivery: { retrySchedule: [30, 30, 30], pollMs: 60_000, disableAfterFailures: 3 }, crm: { lookup: { budgetMs: 300 } } });
    await api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] }, 200);
  });
  after(async () => {
    await t?.close();
    await ps?.stop();
  });

  it('the four call kinds produce the seed\'s four JSON bodies (POST /v1/calls/3cx)', async () => {
    const id = await connect('Propstack', 'propstack');
    await ingest(call('ps-1', 'inbound', 125));
    await ingest(call('ps-2', 'outbound', 42));
    await ingest(call('ps-3', 'inbound', null));
    await ingest(call('ps-4', 'outbound', null));
    assert.equal(await t.deps.delivery.worker.runOnce(), 4);
    assert.deepEqual(ps.calls.map((c) => c.body).sort(), [
      '{"duration":0,"direction":"in","from":"+49301234567","to":"+49302000100","hangup_cause":"notAnswered"}',
      '{"duration":0,"direction":"out","from":"201","to":"+49301234567","hangup_cause":"notAnswered"}',
      '{"duration":125,"direction":"in","from":"+49301234567","to":"+49302000100"}',
      '{"duration":42,"direction":"out","from":"201","to":"+49301234567"}',
    ]);
    await api('PATCH', `/api/v1/crm/connections/${id}`, { enabled: false }, 200);
  });

  it('the general endpoint variant: GET /v1/calls/phone with duration as mm:ss and type for unanswered calls', async () => {
    ps.calls.length = 0;
    const id = await connect('Propstack phone', 'propstack-phone');
    await ingest(call('ps-11', 'inbound', 125));
    await ingest(call('ps-12', 'outbound', null));
    assert.equal(await t.deps.delivery.worker.runOnce(), 2);
    const byDirection = Object.fromEntries(ps.calls.map((c) => [c.query.direction, c.query]));
    assert.deepEqual(byDirection.in, { event: 'hangup', direction: 'in', from: '+49301234567', to: '+49302000100', duration: '02:05' });
    assert.deepEqual(byDirection.out, { event: 'hangup', direction: 'out', from: '201', to: '+49301234567', duration: '00:00', type: 'notAnswered' });
    await api('PATCH', `/api/v1/crm/connections/${id}`, { enabled: false }, 200);
  });

  it('a 429 is retried at Retry-After, a 5xx by the schedule; a wrong API key fails at once', async () => {
    ps.calls.length = 0;
    const id = await connect('Propstack faults', 'propstack');
    await api('PATCH', `/api/v1/crm/connections/${id}`, { lookup: false }, 200);
    ps.fail({ status: 429, retryAfter: '1' });
    const limited = await ingest(call('ps-21', 'inbound', 10));
    await t.deps.delivery.worker.runOnce();
    const [d] = (await api('GET', `/api/v1/deliveries?callId=${limited}`, undefined, 200)).json().items;
    assert.deepEqual([d.state, d.lastStatus], ['pending', 429]);
    assert.ok(Date.parse(d.nextAttemptAt) >= Date.now() + 500);
    ps.fail({ status: 503 });
    const outage = await ingest(call('ps-23', 'outbound', 10));
    await t.deps.delivery.worker.runOnce();
    await new Promise((r) => setTimeout(r, 50));
    await t.deps.delivery.worker.runOnce();
    const [d503] = (await api('GET', `/api/v1/deliveries?callId=${outage}`, undefined, 200)).json().items;
    assert.deepEqual([d503.state, d503.attempts, ps.calls.length], ['delivered', 2, 1]);
    await api('PATCH', `/api/v1/crm/connections/${id}`, { options: { apiKey: 'wrong' } }, 200);
    const refused = await ingest(call('ps-22', 'inbound', 10));
    await t.deps.delivery.worker.runOnce();
    const [dead] = (await api('GET', `/api/v1/deliveries?callId=${refused}`, undefined, 200)).json().items;
    assert.deepEqual([dead.state, dead.lastStatus], ['dead', 401]);
    // Failures in a row disable the connection's journaling in the delivery engine; enabling it again resumes.
    await ingest(call('ps-24', 'inbound', 10));
    await ingest(call('ps-25', 'inbound', 10));
    await t.deps.delivery.worker.runOnce();
    const off = (await api('GET', `/api/v1/crm/connections/${id}`, undefined, 200)).json();
    assert.equal(off.journaling.enabled, false);
    assert.match(off.journaling.disabledReason, /3 consecutive failed attempts/);
    await api('PATCH', `/api/v1/crm/connections/${id}`, { enabled: true, options: { apiKey: ps.apiKey } }, 200);
    assert.equal((await api('GET', `/api/v1/crm/connections/${id}`, undefined, 200)).json().journaling.enabled, true);
    await api('DELETE', `/api/v1/crm/connections/${id}`, undefined, 204);
  });

  it('test action: the lookup maps the answer by JSON paths; secrets are never returned', async () => {
    const id = await connect('Propstack lookup', 'propstack');
    const view = (await api('GET', `/api/v1/crm/connections/${id}`, undefined, 200)).json();
    assert.deepEqual(view.secretsSet, ['apiKey']);
    assert.equal(JSON.stringify(view).includes(ps.apiKey), false);
    const found = (await api('POST', `/api/v1/crm/connections/${id}/test`, { number: '+49 30 1234567' }, 200)).json();
    assert.deepEqual(found.contact, { id: '4711', kind: 'contact', name: 'Erika Mustermann', firstName: 'Erika', lastName: 'Mustermann', company: 'Mustermann Immobilien', email: 'erika@example.de', accountId: null });
    assert.equal((await api('POST', `/api/v1/crm/connections/${id}/test`, { number: '+49 40 9999999' }, 200)).json().outcome, 'not_found');
    // CRM requests go through the delivery engine's SSRF guard: 127.0.0.1 only while allow-listed.
    await api('PATCH', '/api/v1/settings', { deliveryAllowList: [] }, 200);
    const asked = ps.log.length;
    const blocked = await api('POST', `/api/v1/crm/connections/${id}/test`, { number: '+49 30 1234567' }, 502);
    assert.match(blocked.json().detail, /127\.0\.0\.1/);
    assert.equal(ps.log.length, asked, 'nothing reached the CRM');
    await api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] }, 200);
    const bad = await api('POST', '/api/v1/crm/connections', { type: 'rest', name: 'bad', options: { baseUrl: url, journal: { inbound_answered: { method: 'POST', url: '/x', body: '{"n":"${nope}"}' } } } }, 400);
    assert.equal(bad.json().field, '/options/journal/inbound_answered/body');
    await api('DELETE', `/api/v1/crm/connections/${id}`, undefined, 204);
  });

  it('a slow CRM (5 s) does not hold up ringing beyond the budget; its answer enriches the call later', async () => {
    await connect('Propstack slow', 'propstack');
    const changes: CallChange[] = [];
    const unsubscribe = t.deps.hub.subscribe('default', (c) => changes.push(c));
    ps.delayMs = 5_000;
    try {
      const started = performance.now();
      const callId = await ingest([{ callId: 'ps-slow', type: 'call.ringing', direction: 'inbound', from: '030 1234567', to: '+49 30 2000100', extension: '201', timestamp: at(0) }]);
      const elapsed = performance.now() - started;
      // The budget plus the ingest's own work on a busy test machine; far below the CRM's 5 s.
      assert.ok(elapsed < 300 + 700, `ringing took ${Math.round(elapsed)} ms, budget 300 ms`);
      const ringing = changes.find((c) => c.type === 'call.ringing' && c.call.id === callId)!;
      assert.equal(ringing.call.caller, null, 'the CRM had not answered when ringing went out');
      for (let i = 0; i < 80 && !changes.some((c) => c.type === 'call.enriched'); i++) await new Promise((r) => setTimeout(r, 100));
      const enriched = changes.find((c) => c.type === 'call.enriched')!;
      assert.ok(enriched, 'the late answer was published');
      assert.deepEqual([enriched.call.id, enriched.call.caller?.name, enriched.call.caller?.matchType], [callId, 'Erika Mustermann', 'crm']);
      assert.equal((await t.store.calls.get('default', callId))!.caller?.name, 'Erika Mustermann');
      // Cached: the next ring of the same number is named at once.
      ps.delayMs = 0;
      await ingest([{ callId: 'ps-slow-2', type: 'call.ringing', direction: 'inbound', from: '030 1234567', to: '+49 30 2000100', extension: '201', timestamp: at(60) }]);
      assert.equal(changes.find((c) => c.type === 'call.ringing' && c.call.pbxCallId === 'ps-slow-2')!.call.caller?.name, 'Erika Mustermann');
    } finally {
      ps.delayMs = 0;
      unsubscribe();
    }
  });
});
