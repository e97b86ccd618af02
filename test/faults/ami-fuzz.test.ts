/**
 * The Asterisk Manager Interface path under malformed input, 10,000 runs per property:
 * - the parser reads well-formed messages exactly, whatever garbage lines surround them and however
 *   the bytes are split (header names like `toString` or `__proto__` included);
 * - on arbitrary bytes it never throws, gives the same messages at any fragmentation, and never a
 *   message larger than its limit;
 * - the call mapper fed arbitrary AMI events (real event names, channel ids from a small pool so that
 *   they meet, any field values) never throws, never trips its internal guard, and emits only events
 *   with a call id and a real time.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { AmiCallMapper } from '../../src/connectors/pbx/asterisk-ami/ami-mapping.ts';
import { AmiParser, type AmiMessage } from '../../src/connectors/pbx/asterisk-ami/ami-parser.ts';

const RUNS = 10_000;

/** Splits bytes at the given cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

const headerName = fc.oneof(
  fc.constantFrom('Event', 'Channel', 'Uniqueid', 'CallerIDNum', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'Response', 'ActionID'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
);
/** Values as the parser gives them back: no line ends, no surrounding blanks. */
const headerValue = fc.string({ maxLength: 60, unit: 'grapheme' }).map((v) => v.replace(/[\r\n]/g, ' ').trim());
const message = fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 8 });
/** A line the parser must skip: no colon after its first character, not empty. */
const garbageLine = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).map((g) => g.replace(/[\r\n:]/g, '#')).filter((g) => g.trim() !== '' && g.length > 0);

it(`reads well-formed messages exactly among garbage lines, at any fragmentation (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(message, fc.array(garbageLine, { maxLength: 2 })), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 12 }),
      (messages, crlf, cuts) => {
        const eol = crlf ? '\r\n' : '\n';
        let text = 'Asterisk Call Manager/9.0.0' + eol;
        const expected: AmiMessage[] = [];
        for (const [headers, garbage] of messages) {
          const m: AmiMessage = {};
          const lines = headers.map(([k, v]) => `${k}: ${v}`);
          for (const [k, v] of headers) Object.defineProperty(m, k, { value: Object.hasOwn(m, k) ? `${m[k]}\n${v}` : v, enumerable: true, writable: true, configurable: true });
          // Garbage between headers: skipped, the message unaffected.
          lines.splice(1, 0, ...garbage);
          text += lines.join(eol) + eol + eol;
          expected.push(m);
        }
        const parser = new AmiParser();
        const got = split(new TextEncoder().encode(text), cuts).flatMap((c) => parser.push(c));
        assert.equal(parser.banner, 'Asterisk Call Manager/9.0.0');
        assert.equal(got.length, expected.length);
        for (let i = 0; i < got.length; i++) {
          assert.deepEqual(Object.entries(got[i]).sort(), Object.entries(expected[i]).sort());
          assert.equal(Object.getPrototypeOf(got[i]), Object.getPrototypeOf(expected[i]));
        }
        assert.equal(parser.stats.malformedLines, messages.reduce((n, [, g]) => n + g.length, 0));
      },
    ),
    { numRuns: RUNS },
  );
});

it(`never throws on arbitrary bytes, reads them the same at any fragmentation, and bounds messages (${RUNS} runs)`, () => {
  const limit = 512;
  const amiish = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc.array(fc.oneof(fc.constantFrom('\r\n', '\n', '\r', ': ', ':', 'Event: Hangup', 'Channel: PJSIP/201-1', '\r\n\r\n', 'Asterisk Call Manager/1.0', '\u00e4', '\ud83d\ude00', 'x'.repeat(300)), fc.string({ maxLength: 20 })), { maxLength: 40 }).map((parts) => new TextEncoder().encode(parts.join(''))),
  );
  fc.assert(
    fc.property(amiish, fc.array(fc.nat(), { maxLength: 16 }), (bytes, cuts) => {
      const whole = new AmiParser({ maxMessageBytes: limit });
      const all = whole.push(bytes);
      const pieces = new AmiParser({ maxMessageBytes: limit });
      const fragmented = split(bytes, cuts).flatMap((c) => pieces.push(c));
      assert.deepEqual(fragmented, all);
      for (const m of all) {
        const size = Object.entries(m).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
        assert.ok(size <= limit + 16 * Object.keys(m).length, `a message of ${size} bytes got through a limit of ${limit}`);
        for (const v of Object.values(m)) assert.equal(typeof v, 'string');
      }
    }),
    { numRuns: RUNS },
  );
});

const EVENTS = ['Newchannel', 'NewCallerid', 'Newstate', 'LocalBridge', 'Rename', 'DialBegin', 'DialEnd', 'BridgeEnter', 'BridgeLeave', 'Hangup', 'QueueCallerJoin', 'QueueCallerAbandon', 'AgentCalled', 'AgentRingNoAnswer', 'AgentConnect', 'AgentComplete', 'BlindTransfer', 'AttendedTransfer', 'CoreShowChannel', 'Cdr', 'FullyBooted'];
const channel = fc.constantFrom('PJSIP/201-00000001', 'PJSIP/202-00000002', 'PJSIP/trunk-00000003', 'SIP/provider-00000004', 'Local/201@from-queue-00000005;1', 'Local/201@from-queue-00000005;2', 'DAHDI/1-1', '', 'PJSIP/', '<unknown>');
const uid = fc.constantFrom('1700000000.1', '1700000000.2', '1700000000.3', '1700000000.4', '', '1700000000.1 ');
const anyValue = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0', '4', '6', 'Up', 'Ringing', 'ANSWER', 'BUSY', 'NOANSWER', 'CANCEL', 'Success', 'Fail', '16', '17', '<unknown>', '+49301234567', '201', 'sales', 'Bridge', 'yes', '1795264512.509063', '-1', '1e400', '99999999999999999999'));
const FIELDS: Record<string, fc.Arbitrary<string>> = {
  Channel: channel, Uniqueid: uid, Linkedid: uid, DestChannel: channel, DestUniqueid: uid, DestLinkedid: uid,
  TransfererChannel: channel, TransfereeChannel: channel, TransfereeUniqueid: uid, TransfererUniqueid: uid, OrigTransfererChannel: channel, SecondTransfererChannel: channel, TransferTargetChannel: channel, TransferTargetUniqueid: uid, OrigTransfererUniqueid: uid, SecondTransfererUniqueid: uid,
  LocalOneChannel: channel, LocalTwoChannel: channel, LocalOneUniqueid: uid, LocalTwoUniqueid: uid, Newname: channel, Interface: channel,
  CallerIDNum: anyValue, CallerIDName: anyValue, ConnectedLineNum: anyValue, ConnectedLineName: anyValue, DestCallerIDNum: anyValue, DestConnectedLineNum: anyValue,
  Exten: anyValue, Context: anyValue, Extension: anyValue, ChannelState: anyValue, ChannelStateDesc: anyValue, DialStatus: anyValue, DialString: anyValue,
  BridgeUniqueid: uid, BridgeNumChannels: anyValue, Cause: anyValue, 'Cause-txt': anyValue, Queue: anyValue, MemberName: anyValue, Position: anyValue,
  Timestamp: anyValue, Result: anyValue, IsExternal: anyValue, AccountCode: anyValue, TransferExten: anyValue, TransferContext: anyValue, DestType: anyValue,
};
const amiEvent = fc.tuple(fc.constantFrom(...EVENTS), fc.subarray(Object.keys(FIELDS)), fc.array(fc.tuple(fc.constantFrom(...Object.keys(FIELDS)), anyValue), { maxLength: 2 })).chain(([event, keys, extra]) =>
  fc.tuple(...keys.map((k) => FIELDS[k])).map((values) => {
    const m: AmiMessage = { Event: event };
    keys.forEach((k, i) => (m[k] = values[i]));
    for (const [k, v] of extra) m[k] = v;
    return m;
  }),
);

it(`maps arbitrary AMI event sequences without an internal error (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(fc.array(amiEvent, { minLength: 1, maxLength: 25 }), fc.boolean(), (messages, resync) => {
      const mapper = new AmiCallMapper({ connectionId: 'fuzz' });
      const at = '2026-11-21T10:00:00.000Z';
      const events = messages.flatMap((m) => mapper.push(m, at));
      if (resync) events.push(...mapper.resync(messages.filter((m) => m.Event === 'CoreShowChannel'), at));
      assert.equal(mapper.stats.internalErrors, 0, 'the guard caught no bug');
      for (const e of events) {
        assert.ok(typeof e.callId === 'string' && e.callId !== '', `call id of ${JSON.stringify(e)}`);
        assert.ok(!Number.isNaN(Date.parse(e.at)), `time of ${JSON.stringify(e)}`);
        assert.ok(typeof e.key === 'string' && e.key !== '');
      }
    }),
    { numRuns: RUNS },
  );
});
