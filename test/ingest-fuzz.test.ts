/**
 * Arbitrary bodies against every ingest endpoint: never a 5xx, never a crash, and nothing stored from
 * a rejected request.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { forEachDialect } from './support/databases.ts';
import { auth, openApp, type TestApp } from './support/app.ts';

const RUNS = 250;

/** Event-shaped objects with every field possibly wrong, plus anything at all. */
const eventish = fc.record(
  {
    type: fc.oneof(fc.constantFrom('call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'newCall', 'answer', 'hangup', 'IncomingCall', 'HungUp'), fc.anything()),
    callId: fc.oneof(fc.string({ maxLength: 300 }), fc.anything()),
    call_id: fc.string({ maxLength: 20 }),
    event: fc.constantFrom('newCall', 'answer', 'hangup', 'IncomingCall', 'OutgoingCall', 'CallAccepted', 'HungUp', 'x'),
    direction: fc.oneof(fc.constantFrom('inbound', 'outbound', 'internal', 'in', 'out'), fc.anything()),
    from: fc.oneof(fc.string(), fc.constantFrom('+49 30 1234567', 'anonymous', '', '0049301234567'), fc.anything()),
    to: fc.oneof(fc.string(), fc.anything()),
    extension: fc.anything(),
    cause: fc.oneof(fc.constantFrom('normal', 'busy', 'noAnswer', 'cancel', 'normalClearing'), fc.anything()),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    labels: fc.anything(),
    duration: fc.oneof(fc.nat().map(String), fc.string()),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(eventish, fc.array(eventish, { maxLength: 5 }), fc.anything());

forEachDialect('ingest fuzzing', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await openApp(dialect);
  });
  after(() => t.close());

  /** Calls and events in the store, counted directly (a page of the API would saturate). */
  const stored = async () => {
    const db = t.store.dialect.db;
    const calls = await db.selectFrom('calls').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const events = await db.selectFrom('call_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return `${calls.n}/${events.n}`;
  };

  it(`answers ${RUNS} arbitrary bodies per endpoint without a 5xx, storing nothing from rejected ones`, async () => {
    const urls = ['/api/v1/events', `/api/v1/cti/${t.keys.ingest}`, `/api/v1/cti/placetel/${t.keys.ingest}`, `/api/v1/cti/sipgate/${t.keys.ingest}`];
    for (const url of urls) {
      await fc.assert(
        fc.asyncProperty(body, fc.boolean(), async (payload, asForm) => {
          const before = await stored();
          const isForm = asForm && typeof payload === 'object' && payload !== null && !Array.isArray(payload) && !url.endsWith('/events');
          let text: string;
          try {
            text = isForm ? new URLSearchParams(Object.entries(payload as object).map(([k, v]): [string, string] => [k, String(v)])).toString() : JSON.stringify(payload) ?? 'null';
          } catch {
            text = '{';
          }
          const res = await t.app.inject({
            method: 'POST',
            url,
            headers: { ...auth(t.keys.ingest), 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json' },
            payload: text,
          });
          assert.ok(res.statusCode < 500, `${url} ${text} → ${res.statusCode} ${res.body}`);
          if (res.statusCode >= 400) {
            assert.equal(res.json().status, res.statusCode);
            assert.equal(await stored(), before, 'a rejected request stores nothing');
          }
        }),
        { numRuns: RUNS },
      );
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
