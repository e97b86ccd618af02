/**
 * The ansitel scenario end to end, on SQLite and PostgreSQL: a Salesforce org (simulator), a CRM
 * connection and extension mappings through the API, calls ingested, the delivery worker run
 * deterministically. Answered and missed calls of mapped extensions become Tasks on the right
 * Account; an unknown caller gets an "Anrufer <number>" Account; replaying every delivery — with and
 * without Callbridge's own record of written activities — creates nothing new; vendor faults map to
 * attempt outcomes.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, it } from 'node:test';
import { SalesforceCrmSimulator, type SfUser } from './simulators/salesforce-crm/salesforce-crm-simulator.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

forEachDialect('CRM journaling to Salesforce (ansitel)', (dialect) => {
  let t: TestApp;
  let sf: SalesforceCrmSimulator;
  let anna: SfUser;
  let ben: SfUser;
  let connectionId: string;
  const ids: Record<string, string> = {};

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, expect?: number) => {
    const res = await t.app.inject({ method, url, headers: { ...auth(t.keys.admin), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (expect !== undefined) assert.equal(res.statusCode, expect, res.body);
    return res;
  };
  const ingest = async (events: unknown[]) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { results: Array<{ callId: string }> }).results[0].callId;
  };
  const run = () => t.deps.delivery.worker.runOnce();
  const at = (s: number) => new Date(Date.parse('2026-11-23T09:00:00Z') + s * 1000).toISOString();
  /** ringing → (answered) → ended, `talk` seconds of conversation. */
  const call = (callId: string, direction: 'inbound' | 'outbound', other: string, extensions: string[], talk: number | null) => {
    const [from, to] = direction === 'inbound' ? [other, '+49 30 2000100'] : [extensions[0], other];
    const base = { callId, direction, from, to };
    return [
      ...extensions.map((extension) => ({ ...base, extension, type: 'call.ringing', timestamp: at(0) })),
      ...(talk === null ? [] : [{ ...base, extension: extensions[0], type: 'call.answered', timestamp: at(5) }]),
      { ...base, extension: extensions[0], type: 'call.ended', cause: talk === null ? 'noAnswer' : 'normal', timestamp: at(5 + (talk ?? 20)) },
    ];
  };
  const tasks = () => [...sf.objects.Task.values()];

  before(async () => {
    sf = new SalesforceCrmSimulator();
    const url = await sf.start();
    sf.addUser('integration@ansitel.de', 'pw-integration', 'TOKEN1');
    anna = sf.addUser('anna@ansitel.de', 'x', 'x');
    ben = sf.addUser('ben@ansitel.de', 'x', 'x');
    sf.addUser('noapi@ansitel.de', 'pw-noapi', 'TOKEN2', false);
    const mueller = sf.add('Account', { Name: 'Müller Haustechnik GmbH', Phone: '+49 30 1234567' });
    ids.mueller = mueller.Id;
    ids.klaus = sf.add('Contact', { FirstName: 'Klaus', LastName: 'Müller', Name: 'Klaus Müller', Phone: '030 7654321', AccountId: mueller.Id }).Id;
    t = await openApp(dialect, { delivery: { retrySchedule: [30, 30, 30], pollMs: 60_000 } });
    await api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] }, 200);
    const created = await api('POST', '/api/v1/crm/connections', {
      type: 'salesforce',
      name: 'Salesforce ansitel',
      lookup: false,
      journal: { language: 'de', createAccountForUnknown: true, unmappedExtensions: false },
      options: { loginUrl: url, clientId: 'sim-client', clientSecret: 'sim-secret', username: 'integration@ansitel.de', password: 'pw-integration', securityToken: 'TOKEN1' },
    }, 201);
    connectionId = created.json().id;
    assert.deepEqual(created.json().secretsSet.sort(), ['clientSecret', 'password', 'securityToken']);
    assert.equal(JSON.stringify(created.json()).includes('pw-integration'), false, 'secrets are never returned');
    await api('PUT', `/api/v1/crm/connections/${connectionId}/mappings`, [
      { extension: '201', crmUserId: anna.id, logCalls: 'both' },
      { extension: '202', crmUserId: ben.id, logCalls: 'answered' },
    ], 200);
  });
  after(async () => {
    await t?.close();
    await sf?.stop();
  });

  it('journals answered and missed calls of mapped extensions as Tasks on the right Account', async () => {
    const answered = await ingest(call('sf-1', 'inbound', '030 7654321', ['201'], 120));
    const missed = await ingest(call('sf-2', 'inbound', '+49 30 1234567', ['202', '201'], null));
    const outbound = await ingest(call('sf-3', 'outbound', '030 7654321', ['201'], 42));
    await ingest(call('sf-4', 'inbound', '+49 30 1234567', ['202'], null)); // Ben logs answered calls only
    await ingest(call('sf-5', 'inbound', '+49 40 3333333', ['203'], 10)); // 203 is not mapped
    assert.equal(await run(), 3);
    const byCall = new Map(tasks().map((task) => [task.CallObject, task]));
    assert.equal(byCall.size, 3);
    const a = byCall.get(`callbridge:${answered}`)!;
    assert.deepEqual(
      { Subject: a.Subject, CallType: a.CallType, CallDurationInSeconds: a.CallDurationInSeconds, ActivityDate: a.ActivityDate, Status: a.Status, OwnerId: a.OwnerId, WhoId: a.WhoId, WhatId: a.WhatId },
      { Subject: 'Anruf von Klaus Müller', CallType: 'Inbound', CallDurationInSeconds: 120, ActivityDate: '2026-11-23', Status: 'Completed', OwnerId: anna.id, WhoId: ids.klaus, WhatId: ids.mueller },
    );
    const m = byCall.get(`callbridge:${missed}`)!;
    assert.deepEqual(
      { Subject: m.Subject, CallType: m.CallType, CallDurationInSeconds: m.CallDurationInSeconds, OwnerId: m.OwnerId, WhoId: m.WhoId, WhatId: m.WhatId },
      { Subject: 'Verpasster Anruf von Müller Haustechnik GmbH', CallType: 'Inbound', CallDurationInSeconds: 0, OwnerId: anna.id, WhoId: undefined, WhatId: ids.mueller },
      'the missed ring-group call belongs to the first rung user who logs lost calls',
    );
    const o = byCall.get(`callbridge:${outbound}`)!;
    assert.deepEqual([o.Subject, o.CallType, o.CallDurationInSeconds, o.WhoId], ['Anruf an Klaus Müller', 'Outbound', 42, ids.klaus]);
  });

  it('creates an "Anrufer <number>" Account for an unknown caller, once', async () => {
    const first = await ingest(call('sf-10', 'inbound', '+49 89 5550123', ['201'], 30));
    const second = await ingest(call('sf-11', 'inbound', '089 5550123', ['201'], 15));
    assert.equal(await run(), 2);
    const created = [...sf.objects.Account.values()].filter((acc) => String(acc.Name).startsWith('Anrufer'));
    assert.deepEqual(created.map((acc) => acc.Name), ['Anrufer +49 89 5550123']);
    for (const id of [first, second]) assert.equal(tasks().find((task) => task.CallObject === `callbridge:${id}`)!.WhatId, created[0].Id);
  });

  it('replaying every delivery creates nothing new, even without our record of written activities', async () => {
    const before = { tasks: sf.objects.Task.size, accounts: sf.objects.Account.size };
    const replay = await api('POST', '/api/v1/deliveries/replay', { state: 'delivered', endpointId: connectionId }, 202);
    assert.equal(replay.json().replayed, 5);
    assert.equal(await run(), 5);
    assert.deepEqual({ tasks: sf.objects.Task.size, accounts: sf.objects.Account.size }, before);
    // Salesforce's own marker (CallObject) guards a success whose answer never reached us.
    await t.store.dialect.db.deleteFrom('crm_activities').execute();
    await api('POST', '/api/v1/deliveries/replay', { state: 'delivered', endpointId: connectionId }, 202);
    assert.equal(await run(), 5);
    assert.deepEqual({ tasks: sf.objects.Task.size, accounts: sf.objects.Account.size }, before);
  });

  it('maps vendor faults: expired token refreshed, 429 retried at Retry-After, 5xx retried, validation failed', async () => {
    sf.expireTokens();
    const issued = sf.tokensIssued;
    const refreshed = await ingest(call('sf-20', 'inbound', '030 7654321', ['201'], 60));
    assert.equal(await run(), 1);
    assert.equal(sf.tokensIssued, issued + 1, 'one new token after the 401');
    assert.ok(tasks().some((task) => task.CallObject === `callbridge:${refreshed}`));

    sf.fail({ status: 429, retryAfter: '120' });
    const limited = await ingest(call('sf-21', 'inbound', '030 7654321', ['201'], 60));
    assert.equal(await run(), 1);
    const [d429] = (await api('GET', `/api/v1/deliveries?callId=${limited}`, undefined, 200)).json().items;
    assert.equal(d429.state, 'pending');
    assert.equal(d429.lastStatus, 429);
    assert.ok(Date.parse(d429.nextAttemptAt) >= Date.now() + 100_000, 'the next attempt waits for Retry-After');

    sf.fail({ status: 503 });
    const outage = await ingest(call('sf-22', 'inbound', '030 7654321', ['201'], 60));
    await run();
    await new Promise((r) => setTimeout(r, 50));
    await run();
    const [d503] = (await api('GET', `/api/v1/deliveries?callId=${outage}`, undefined, 200)).json().items;
    assert.deepEqual([d503.state, d503.attempts], ['delivered', 2]);

    await api('PUT', `/api/v1/crm/connections/${connectionId}/mappings`, [{ extension: '201', crmUserId: '005000000000999AAA', logCalls: 'both' }], 200);
    const invalid = await ingest(call('sf-23', 'inbound', '030 7654321', ['201'], 60));
    await run();
    const [dead] = (await api('GET', `/api/v1/deliveries?callId=${invalid}`, undefined, 200)).json().items;
    assert.equal(dead.state, 'dead');
    assert.match(dead.lastError, /FIELD_INTEGRITY_EXCEPTION/);
  });

  it('signs in with the JWT bearer flow; a key the app does not hold is refused as credentials', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    sf.app.publicKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const loginUrl = (await api('GET', `/api/v1/crm/connections/${connectionId}`)).json().options.loginUrl;
    const connect = async (name: string, key: typeof privateKey) =>
      (await api('POST', '/api/v1/crm/connections', { type: 'salesforce', name, options: { loginUrl, auth: 'jwt_bearer', clientId: 'sim-client', username: 'integration@ansitel.de', privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString() } }, 201)).json();
    const good = await connect('jwt', privateKey);
    assert.deepEqual(good.secretsSet, ['privateKey']);
    const found = await api('POST', `/api/v1/crm/connections/${good.id}/test`, { number: '+49 30 1234567' }, 200);
    assert.equal(found.json().contact.name, 'Müller Haustechnik GmbH');
    const bad = await connect('jwt wrong key', other);
    const refused = await api('POST', `/api/v1/crm/connections/${bad.id}/test`, { number: '+49 30 1234567' }, 502);
    assert.match(refused.json().detail, /refused the sign-in: invalid_grant/);
    for (const id of [good.id, bad.id]) await api('DELETE', `/api/v1/crm/connections/${id}`, undefined, 204);
  });

  it('test action: dry-run lookup, journaling preview, and a clear error for a user without "API Enabled"', async () => {
    const found = await api('POST', `/api/v1/crm/connections/${connectionId}/test`, { number: '+49 30 7654321' }, 200);
    assert.equal(found.json().outcome, 'found');
    assert.equal(found.json().contact.name, 'Klaus Müller');
    const callId = await ingest(call('sf-30', 'inbound', '030 7654321', ['201'], 75));
    const tasksBefore = sf.objects.Task.size;
    const preview = (await api('POST', `/api/v1/crm/connections/${connectionId}/test`, { callId }, 200)).json();
    assert.equal(preview.journaled, true);
    assert.equal(JSON.parse(preview.requests.at(-1).body).CallDurationInSeconds, 75);
    assert.equal(sf.objects.Task.size, tasksBefore, 'a preview sends nothing');

    const noApi = await api('POST', '/api/v1/crm/connections', {
      type: 'salesforce',
      name: 'no api',
      options: { loginUrl: (await api('GET', `/api/v1/crm/connections/${connectionId}`)).json().options.loginUrl, clientId: 'sim-client', clientSecret: 'sim-secret', username: 'noapi@ansitel.de', password: 'pw-noapi', securityToken: 'TOKEN2' },
    }, 201);
    const refused = await api('POST', `/api/v1/crm/connections/${noApi.json().id}/test`, { number: '+49 30 7654321' }, 502);
    assert.equal(refused.json().code, 'CB_CRM_FAILED');
    assert.match(refused.json().detail, /API_CURRENTLY_DISABLED.*"API Enabled"/);
    sf.orgApiEnabled = false;
    const org = await api('POST', `/api/v1/crm/connections/${connectionId}/test`, { number: '+49 30 7654321' }, 502);
    assert.match(org.json().detail, /API_DISABLED_FOR_ORG.*edition.*"API Enabled"/);
    sf.orgApiEnabled = true;
    await api('DELETE', `/api/v1/crm/connections/${noApi.json().id}`, undefined, 204);
  });
});
