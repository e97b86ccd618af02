/**
 * Property-based fuzzing of every ingest endpoint, shared by the fast run in `npm test`
 * (test/ingest-fuzz.test.ts) and the long one in `npm run test:faults` (test/faults/ingest-fuzz.test.ts).
 *
 * Each run posts one body — vendor-shaped with any field wrong, any JSON value, or bytes that are no
 * valid body at all, under a right or wrong content type — and checks: never a 5xx, every error is
 * problem+json with its status, a rejected request stores nothing (calls, events, contacts counted
 * before and after), and what an accepted one stored is a well-formed call.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TestApp } from './app.ts';

/** A date anywhere a sender might put one, including the edges of what Date can represent. */
const dateText = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0001-01-01 00:00:00', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-02-30T25:61:00Z', ''),
  fc.string({ maxLength: 30 }),
);

const number = fc.oneof(fc.constantFrom('+49 30 1234567', '030 1234567', 'anonymous', '', '0049301234567', '+', '00', '*31#', '+49 (0)30 / 12-34', '١٢٣٤٥٦٧'), fc.string({ maxLength: 40 }));
const duration = fc.oneof(fc.constantFrom('00:01:30', '99999:59:59', '-1', '1e308', '0:0:0', '::', '24:00:00'), fc.nat().map(String), fc.string({ maxLength: 12 }), fc.double());
const weird = fc.oneof(fc.anything(), fc.constantFrom('__proto__', 'constructor', 'toString', null, [], {}, -0, 1e308, Number.MAX_SAFE_INTEGER));

/** Event-shaped objects of every format Callbridge accepts, with any field possibly wrong or missing. */
const eventish = fc.record(
  {
    // Own JSON
    type: fc.oneof(fc.constantFrom('call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'newCall', 'answer', 'hangup'), weird),
    eventId: fc.oneof(fc.string({ maxLength: 300 }), weird),
    callId: fc.oneof(fc.string({ maxLength: 300 }), weird),
    linkedCallId: fc.oneof(fc.string({ maxLength: 20 }), weird),
    direction: fc.oneof(fc.constantFrom('inbound', 'outbound', 'internal', 'in', 'out'), weird),
    from: fc.oneof(number, weird),
    to: fc.oneof(number, weird),
    extension: fc.oneof(fc.string({ maxLength: 70 }), weird),
    extensions: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }), weird),
    queue: fc.oneof(fc.string({ maxLength: 70 }), weird),
    transferTo: fc.oneof(fc.string({ maxLength: 20 }), weird),
    cause: fc.oneof(fc.constantFrom('normal', 'busy', 'noAnswer', 'cancel', 'normalClearing', 'rejected', 'failed'), weird),
    timestamp: fc.oneof(dateText, weird),
    labels: weird,
    // Zammad / sipgate
    event: fc.constantFrom('newCall', 'answer', 'hangup', 'IncomingCall', 'OutgoingCall', 'CallAccepted', 'HungUp', 'x'),
    call_id: fc.oneof(fc.string({ maxLength: 20 }), weird),
    user: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), weird),
    answeringNumber: number,
    origCallId: fc.string({ maxLength: 20 }),
    diversion: number,
    // Placetel
    peer: number,
    duration: fc.oneof(duration, weird),
    type_: fc.constantFrom('accepted', 'voicemail', 'missed', 'blocked', 'busy', 'canceled', 'unavailable', 'congestion'),
    // 3CX ReportCall and CreateContact
    CallType: fc.oneof(fc.constantFrom('Inbound', 'Outbound', 'Missed', 'Notanswered', 'inbound', 'NOT_ANSWERED', '[CallType]'), weird),
    Number: fc.oneof(number, weird),
    Agent: fc.oneof(fc.string({ maxLength: 10 }), weird),
    Duration: fc.oneof(duration, weird),
    CallStartTimeUTC: dateText,
    CallEstablishedTimeUTC: dateText,
    CallEndTimeUTC: dateText,
    DateTime: dateText,
    QueueExtension: fc.string({ maxLength: 10 }),
    FirstName: fc.oneof(fc.string({ maxLength: 300 }), weird),
    LastName: fc.string({ maxLength: 30 }),
    Company: fc.string({ maxLength: 30 }),
    Email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 30 })),
    PhoneBusiness: number,
    PhoneMobile: number,
  },
  { requiredKeys: [] },
).map((o) => {
  // Placetel's field is `type` too; keep both spellings reachable.
  if ('type_' in o) {
    const { type_, ...rest } = o;
    return 'type' in rest ? rest : { ...rest, type: type_ };
  }
  return o;
});

const nonEmpty = fc.string({ minLength: 1, maxLength: 40 }).filter((x) => x.trim() !== '');
const iso = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

/** A valid body of each format, the way its sender would write it. */
const validBodies = fc.oneof(
  fc.record({ type: fc.constantFrom('call.ringing', 'call.answered', 'call.ended'), callId: nonEmpty, direction: fc.constantFrom('inbound', 'outbound', 'internal'), from: number, to: number, extension: fc.constantFrom('201', '202'), timestamp: iso }),
  fc.record({ event: fc.constantFrom('newCall', 'answer', 'hangup'), callId: nonEmpty, direction: fc.constantFrom('in', 'out'), from: number, to: number, user: fc.constantFrom('Anna', '201') }),
  fc.record({ event: fc.constantFrom('IncomingCall', 'OutgoingCall', 'CallAccepted', 'HungUp'), call_id: nonEmpty, from: number, to: number, type: fc.constantFrom('accepted', 'missed', 'busy'), duration: fc.nat(5000).map(String) }),
  fc.record({ CallType: fc.constantFrom('Inbound', 'Outbound', 'Missed', 'Notanswered'), Number: number.filter((x) => x.trim() !== ''), Agent: fc.constantFrom('201', '202'), Duration: fc.constantFrom('00:01:30', '00:00:00', '01:00:00'), CallStartTimeUTC: iso }),
  fc.record({ FirstName: nonEmpty, LastName: fc.string({ maxLength: 20 }), Number: number, Email: fc.emailAddress() }),
);

/** A valid body with up to three fields replaced by anything (or removed): the edge of each format. */
const nearlyValid = fc
  .tuple(validBodies, fc.array(fc.tuple(fc.nat(10), fc.oneof(weird, number, dateText, duration, fc.constant(undefined))), { maxLength: 3 }))
  .map(([body, changes]) => {
    const out: Record<string, unknown> = { ...body };
    const keys = Object.keys(out);
    for (const [i, value] of changes) {
      if (value === undefined) delete out[keys[i % keys.length]];
      else out[keys[i % keys.length]] = value;
    }
    return out;
  });

/** String(x), also for objects String() cannot convert (null prototype). */
function asText(x: unknown): string {
  try {
    return String(x);
  } catch {
    return '[object]';
  }
}

type Payload = { text: string | Buffer; contentType: string | undefined };

const contentTypes = ['application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', undefined] as const;

/** Bodies: a JSON value, the same as a form, or bytes under any content type. */
export const payloads: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 5, arbitrary: fc.oneof(nearlyValid, eventish, fc.array(fc.oneof(nearlyValid, eventish), { maxLength: 5 }), fc.anything()).map((v): Payload => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json' })) },
  {
    weight: 3,
    arbitrary: fc.oneof(nearlyValid, eventish).map((v): Payload => ({
      text: new URLSearchParams(Object.entries(v).flatMap(([k, x]): Array<[string, string]> => (Array.isArray(x) ? x.map((e): [string, string] => [k, asText(e)]) : [[k, asText(x)]]))).toString(),
      contentType: 'application/x-www-form-urlencoded',
    })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fc.constantFrom('{', '[', '{"type":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'event=newCall&event=hangup&callId=1', '\u0000', '\uFEFF{}', '%', 'a=%zz&b=%'),
      ),
      fc.constantFrom(...contentTypes),
    ).map(([text, contentType]): Payload => ({ text, contentType })),
  },
);

/** Calls, events and contacts in the store, counted in one query. */
async function counts(t: TestApp): Promise<string> {
  const db = t.store.dialect.db;
  const n = (table: 'calls' | 'call_events' | 'contacts') => db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const [calls, events, contacts] = await Promise.all([n('calls'), n('call_events'), n('contacts')]);
  return `${calls.n}/${events.n}/${contacts.n}`;
}

export type IngestTarget = { name: string; url: string; headers: Record<string, string> };

/** Every endpoint through which a PBX or a CRM integration writes calls or contacts. */
export function ingestTargets(t: TestApp): IngestTarget[] {
  const bearer = { authorization: `Bearer ${t.keys.ingest}` };
  const xApiKey = { 'x-api-key': t.keys.agent };
  return [
    { name: 'own events', url: '/api/v1/events', headers: bearer },
    { name: 'Zammad CTI', url: `/api/v1/cti/${t.keys.ingest}`, headers: {} },
    { name: 'sipgate.io', url: `/api/v1/cti/sipgate/${t.keys.ingest}`, headers: {} },
    { name: 'Placetel', url: `/api/v1/cti/placetel/${t.keys.ingest}`, headers: {} },
    { name: '3CX ReportCall', url: '/api/v1/integrations/3cx/report-call', headers: xApiKey },
    { name: '3CX CreateContact', url: '/api/v1/integrations/3cx/contacts', headers: xApiKey },
  ];
}

/** Runs `runs` fuzzed requests against one target; returns how many were accepted (2xx). */
export async function fuzzTarget(t: TestApp, target: IngestTarget, runs: number, seed?: number): Promise<number> {
  let last = await counts(t);
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(payloads, async ({ text, contentType }) => {
      const res = await t.app.inject({ method: 'POST', url: target.url, headers: { ...target.headers, ...(contentType ? { 'content-type': contentType } : {}) }, payload: text });
      const shown = `${target.name}: ${contentType} ${JSON.stringify(asText(text).slice(0, 300))} → ${res.statusCode} ${res.body.slice(0, 300)}`;
      assert.ok(res.statusCode < 500, shown);
      const now = await counts(t);
      if (res.statusCode >= 400) {
        assert.match(String(res.headers['content-type']), /application\/problem\+json/, shown);
        assert.equal(res.json().status, res.statusCode, shown);
        assert.equal(now, last, `a rejected request stores nothing: ${shown}`);
      } else {
        accepted++;
      }
      last = now;
    }),
    { numRuns: runs, ...(seed === undefined ? {} : { seed }) },
  );
  return accepted;
}

/** What accepted requests stored is well-formed: every call parses, has a PBX id, a known state and real times. */
export async function assertStoredCallsWellFormed(t: TestApp): Promise<void> {
  const rows = await t.store.dialect.db.selectFrom('calls').select(['pbx_call_id', 'state', 'started_at', 'ended_at', 'data']).execute();
  for (const r of rows) {
    assert.ok(r.pbx_call_id.trim() !== '', 'a call has a PBX id');
    assert.ok(['ringing', 'answered', 'ended'].includes(r.state), `state ${r.state}`);
    for (const at of [r.started_at, r.ended_at]) if (at !== null) assert.ok(!Number.isNaN(Date.parse(at)), `time ${at}`);
    const call = JSON.parse(r.data);
    assert.equal(call.pbxCallId, r.pbx_call_id);
  }
  const events = await t.store.dialect.db.selectFrom('call_events').select(['call_id', 'data']).execute();
  for (const e of events) JSON.parse(e.data);
}
