/**
 * The HTTP API end to end through inject(), on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDialect } from './support/databases.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';

forEachDialect('HTTP API', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await openApp(dialect);
  });
  after(() => t.close());

  const post = (body: unknown, key = t.keys.ingest, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth(key), 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const calls = async (query = '') => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/calls${query}`, headers: auth(t.keys.agent) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { items: any[]; next: string | null };
  };

  it('journals ringing → answered → ended as one answered call, and a repost changes nothing', async () => {
    const first = await post(inboundAnswered('must-show-1'));
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual({ accepted: first.json().accepted, duplicates: first.json().duplicates }, { accepted: 3, duplicates: 0 });
    const { items } = await calls('?number=' + encodeURIComponent('+49301234567'));
    assert.equal(items.length, 1);
    const call = items[0];
    assert.equal(call.outcome, 'answered');
    assert.equal(call.answeredBy, '201');
    assert.equal(call.ringSeconds, 7);
    assert.equal(call.talkSeconds, 120);
    assert.equal(call.direction, 'inbound');
    assert.equal(call.kind, 'direct');
    assert.equal(call.from.e164, '+49301234567');
    assert.equal(call.did, '+4930999000');

    const again = await post(inboundAnswered('must-show-1'));
    assert.equal(again.statusCode, 200);
    assert.deepEqual({ accepted: again.json().accepted, duplicates: again.json().duplicates }, { accepted: 0, duplicates: 3 });
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/calls/${call.id}`, headers: auth(t.keys.agent) });
    assert.equal(detail.statusCode, 200);
    assert.equal(detail.json().version, call.version);
    assert.equal(detail.json().events.length, 3);
    assert.deepEqual(detail.json().events.map((e: any) => e.type), ['call.ringing', 'call.answered', 'call.ended']);
  });

  it('gives outcome missed for a call that ends unanswered (noAnswer and cancel)', async () => {
    for (const cause of ['noAnswer', 'cancel']) {
      const common = { callId: `missed-${cause}`, direction: 'inbound', from: '+4989123456', to: '+4930999000', extension: '202' };
      const res = await post([
        { ...common, type: 'call.ringing', timestamp: '2026-11-21T11:00:00Z' },
        { ...common, type: 'call.ended', cause, timestamp: '2026-11-21T11:00:20Z' },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      const { items } = await calls(`?number=%2B4989123456&outcome=missed`);
      const call = items.find((c) => c.pbxCallId === `missed-${cause}`);
      assert.ok(call, `missed call for ${cause}`);
      assert.equal(call.ringSeconds, 20);
      assert.equal(call.talkSeconds, 0);
      assert.equal(call.answeredBy, null);
    }
  });

  it('rejects bad input with problem+json naming the field, and stores nothing', async () => {
    const before = (await calls('?limit=500')).items.length;
    const cases: Array<[unknown, number, string, string | undefined]> = [
      ['{"type": "call.ringing", ', 400, 'CB_MALFORMED_BODY', '/'],
      [{ type: 'call.exploded', callId: 'x', direction: 'inbound', from: '1', to: '2' }, 400, 'CB_VALIDATION', '/type'],
      [{ type: 'call.ringing', direction: 'inbound', from: '1', to: '2' }, 400, 'CB_VALIDATION', '/callId'],
      [{ type: 'call.ringing', callId: 42.5, direction: 'sideways', from: '1', to: '2' }, 400, 'CB_VALIDATION', '/direction'],
      [{ type: 'call.ringing', callId: 'x', direction: 'inbound', from: ['1'], to: '2' }, 400, 'CB_VALIDATION', '/from'],
      [{ type: 'call.ended', callId: 'x', direction: 'inbound', from: '1', to: '2', cause: 'explosion' }, 400, 'CB_VALIDATION', '/cause'],
      [{ type: 'call.ringing', callId: 'x', direction: 'inbound', from: '1', to: '2', timestamp: 'yesterday' }, 400, 'CB_VALIDATION', '/timestamp'],
      [[...inboundAnswered('half'), { type: 'call.ringing', callId: 'y' }], 400, 'CB_VALIDATION', '/3/direction'],
      [[], 400, 'CB_VALIDATION', '/'],
      ['null', 400, 'CB_VALIDATION', '/'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await post(body);
      assert.equal(res.statusCode, status, `${JSON.stringify(body)} → ${res.body}`);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      const p = res.json();
      assert.equal(p.code, code, res.body);
      assert.equal(p.status, status);
      if (field) assert.equal(p.field, field, res.body);
      assert.ok(p.detail.length > 0);
    }
    const big = await post(JSON.stringify(Array.from({ length: 900 }, (_, i) => ({ ...inboundAnswered(`big-${i}`)[0], labels: { pad: 'x'.repeat(200) } }))));
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'CB_PAYLOAD_TOO_LARGE');
    const text = await post('type=call.ringing', t.keys.ingest, { 'content-type': 'text/plain' });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().code, 'CB_UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await calls('?limit=500')).items.length, before, 'nothing stored');
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  it('answers 401 for missing and wrong keys, 403 for the wrong role, 404 across tenants', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/calls' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'CB_UNAUTHORIZED');
    const wrong = await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: auth('cb_0123456789_' + 'a'.repeat(32)) });
    assert.equal(wrong.statusCode, 401);
    const agentPosts = await post(inboundAnswered('by-agent'), t.keys.agent);
    assert.equal(agentPosts.statusCode, 403);
    const ingestReads = await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: auth(t.keys.ingest) });
    assert.equal(ingestReads.statusCode, 403);

    const { items } = await calls();
    const id = items[0].id;
    const foreign = await t.app.inject({ method: 'GET', url: `/api/v1/calls/${id}`, headers: auth(t.keys.otherTenantAdmin) });
    assert.equal(foreign.statusCode, 404);
    const foreignList = await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: auth(t.keys.otherTenantAdmin) });
    assert.equal(foreignList.json().items.length, 0);

    const revoke = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: auth(t.keys.admin), payload: { name: 'temp', role: 'agent' } });
    assert.equal(revoke.statusCode, 201);
    const temp = revoke.json();
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${temp.id}`, headers: auth(t.keys.admin) })).statusCode, 204);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: auth(temp.key) })).statusCode, 401);

    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/keys', headers: auth(t.keys.admin) });
    const keyList = listed.json().items as any[];
    assert.ok(keyList.every((k) => !('hash' in k) && !('key' in k)), 'keys are listed without hash or key');
    const agent = keyList.find((k) => t.keys.agent.startsWith(`cb_${k.prefix}_`));
    assert.ok(agent.lastUsedAt, 'last use is recorded');
  });

  it('filters and pages the journal', async () => {
    const events = [];
    for (let i = 0; i < 7; i++) {
      const base = `2026-11-20T0${i}:00:00Z`;
      events.push(...inboundAnswered(`page-${i}`, base).map((e) => ({ ...e, extension: i % 2 ? '301' : '302', direction: i === 6 ? 'outbound' : 'inbound' })));
    }
    assert.equal((await post(events)).statusCode, 200);
    const window = '&from=2026-11-20T00:00:00Z&to=2026-11-20T23:59:59Z';
    const seen: string[] = [];
    let cursor: string | null = '';
    do {
      const page: { items: any[]; next: string | null } = await calls(`?limit=3${window}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((c) => c.pbxCallId));
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(seen, ['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    assert.equal((await calls(`?extension=301${window}`)).items.length, 3);
    assert.equal((await calls(`?direction=outbound${window}`)).items.length, 1);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/calls?direction=sideways', headers: auth(t.keys.agent) });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'CB_VALIDATION');
    const badCursor = await t.app.inject({ method: 'GET', url: '/api/v1/calls?cursor=garbage', headers: auth(t.keys.agent) });
    assert.equal(badCursor.statusCode, 400);
    assert.equal(badCursor.json().field, '/cursor');
  });

  it('reads and changes numbering settings, validating them', async () => {
    const get = await t.app.inject({ method: 'GET', url: '/api/v1/settings', headers: auth(t.keys.admin) });
    assert.equal(get.statusCode, 200);
    assert.equal(get.json().defaultCountry, 'DE');
    assert.equal(get.json().areaCode, '30');
    const bad = await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { defaultCountry: 'XX' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, '/defaultCountry');
    const ok = await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { areaCode: '089', placetelSecret: 'a-long-secret' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().areaCode, '89');
    assert.equal(ok.json().placetelSecretSet, true);
    assert.equal(JSON.stringify(ok.json()).includes('a-long-secret'), false);
    const stored = await t.store.tenants.get('default');
    assert.ok(stored?.placetelSecret?.startsWith('v1:'), 'secret sealed at rest');
    const local = await post([{ type: 'call.ringing', callId: 'local', direction: 'inbound', from: '7654321', to: '200' }]);
    assert.equal(local.statusCode, 200);
    const { items } = await calls('?number=089-7654321');
    assert.equal(items[0]?.from.e164, '+49897654321');
    await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { areaCode: '30', placetelSecret: null } });
    const agent = await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.agent), payload: { areaCode: '40' } });
    assert.equal(agent.statusCode, 403);
  });

  it('manages users by extension', async () => {
    const put = await t.app.inject({ method: 'PUT', url: '/api/v1/users', headers: auth(t.keys.admin), payload: [{ extension: '201', name: 'Anna Schmidt', email: 'anna@example.com' }, { extension: '202', name: 'Lars Jensen' }] });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { created: 2, updated: 0 });
    const dup = await t.app.inject({ method: 'PUT', url: '/api/v1/users', headers: auth(t.keys.admin), payload: [{ extension: '203', name: 'A' }, { extension: '203', name: 'B' }] });
    assert.equal(dup.statusCode, 400);
    assert.equal(dup.json().field, '/1/extension');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: auth(t.keys.agent) });
    assert.deepEqual(list.json().items.map((u: any) => u.extension), ['201', '202']);
  });

  it('serves OpenAPI, docs, health, readiness and metrics', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(spec.statusCode, 200);
    const paths = Object.keys(spec.json().paths);
    for (const p of ['/api/v1/events', '/api/v1/calls', '/api/v1/calls/{id}', '/api/v1/calls/stream', '/api/v1/cti/{token}', '/api/v1/cti/placetel/{token}', '/api/v1/settings']) {
      assert.ok(paths.includes(p), `${p} in OpenAPI`);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/docs/' })).statusCode, 200);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().store, dialect.name);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /callbridge_events_total\{source="api",status="applied"\} \d+/);
    assert.match(metrics.body, /callbridge_calls_active \d+/);
    // Events were ingested above, so at least one group commit happened.
    assert.match(metrics.body, /callbridge_journal_commits_total [1-9]\d*/);
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'CB_NOT_FOUND');
  });
});
