/**
 * PBX connections end to end: configured through the API, connected to a fake Asterisk that replays
 * real recorded AMI traffic, their calls landing in the journal and the live stream; secrets sealed;
 * click-to-dial as an Originate.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDialect } from './support/databases.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { FakeAmiServer } from './support/fake-ami-server.ts';
import { createApiKey } from '../src/auth/api-keys.ts';

const RECORDINGS = new URL('../src/connectors/pbx/asterisk-ami/fixtures/', import.meta.url).pathname;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

forEachDialect('PBX connectors', (dialect) => {
  let t: TestApp;
  let ami: FakeAmiServer;
  let port: number;
  before(async () => {
    t = await openApp(dialect);
    ami = new FakeAmiServer({ secret: 'ami-secret-123', plan: { recording: `${RECORDINGS}01-inbound-answered.ami`, replay: { kind: 'recorded' }, replayAfterChannelList: true } });
    ({ port } = await ami.start());
  });
  after(async () => {
    await t.close();
    await ami.stop();
  });

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = t.keys.admin) =>
    t.app.inject({ method, url, headers: auth(key), ...(payload === undefined ? {} : { payload: payload as object }) });

  it('rejects bad connector options naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'nortel', name: 'x' }, '/type'],
      [{ type: 'asterisk-ami', name: 'x', port: 5038, username: 'u', secret: 's' }, '/host'],
      [{ type: 'asterisk-ami', name: 'x', host: 'h', port: 99999, username: 'u', secret: 's' }, '/port'],
      [{ type: 'asterisk-ami', name: 'x', host: 'h', username: 'u', secret: 's', colour: 'blue' }, '/colour'],
      [{ type: 'asterisk-ami', name: 'x', host: 'h', username: 'u', secret: 's', trunkChannelPatterns: ['(unclosed'] }, '/trunkChannelPatterns/0'],
      [{ type: 'asterisk-ami', name: '', host: 'h', username: 'u', secret: 's' }, '/name'],
    ];
    for (const [body, field] of cases) {
      const res = await api('POST', '/api/v1/connectors', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.body}`);
      assert.equal(res.json().field, field, res.body);
    }
    assert.equal((await api('GET', '/api/v1/connectors')).json().items.length, 0);
  });

  it('connects with one API call, journals the recorded call, and never shows the secret', async () => {
    const created = await api('POST', '/api/v1/connectors', { type: 'asterisk-ami', name: 'office', host: '127.0.0.1', port, username: 'callbridge', secret: 'ami-secret-123' });
    assert.equal(created.statusCode, 201, created.body);
    const connector = created.json();
    assert.equal(JSON.stringify(connector).includes('ami-secret-123'), false);
    assert.deepEqual(connector.secretsSet, ['secret']);
    assert.equal(connector.capabilities.clickToDial, true);

    const row = await t.store.dialect.db.selectFrom('connectors').selectAll().executeTakeFirstOrThrow();
    assert.equal(JSON.stringify(row).includes('ami-secret-123'), false, 'secret sealed at rest');

    const call = await until('the recorded call', async () => {
      const res = await api('GET', '/api/v1/calls?state=ended');
      return res.json().items[0];
    });
    assert.equal(call.direction, 'inbound');
    assert.equal(call.outcome, 'answered');
    assert.equal(call.answeredBy, '201');
    assert.ok(Math.abs(call.ringSeconds - 4) <= 1 && Math.abs(call.talkSeconds - 3) <= 1, `ring ${call.ringSeconds} talk ${call.talkSeconds}`);
    assert.equal(call.from.e164, '+4930123456');

    const shown = await until('connected status', async () => {
      const res = (await api('GET', `/api/v1/connectors/${connector.id}`)).json();
      return res.status?.state === 'connected' ? res : undefined;
    });
    assert.ok(shown.status.lastEventAt);
  });

  it('dials from the agent extension only, as an Originate', async () => {
    const agent201 = (await createApiKey(t.store, { tenantId: 'default', role: 'agent', name: 'anna', extension: '201' })).key;
    const ok = await api('POST', '/api/v1/calls/dial', { extension: '201', number: '030 555-1234' }, agent201);
    assert.equal(ok.statusCode, 202, ok.body);
    const sent = ami.originates.at(-1)!;
    assert.equal(sent.Channel, 'PJSIP/201');
    assert.equal(sent.Exten, '0305551234');
    assert.equal(sent.Context, 'from-internal');
    const other = await api('POST', '/api/v1/calls/dial', { extension: '202', number: '0305551234' }, agent201);
    assert.equal(other.statusCode, 403);
    assert.equal(other.json().field, '/extension');
    const bad = await api('POST', '/api/v1/calls/dial', { extension: '201', number: 'call mom' }, agent201);
    assert.equal(bad.statusCode, 400);
  });

  it('shows a wrong secret as a readable error, stops when disabled, and deletes', async () => {
    const [connector] = (await api('GET', '/api/v1/connectors')).json().items;
    const patched = await api('PATCH', `/api/v1/connectors/${connector.id}`, { secret: 'wrong-secret' });
    assert.equal(patched.statusCode, 200, patched.body);
    const failing = await until('a login error', async () => {
      const res = (await api('GET', `/api/v1/connectors/${connector.id}`)).json();
      return res.status?.lastError ? res : undefined;
    });
    assert.match(failing.status.lastError, /refused|login|authentication/i);
    assert.equal(failing.status.lastError.includes('wrong-secret'), false);

    const disabled = await api('PATCH', `/api/v1/connectors/${connector.id}`, { enabled: false });
    assert.equal(disabled.json().enabled, false);
    const dial = await api('POST', '/api/v1/calls/dial', { extension: '201', number: '0305551234' });
    assert.equal(dial.statusCode, 503);
    assert.equal(dial.json().code, 'CB_PBX_UNAVAILABLE');

    assert.equal((await api('DELETE', `/api/v1/connectors/${connector.id}`)).statusCode, 204);
    assert.equal((await api('GET', `/api/v1/connectors/${connector.id}`)).statusCode, 404);
    const foreign = await api('GET', '/api/v1/connectors', undefined, t.keys.otherTenantAdmin);
    assert.equal(foreign.json().items.length, 0);
  });
});
