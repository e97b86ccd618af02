/**
 * The recorded Asterisk 22.10.1 AMI streams (src/connectors/pbx/asterisk-ami/fixtures, provenance in
 * the README there) end to end: bytes → AmiParser → AmiCallMapper → CallJournal on every database,
 * checked against expected.json. Each file alone, then all nine through one mapper, then a stream
 * cut mid-call and resynchronized.
 *
 * Reading of expected.json: `answered_by` of an outbound call names the remote party; Callbridge's
 * answeredBy is an extension, so it is the calling extension there. 03 "missed (busy)" is outcome
 * `busy` (every leg busy); 05, an outbound call nobody answered, is the lifecycle's `missed`.
 * talkSeconds is first answer → end, so 07 (201 talks 3 s, 203 talks 4 s after ringing 4 s) has 11.
 *
 * The last suite sends every recording over TCP from a fake Asterisk (real banner and login) through
 * the `asterisk-ami` connector itself: client, parser, mapper, journal.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import type { Call } from '../src/core/calls/call.ts';
import type { CallEvent } from '../src/core/calls/call-event.ts';
import { normalizeNumber } from '../src/core/phone-numbers/phone-number.ts';
import { AmiCallMapper } from '../src/connectors/pbx/asterisk-ami/ami-mapping.ts';
import { AmiParser, type AmiMessage } from '../src/connectors/pbx/asterisk-ami/ami-parser.ts';
import { CallJournal } from '../src/journal/call-journal.ts';
import { LiveHub } from '../src/journal/live-hub.ts';
import type { Store } from '../src/storage/store.ts';
import { forEachDialect } from './support/databases.ts';
import { FakeAmiServer, type ReplayMode } from './support/fake-ami-server.ts';
import { asteriskAmi } from '../src/connectors/pbx/asterisk-ami/asterisk-ami-connector.ts';

const FIXTURES = new URL('../src/connectors/pbx/asterisk-ami/fixtures/', import.meta.url);
const NUMBERING = { defaultCountry: 'DE', areaCode: '30' };
const RECEIVED_AT = '2030-01-01T00:00:00.000Z';

type RawCall = {
  caller_number: string;
  called_number: string;
  answered: boolean;
  answered_by: string | null;
  ring_seconds: number;
  talk_seconds?: number;
  total_talk_seconds?: number;
  hangup_by?: string;
};
type Scenario = RawCall & { file: string; direction: string; queue: { name: string; members_rung: string[] } | null; transfer: { by: string; to: string; type: string } | null; calls?: RawCall[] };

type Expected = {
  file: string;
  direction: string;
  kind: string;
  from: string;
  to: string;
  outcome: string;
  answeredBy: string | null;
  extension: string | null;
  ring: number;
  talk: number;
  queue: string | null;
  rang: string[];
  hangupBy: string | null;
  transfers: Array<{ from: string; to: string; type: string }>;
};

const scenarios = (JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as { scenarios: Scenario[] }).scenarios;

function expectationsOf(s: Scenario): Expected[] {
  return (s.calls ?? [s]).map((c) => {
    const outbound = s.direction === 'outbound';
    const answeredBy = !c.answered ? null : outbound ? c.caller_number : c.answered_by;
    return {
      file: s.file,
      direction: s.direction,
      kind: s.direction === 'internal' ? 'internal' : s.queue ? 'queue' : 'direct',
      from: c.caller_number,
      to: c.called_number,
      outcome: c.answered ? 'answered' : s.file.startsWith('03-') ? 'busy' : 'missed',
      answeredBy,
      extension: s.transfer?.to ?? answeredBy,
      ring: c.ring_seconds,
      talk: c.talk_seconds ?? c.total_talk_seconds ?? 0,
      queue: s.queue?.name ?? null,
      rang: s.queue?.members_rung ?? [],
      hangupBy: hangupByOf(c.hangup_by ?? null),
      transfers: s.transfer ? [{ from: s.transfer.by, to: s.transfer.to, type: s.transfer.type }] : [],
    };
  });
}

/** expected.json words → labels.hangupBy: the calling party, the called party (an agent) or the PBX. */
function hangupByOf(text: string | null): string | null {
  if (text === null) return null;
  if (text.startsWith('caller')) return 'caller';
  if (text.startsWith('pbx')) return 'pbx';
  return 'callee';
}

function messagesOf(file: string): AmiMessage[] {
  return new AmiParser().push(readFileSync(new URL(file, FIXTURES)));
}

/** Every conversation id (Linkedid) a recording holds. */
function linkedIdsOf(messages: AmiMessage[]): Set<string> {
  return new Set(messages.filter((m) => m.Event === 'Newchannel').map((m) => m.Linkedid));
}

async function open(openStore: () => Promise<Store>) {
  const store = await openStore();
  await store.tenants.create({ id: 't', name: 'T', ...NUMBERING }, RECEIVED_AT);
  const journal = new CallJournal(store, new LiveHub(), async () => NUMBERING);
  return { store, journal };
}

/** One ingest per AMI message that produced events, in stream order. */
async function replay(journal: CallJournal, mapper: AmiCallMapper, messages: AmiMessage[]): Promise<CallEvent[]> {
  const all: CallEvent[] = [];
  for (const m of messages) {
    const events = mapper.push(m, RECEIVED_AT);
    if (events.length) await journal.ingest('t', events, 'asterisk-ami');
    all.push(...events);
  }
  return all;
}

function assertCall(call: Call, e: Expected): void {
  const what = `${e.file} ${e.from}`;
  assert.equal(call.state, 'ended', what);
  assert.equal(call.direction, e.direction, what);
  assert.equal(call.kind, e.kind, what);
  assert.equal(call.from.raw, e.from, what);
  assert.equal(call.to.raw, e.to, what);
  assert.equal(call.did, e.direction === 'inbound' ? normalizeNumber(e.to, NUMBERING).e164 : null, what);
  assert.equal(call.outcome, e.outcome, what);
  assert.equal(call.answeredBy, e.answeredBy, what);
  assert.equal(call.extension, e.extension, what);
  assert.equal(call.queue, e.queue, what);
  assert.ok(Math.abs((call.ringSeconds ?? NaN) - e.ring) <= 1, `${what}: ring ${call.ringSeconds}, expected ${e.ring}`);
  assert.ok(Math.abs((call.talkSeconds ?? NaN) - e.talk) <= 1, `${what}: talk ${call.talkSeconds}, expected ${e.talk}`);
  assert.deepEqual(call.transfers.map((t) => ({ from: t.from, to: t.to, type: t.type })), e.transfers, what);
  for (const ext of e.rang) assert.ok(call.extensionsRang.includes(ext), `${what}: ${ext} rang`);
  assert.equal(call.labels.hangupBy ?? null, e.hangupBy, what);
  if (e.from === 'anonymous') assert.equal(call.from.withheld, true, what);
  assert.ok(call.legs.every((l) => l.state === 'ended'), what);
}

/** The calls of one recording, in the order they started. */
async function callsOf(store: Store, linkedIds: Set<string>): Promise<Call[]> {
  const calls = await store.calls.list({ tenantId: 't', limit: 50 });
  return calls.filter((c) => linkedIds.has(c.pbxCallId)).sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
}

forEachDialect('recorded Asterisk AMI traffic', (d) => {
  for (const s of scenarios) {
    it(`${s.file}: one call per conversation, as expected.json says`, async () => {
      const { store, journal } = await open(d.open);
      try {
        const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
        const messages = messagesOf(s.file);
        await replay(journal, mapper, messages);
        const expected = expectationsOf(s);
        const calls = await store.calls.list({ tenantId: 't', limit: 50 });
        assert.equal(calls.length, expected.length);
        const mine = await callsOf(store, linkedIdsOf(messages));
        assert.equal(mine.length, expected.length);
        mine.forEach((call, i) => assertCall(call, expected[i]));
        assert.equal(mapper.activeChannels, 0);
        assert.equal(mapper.stats.internalErrors, 0);
      } finally {
        await store.close();
      }
    });
  }

  it('without Timestamp headers (a stock Asterisk), dated by the recorded receive times: the same calls', async () => {
    const { store, journal } = await open(d.open);
    try {
      const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
      for (const s of scenarios) {
        for (const { messages, at } of chunksOf(s.file)) {
          const events = messages.flatMap(({ Timestamp: _t, ...m }) => mapper.push(m, at));
          if (events.length) await journal.ingest('t', events, 'asterisk-ami');
        }
        const expected = expectationsOf(s);
        const mine = await callsOf(store, linkedIdsOf(messagesOf(s.file)));
        assert.equal(mine.length, expected.length, s.file);
        mine.forEach((call, i) => assertCall(call, expected[i]));
      }
    } finally {
      await store.close();
    }
  });

  it('all nine recordings through one mapper: ten calls, each as expected; replaying them changes nothing', async () => {
    const { store, journal } = await open(d.open);
    try {
      const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
      const streams = scenarios.map((s) => ({ s, messages: messagesOf(s.file) }));
      const events: CallEvent[] = [];
      for (const { messages } of streams) events.push(...(await replay(journal, mapper, messages)));
      assert.equal((await store.calls.list({ tenantId: 't', limit: 50 })).length, 10);
      for (const { s, messages } of streams) {
        const expected = expectationsOf(s);
        const mine = await callsOf(store, linkedIdsOf(messages));
        assert.equal(mine.length, expected.length, s.file);
        mine.forEach((call, i) => assertCall(call, expected[i]));
      }
      // The same AMI traffic mapped again by a fresh mapper gives the same keys: nothing new is stored.
      const again = new AmiCallMapper({ connectionId: 'pbx-1' });
      const replayed = streams.flatMap(({ messages }) => messages.flatMap((m) => again.push(m, RECEIVED_AT)));
      assert.deepEqual(replayed.map((e) => e.key), events.map((e) => e.key));
      const results = await journal.ingest('t', replayed, 'asterisk-ami');
      assert.ok(results.every((r) => r.status === 'duplicate'));
    } finally {
      await store.close();
    }
  });

  it('a stream cut mid-call: resync without the channels ends the call; with them, nothing ends', async () => {
    const { store, journal } = await open(d.open);
    try {
      const messages = messagesOf('01-inbound-answered.ami');
      // Up to the answer (the BridgeEnter of the trunk channel), before any hangup.
      const cut = messages.findIndex((m) => m.Event === 'BridgeEnter' && m.Channel.includes('from-trunk')) + 1;
      assert.ok(cut > 0);
      const liveNow = channelsAlive(messages.slice(0, cut));
      assert.ok(liveNow.length >= 4);

      const kept = new AmiCallMapper({ connectionId: 'pbx-1' });
      await replay(journal, kept, messages.slice(0, cut));
      assert.deepEqual(kept.resync(liveNow, '2026-11-21T13:00:00.000Z'), []);
      assert.equal(kept.activeChannels, liveNow.length);
      let [call] = await store.calls.list({ tenantId: 't', limit: 50 });
      assert.equal(call.state, 'answered');

      const ended = kept.resync([], '2026-11-21T13:00:00.000Z');
      assert.deepEqual(ended.map((e) => e.type), ['ended', 'ended']);
      assert.ok(ended.every((e) => e.labels.endedBy === 'resync'));
      await journal.ingest('t', ended, 'asterisk-ami');
      [call] = await store.calls.list({ tenantId: 't', limit: 50 });
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'answered');
      assert.equal(call.answeredBy, '201');
      assert.equal(kept.activeChannels, 0);
    } finally {
      await store.close();
    }
  });

  it('a mapper started mid-call learns it from resync and then follows the rest of the stream', async () => {
    const { store, journal } = await open(d.open);
    try {
      const messages = messagesOf('06-inbound-queue-answered.ami');
      const cut = messages.findIndex((m) => m.Event === 'AgentConnect') + 1;
      const mapper = new AmiCallMapper({ connectionId: 'pbx-1' });
      const at = new Date(Number(messages[cut - 1].Timestamp) * 1000).toISOString();
      const learned = mapper.resync(channelsAlive(messages.slice(0, cut)), at);
      await journal.ingest('t', learned, 'asterisk-ami');
      await replay(journal, mapper, messages.slice(cut));
      const [call] = await store.calls.list({ tenantId: 't', limit: 50 });
      assert.equal(call.state, 'ended');
      assert.equal(call.direction, 'inbound');
      assert.equal(call.from.raw, '+4917612345678');
      assert.equal(call.queue, 'support');
      assert.equal(call.outcome, 'answered');
      assert.equal(call.answeredBy, '201');
      assert.equal(call.labels.hangupBy, 'callee');
    } finally {
      await store.close();
    }
  });
});

/** The recording as it arrived: the TCP chunks of timing/NN-*.timing.jsonl, each with its receive time. */
function chunksOf(file: string): Array<{ messages: AmiMessage[]; at: string }> {
  const bytes = readFileSync(new URL(file, FIXTURES));
  const timing = readFileSync(new URL(`timing/${file.replace(/\.ami$/, '.timing.jsonl')}`, FIXTURES), 'utf8');
  const parser = new AmiParser();
  return timing
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { t: number; offset: number; len: number })
    .map((c) => ({ messages: parser.push(bytes.subarray(c.offset, c.offset + c.len)), at: new Date(Math.round(c.t * 1000)).toISOString() }));
}

/**
 * What `CoreShowChannels` would list at the end of `messages`: the channels created and not hung up,
 * with their latest state, as CoreShowChannel events (Duration from the Timestamp headers).
 */
function channelsAlive(messages: AmiMessage[]): AmiMessage[] {
  const live = new Map<string, AmiMessage>();
  const now = Number(messages.at(-1)?.Timestamp ?? 0);
  const born = new Map<string, number>();
  for (const m of messages) {
    if (m.Event === 'Newchannel') {
      live.set(m.Uniqueid, { ...m });
      born.set(m.Uniqueid, Number(m.Timestamp));
    } else if (m.Event === 'Hangup') live.delete(m.Uniqueid);
    else if (m.Uniqueid && live.has(m.Uniqueid) && m.Channel) {
      const c = live.get(m.Uniqueid)!;
      for (const k of ['ChannelState', 'ChannelStateDesc', 'CallerIDNum', 'CallerIDName', 'ConnectedLineNum']) if (m[k]) c[k] = m[k];
      if (m.Event === 'BridgeEnter') c.BridgeId = m.BridgeUniqueid;
      if (m.Event === 'BridgeLeave') c.BridgeId = '';
      if (m.Event === 'QueueCallerJoin') Object.assign(c, { Application: 'Queue', ApplicationData: `${m.Queue},rtT` });
      if (m.Event === 'QueueCallerLeave') Object.assign(c, { Application: 'Queue', ApplicationData: `${m.Queue},rtT` });
    }
  }
  return [...live.values()].map((c) => {
    const s = Math.max(0, Math.round(now - (born.get(c.Uniqueid) ?? now)));
    const duration = `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    const { Timestamp: _t, Privilege: _p, ...rest } = c;
    return { ...rest, Event: 'CoreShowChannel', Duration: duration };
  });
}

/** Over TCP: a fake Asterisk replays the file, the real connector logs in and journals what it hears. */
async function throughConnector(store: Store, journal: CallJournal, file: string, replay: ReplayMode): Promise<void> {
  const linkedIds = linkedIdsOf(messagesOf(file));
  const server = new FakeAmiServer({ secret: 'pw-123456', plan: { recording: new URL(file, FIXTURES).pathname, replay, replayAfterChannelList: true } });
  const { port } = await server.start();
  const check = asteriskAmi.check({ host: '127.0.0.1', port, username: 'callbridge', secret: 'pw-123456' });
  assert.ok(check.ok);
  const connection = asteriskAmi.create(check.options, {
    connectionId: 'pbx-tcp',
    sink: { ingest: async (events) => void (await journal.ingest('t', events, 'asterisk-ami')) },
    log: { info() {}, warn() {} },
  });
  connection.start();
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const calls = await callsOf(store, linkedIds);
      if (calls.length > 0 && calls.every((c) => c.state === 'ended') && server.connections > 0) break;
      if (Date.now() > deadline) throw new Error(`${file}: calls did not end over TCP (${connection.status().state}, ${connection.status().lastError})`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(connection.status().state, 'connected');
  } finally {
    await connection.stop();
    await server.stop();
  }
}

forEachDialect('recorded AMI traffic through the TCP client and connector', (d) => {
  for (const [i, s] of scenarios.entries()) {
    // Random TCP fragmentation for every file; the recorded pacing (10× faster) for every third.
    const replay: ReplayMode = i % 3 === 0 ? { kind: 'paced', speed: 10 } : { kind: 'random', seed: 17 + i, maxSize: 300 };
    it(`${s.file} (${replay.kind}): the expected record`, async () => {
      const { store, journal } = await open(d.open);
      try {
        await throughConnector(store, journal, s.file, replay);
        const expected = expectationsOf(s);
        const mine = await callsOf(store, linkedIdsOf(messagesOf(s.file)));
        assert.equal(mine.length, expected.length, s.file);
        mine.forEach((call, k) => assertCall(call, expected[k]));
      } finally {
        await store.close();
      }
    });
  }
});
