/**
 * A connection to Asterisk that drops mid-call: the client reconnects, lists the channels, and the
 * call that ended while it was away is closed — neither lost nor left up forever.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDialect } from './support/databases.ts';
import { auth, openApp, type TestApp } from './support/app.ts';
import { FakeAmiServer, loadRecording } from './support/fake-ami-server.ts';

const RECORDING = new URL('../src/connectors/pbx/asterisk-ami/fixtures/01-inbound-answered.ami', import.meta.url).pathname;

forEachDialect('AMI reconnect', (dialect) => {
  let t: TestApp;
  let ami: FakeAmiServer;
  before(async () => {
    t = await openApp(dialect);
    const { data } = loadRecording(RECORDING);
    // Cut the first session right after 201 joined the bridge: the call is up, talking.
    const bridged = data.indexOf('Event: BridgeEnter', data.indexOf('Event: BridgeEnter') + 1);
    const cut = data.indexOf('\r\n\r\n', bridged) + 4;
    ami = new FakeAmiServer({
      secret: 's3cret-s3cret',
      channels: [],
      plan: (n) => (n === 0 ? { recording: RECORDING, replay: { kind: 'recorded' }, replayAfterChannelList: true, dropAfterBytes: cut } : {}),
    });
  });
  after(async () => {
    await t.close();
    await ami.stop();
  });

  it('closes the call that ended while the connection was down', async () => {
    const { port } = await ami.start();
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connectors',
      headers: auth(t.keys.admin),
      payload: { type: 'asterisk-ami', name: 'pbx', host: '127.0.0.1', port, username: 'callbridge', secret: 's3cret-s3cret' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const deadline = Date.now() + 15_000;
    let call: any;
    let status: any;
    while (Date.now() < deadline) {
      call = (await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: auth(t.keys.admin) })).json().items[0];
      status = (await t.app.inject({ method: 'GET', url: `/api/v1/connectors/${created.json().id}`, headers: auth(t.keys.admin) })).json().status;
      if (call?.state === 'ended' && status?.reconnects >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ami.connections >= 2, 'the client came back');
    assert.equal(status.state, 'connected');
    assert.equal(call?.state, 'ended', JSON.stringify(call));
    assert.equal(call.outcome, 'answered');
    assert.equal(call.answeredBy, '201');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/calls?state=ringing', headers: auth(t.keys.admin) })).json().items.length, 0);
  });
});
