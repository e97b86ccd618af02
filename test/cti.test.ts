/**
 * The webhook ingest paths end to end: one conversation through own JSON, the generic CTI webhook
 * (Zammad/sipgate field names, form-encoded and JSON) and Placetel gives the same call; tokens and
 * signatures are checked; nothing personal reaches the logs.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, it } from 'node:test';
import { forEachDialect } from './support/databases.ts';
import { auth, openApp, type TestApp } from './support/app.ts';

const form = (o: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
};

forEachDialect('webhook ingest', (dialect) => {
  let t: TestApp;
  const logs: string[] = [];
  before(async () => {
    t = await openApp(dialect, { logLevel: 'debug', logStream: { write: (line: string) => void logs.push(line) } });
  });
  after(() => t.close());

  const callBy = async (pbxCallId: string) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/calls?limit=500', headers: auth(t.keys.admin) });
    return res.json().items.find((c: any) => c.pbxCallId === pbxCallId);
  };
  const essentials = (c: any) => ({
    direction: c.direction,
    kind: c.kind,
    from: c.from.e164,
    to: c.to.e164,
    did: c.did,
    state: c.state,
    outcome: c.outcome,
    answeredBy: c.answeredBy,
    extensionsRang: c.extensionsRang,
  });

  it('gives the same record for one conversation through own JSON, generic CTI and Placetel', async () => {
    const common = { direction: 'inbound', from: '+49 30 1234567', to: '+49 30 999000', extension: '201' };
    const own = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' },
      payload: [
        { ...common, type: 'call.ringing', callId: 'own-1' },
        { ...common, type: 'call.answered', callId: 'own-1' },
        { ...common, type: 'call.ended', callId: 'own-1', cause: 'normal' },
      ],
    });
    assert.equal(own.statusCode, 200, own.body);

    const cti = (body: Record<string, string | string[]>) =>
      t.app.inject({ method: 'POST', url: `/api/v1/cti/${t.keys.ingest}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(body) });
    const sipgate = { from: '49301234567', to: '4930999000', direction: 'in', callId: 'cti-1' };
    for (const body of [
      { ...sipgate, event: 'newCall', 'user[]': ['201'] },
      { ...sipgate, event: 'answer', answeringNumber: '201', user: '201' },
      { ...sipgate, event: 'hangup', cause: 'normalClearing', answeringNumber: '201' },
    ]) {
      const res = await cti(body);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {});
    }

    const placetel = (body: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/api/v1/cti/placetel/${t.keys.ingest}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(body) });
    const pt = { from: '0301234567', to: '030999000', call_id: 'placetel-1', direction: 'in' };
    for (const body of [
      { ...pt, event: 'IncomingCall', peer: '201@fpbx.de' },
      { ...pt, event: 'CallAccepted', peer: '201@fpbx.de' },
      { ...pt, event: 'HungUp', type: 'accepted', duration: '0', peer: '201@fpbx.de' },
    ]) {
      const res = await placetel(body);
      assert.equal(res.statusCode, 200, res.body);
    }

    const expected = {
      direction: 'inbound',
      kind: 'direct',
      from: '+49301234567',
      to: '+4930999000',
      did: '+4930999000',
      state: 'ended',
      outcome: 'answered',
      answeredBy: '201',
      extensionsRang: ['201'],
    };
    assert.deepEqual(essentials(await callBy('own-1')), expected);
    assert.deepEqual(essentials(await callBy('cti-1')), expected);
    assert.deepEqual(essentials(await callBy('placetel-1')), expected);

    // A retried webhook changes nothing.
    const retry = await cti({ ...sipgate, event: 'hangup', cause: 'normalClearing', answeringNumber: '201' });
    assert.equal(retry.statusCode, 200);
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/calls/${(await callBy('cti-1')).id}`, headers: auth(t.keys.admin) });
    assert.equal(detail.json().events.length, 3);
  });

  it('gives outcome missed for CTI calls hung up with cancel or noAnswer before an answer, JSON bodies too', async () => {
    for (const cause of ['cancel', 'noAnswer']) {
      const base = { from: '+4989123456', to: '+4930999000', direction: 'in', callId: `cti-missed-${cause}` };
      for (const body of [{ ...base, event: 'newCall', user: ['202'] }, { ...base, event: 'hangup', cause }]) {
        const res = await t.app.inject({ method: 'POST', url: `/api/v1/cti/${t.keys.ingest}`, payload: body });
        assert.equal(res.statusCode, 200, res.body);
      }
      const call = await callBy(`cti-missed-${cause}`);
      assert.equal(call.outcome, 'missed');
      assert.equal(call.answeredBy, null);
    }
    const pt = { from: '0891234567', to: '030999000', call_id: 'placetel-missed', direction: 'in' };
    for (const body of [{ ...pt, event: 'IncomingCall' }, { ...pt, event: 'HungUp', type: 'missed', duration: '0' }]) {
      await t.app.inject({ method: 'POST', url: `/api/v1/cti/placetel/${t.keys.ingest}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(body) });
    }
    assert.equal((await callBy('placetel-missed')).outcome, 'missed');
  });

  it('answers a sipgate newCall with the XML that asks for answer and hangup pushes', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cti/sipgate/${t.keys.ingest}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'hub.example.com' },
      payload: form({ event: 'newCall', from: '49301234567', to: '4930999000', direction: 'in', callId: 'sg-1', 'user[]': 'Anna' }),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.headers['content-type'] as string, /application\/xml/);
    assert.match(res.body, /<Response onAnswer="http:\/\/hub\.example\.com\/api\/v1\/cti\/sipgate\/cb_[^"]+" onHangup="http:\/\/hub\.example\.com\/api\/v1\/cti\/sipgate\/cb_[^"]+"\/>/);
  });

  it('refuses wrong tokens, bad CTI bodies and Placetel posts with a wrong signature', async () => {
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/cti/not-a-key', payload: { event: 'newCall', callId: 'x' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'CB_UNAUTHORIZED');
    const agent = await t.app.inject({ method: 'POST', url: `/api/v1/cti/${t.keys.agent}`, payload: { event: 'newCall', callId: 'x' } });
    assert.equal(agent.statusCode, 401);
    const badEvent = await t.app.inject({ method: 'POST', url: `/api/v1/cti/${t.keys.ingest}`, payload: { event: 'explode', callId: 'x', from: '1', to: '2', direction: 'in' } });
    assert.equal(badEvent.statusCode, 400);
    assert.equal(badEvent.json().field, '/event');

    const secret = 'placetel-shared-secret';
    assert.equal((await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { placetelSecret: secret } })).statusCode, 200);
    const body = form({ event: 'IncomingCall', from: '0301111111', to: '030999000', call_id: 'signed-1', direction: 'in' });
    const post = (signature?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/cti/placetel/${t.keys.ingest}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-placetel-signature': signature } : {}) },
        payload: body,
      });
    const unsigned = await post();
    assert.equal(unsigned.statusCode, 401);
    assert.equal(unsigned.json().code, 'CB_INVALID_SIGNATURE');
    assert.equal((await post(createHmac('sha256', 'other').update(body).digest('hex'))).statusCode, 401);
    assert.equal(await callBy('signed-1'), undefined, 'nothing stored');
    const signed = await post(createHmac('sha256', secret).update(body).digest('hex'));
    assert.equal(signed.statusCode, 200, signed.body);
    assert.ok(await callBy('signed-1'));
    await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: auth(t.keys.admin), payload: { placetelSecret: null } });
  });

  it('keeps tokens, keys and phone numbers out of the logs', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/calls?number=%2B49301234567', headers: auth(t.keys.admin) });
    const all = logs.join('');
    assert.ok(all.includes('/api/v1/cti/***'), 'CTI requests are logged with the token masked');
    for (const secret of [t.keys.ingest, t.keys.admin, '1234567', 'Anna']) {
      assert.equal(all.includes(secret), false, `logs must not contain ${secret}`);
    }
  });
});
