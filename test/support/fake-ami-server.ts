/**
 * A fake Asterisk Manager Interface for tests and benchmarks, speaking the exchange recorded from
 * Asterisk 22.10.1 (see src/connectors/pbx/asterisk-ami/fixtures/README.md) and documented in
 * docs.asterisk.org "AMI v2 Specification": banner line, Login, Ping, Logoff, CoreShowChannels (event
 * list), Originate (Async: `OriginateResponse` event with the same ActionID).
 *
 * After a login it replays a recording (minus the recording's own banner and login response) in one of
 * several chunkings. Like a real Asterisk it writes responses whole, between the recording's messages,
 * never inside one.
 */
import net from 'node:net';
import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep, setImmediate as nextTurn } from 'node:timers/promises';
import { AmiParser, type AmiMessage } from '../../src/connectors/pbx/asterisk-ami/ami-parser.ts';

export type ReplayMode =
  | { kind: 'recorded' } // full speed, in the recorded TCP chunks
  | { kind: 'paced'; speed?: number } // recorded chunks at their recorded times, `speed` times faster
  | { kind: 'bytes'; size?: number } // fixed-size chunks (default 1 byte)
  | { kind: 'random'; seed: number; maxSize?: number }; // seeded random chunk sizes 1..maxSize

/** What happens on one connection (they are numbered from 0 in connect order). */
export type SessionPlan = {
  /** A `.ami` file to replay after the login. */
  recording?: string;
  replay?: ReplayMode;
  /** Destroy the socket once this many stream bytes (garbage included) were sent. */
  dropAfterBytes?: number;
  /** Leave `Ping` unanswered (a hung Asterisk or a dead TCP path). */
  ignorePings?: boolean;
  /** Insert one garbage message after every N recorded messages. */
  garbageEvery?: number;
  /**
   * Start the replay only once the client has listed the channels (`CoreShowChannels`), as a client
   * that resynchronizes right after login sees it when no call is up at that moment.
   */
  replayAfterChannelList?: boolean;
};

export type FakeAmiOptions = {
  username?: string;
  secret?: string;
  /** Channels `CoreShowChannels` reports (fields after `Event` and `ActionID`). */
  channels?: AmiMessage[];
  originateResult?: 'Success' | 'Failure';
  plan?: SessionPlan | ((connection: number) => SessionPlan);
};

/** The name of the unknown event among the injected garbage. */
export const GARBAGE_EVENT = 'CallbridgeTestGarbage';

const GARBAGE: (string | Buffer)[] = [
  `Event: ${GARBAGE_EVENT}\r\nValue: with: colons: inside\r\nÄrger: ünïcödé\r\n\r\n`,
  'this line has no colon\r\nneither: does this one have a blank key? it has a colon\r\n\r\n',
  'Response: Success\r\nActionID: somebody-else-1\r\nMessage: a response to another client\r\n\r\n',
  '\r\n\r\n',
  'Bare: LF line ends\nno colon here\n\n',
  Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0d, 0x0a, 0x0d, 0x0a]),
];

export type Recording = {
  /** The stream after the recording's banner and login response. */
  data: Buffer;
  /** Offsets in `data` just after each message's blank line. */
  messageEnds: number[];
  /** Recorded TCP chunks, clipped to `data`: offsets into `data`, `t` in unix seconds. */
  chunks: { offset: number; len: number; t: number }[];
};

const recordings = new Map<string, Recording>();

export function loadRecording(path: string): Recording {
  const cached = recordings.get(path);
  if (cached) return cached;
  const file = readFileSync(path);
  let skip = 0;
  if (file.subarray(0, 21).toString() === 'Asterisk Call Manager') skip = file.indexOf('\n') + 1;
  if (file.subarray(skip, skip + 9).toString() === 'Response:') skip = file.indexOf('\r\n\r\n', skip) + 4;
  const data = file.subarray(skip);
  const messageEnds: number[] = [];
  for (let i = data.indexOf('\r\n\r\n'); i >= 0; i = data.indexOf('\r\n\r\n', i + 4)) messageEnds.push(i + 4);
  const timing = join(dirname(path), 'timing', basename(path).replace(/\.ami$/, '.timing.jsonl'));
  const chunks: Recording['chunks'] = [];
  if (existsSync(timing)) {
    for (const line of readFileSync(timing, 'utf8').split('\n').filter(Boolean)) {
      const c = JSON.parse(line) as { t: number; offset: number; len: number };
      const start = Math.max(c.offset, skip);
      if (c.offset + c.len > start) chunks.push({ offset: start - skip, len: c.offset + c.len - start, t: c.t });
    }
  } else {
    chunks.push({ offset: 0, len: data.length, t: 0 });
  }
  const recording = { data, messageEnds, chunks };
  recordings.set(path, recording);
  return recording;
}

/** An AMI message as wire text; undefined values are left out. */
export function formatAmi(fields: Record<string, string | undefined>): string {
  let text = '';
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) text += `${key}: ${value}\r\n`;
  return `${text}\r\n`;
}

export class FakeAmiServer {
  /** Every action received, in order (`Secret` masked). */
  readonly actions: AmiMessage[] = [];
  readonly logins: { username: string; ok: boolean; at: number }[] = [];
  readonly originates: AmiMessage[] = [];
  connections = 0;
  #options: FakeAmiOptions;
  #server = net.createServer((socket) => this.#accept(socket));
  #sessions = new Set<Session>();

  constructor(options: FakeAmiOptions = {}) {
    this.#options = options;
  }

  get username(): string { return this.#options.username ?? 'callbridge'; }
  get secret(): string { return this.#options.secret ?? 'not-the-real-secret'; }
  get channels(): AmiMessage[] { return this.#options.channels ?? []; }
  get originateResult(): 'Success' | 'Failure' { return this.#options.originateResult ?? 'Success'; }

  start(): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve({ port: (this.#server.address() as net.AddressInfo).port }));
    });
  }

  /** Closes every connection and the listener. */
  async stop(): Promise<void> {
    for (const session of this.#sessions) session.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Drops every open connection abruptly (a crashed or restarted Asterisk). */
  dropAll(): void {
    for (const session of this.#sessions) session.close();
  }

  #accept(socket: net.Socket): void {
    const plan = this.#options.plan;
    const session = new Session(this, socket, typeof plan === 'function' ? plan(this.connections) : (plan ?? {}));
    this.connections++;
    this.#sessions.add(session);
    socket.on('close', () => this.#sessions.delete(session));
  }
}

class Session {
  #server: FakeAmiServer;
  #socket: net.Socket;
  #plan: SessionPlan;
  #parser = new AmiParser({ expectBanner: false });
  #abort = new AbortController();
  #authed = false;
  /** The replay stopped inside a message: responses must wait for its end. */
  #midMessage = false;
  #queue: string[] = [];
  #replaying = false;

  constructor(server: FakeAmiServer, socket: net.Socket, plan: SessionPlan) {
    this.#server = server;
    this.#socket = socket;
    this.#plan = plan;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => this.#abort.abort());
    socket.on('data', (chunk) => { for (const m of this.#parser.push(chunk)) this.#handle(m); });
    socket.write('Asterisk Call Manager/11.0.0\r\n');
  }

  close(): void {
    this.#abort.abort();
    this.#socket.destroy();
  }

  /** Writes whole messages, but never inside a replayed message. */
  #send(text: string): void {
    if (this.#midMessage) this.#queue.push(text);
    else if (!this.#socket.destroyed) this.#socket.write(text);
  }

  #flush(): void {
    const text = this.#queue.join('');
    this.#queue = [];
    if (text && !this.#socket.destroyed) this.#socket.write(text);
  }

  #handle(m: AmiMessage): void {
    this.#server.actions.push(m.Secret === undefined ? m : { ...m, Secret: '***' });
    const id = m.ActionID;
    const action = (m.Action ?? '').toLowerCase();
    const error = (message: string) => this.#send(formatAmi({ Response: 'Error', ActionID: id, Message: message }));
    if (action === 'login') {
      const ok = m.Username === this.#server.username && m.Secret === this.#server.secret;
      this.#server.logins.push({ username: m.Username ?? '', ok, at: Date.now() });
      if (!ok) {
        error('Authentication failed');
        this.#socket.end(); // Asterisk hangs up after a failed login
        return;
      }
      this.#authed = true;
      this.#send(formatAmi({ Response: 'Success', ActionID: id, Message: 'Authentication accepted' }));
      if (this.#plan.recording && !this.#plan.replayAfterChannelList) void this.#replay(loadRecording(this.#plan.recording));
    } else if (action === 'logoff') {
      this.#send(formatAmi({ Response: 'Goodbye', ActionID: id, Message: 'Thanks for all the fish.' }));
      this.#socket.end();
    } else if (!this.#authed) {
      error('Permission denied');
    } else if (action === 'ping') {
      if (!this.#plan.ignorePings) {
        this.#send(formatAmi({ Response: 'Success', ActionID: id, Ping: 'Pong', Timestamp: (Date.now() / 1000).toFixed(6) }));
      }
    } else if (action === 'coreshowchannels') {
      const channels = this.#server.channels;
      this.#send(formatAmi({ Response: 'Success', ActionID: id, EventList: 'start', Message: 'Channels will follow' })
        + channels.map((c) => formatAmi({ Event: 'CoreShowChannel', ActionID: id, ...c })).join('')
        + formatAmi({ Event: 'CoreShowChannelsComplete', ActionID: id, EventList: 'Complete', ListItems: String(channels.length) }));
      if (this.#plan.recording && this.#plan.replayAfterChannelList && !this.#replaying) {
        this.#replaying = true;
        void this.#replay(loadRecording(this.#plan.recording));
      }
    } else if (action === 'originate') {
      if (!m.Channel) return error('Channel not specified');
      this.#server.originates.push(m);
      this.#send(formatAmi({ Response: 'Success', ActionID: id, Message: 'Originate successfully queued' }));
      const result = this.#server.originateResult;
      void sleep(20, undefined, { signal: this.#abort.signal }).then(() => this.#send(formatAmi({
        Event: 'OriginateResponse', Privilege: 'call,all', ActionID: id, Response: result, Channel: m.Channel,
        Context: m.Context, Exten: m.Exten, Application: m.Application, Data: m.Data, Reason: result === 'Success' ? '4' : '0',
        Uniqueid: result === 'Success' ? `${Math.floor(Date.now() / 1000)}.${this.#server.originates.length}` : '<null>',
        CallerIDNum: '<unknown>', CallerIDName: '<unknown>',
      })), () => {});
    } else {
      error('Invalid/unknown command');
    }
  }

  /** The chunks to send, as [start, end) offsets into `data`, each with a send time (ms after start) or none. */
  #chunks(recording: Recording): { start: number; end: number; at?: number }[] {
    const mode = this.#plan.replay ?? { kind: 'recorded' };
    const length = recording.data.length;
    if (mode.kind === 'recorded' || mode.kind === 'paced') {
      const t0 = recording.chunks[0]?.t ?? 0;
      const speed = mode.kind === 'paced' ? (mode.speed ?? 1) : 0;
      return recording.chunks.map((c) => ({ start: c.offset, end: c.offset + c.len, at: speed ? ((c.t - t0) * 1000) / speed : undefined }));
    }
    const out: { start: number; end: number }[] = [];
    let seed = mode.kind === 'random' ? mode.seed >>> 0 : 0;
    const random = () => { // mulberry32
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let start = 0; start < length;) {
      const size = mode.kind === 'bytes' ? (mode.size ?? 1) : 1 + Math.floor(random() * (mode.maxSize ?? 512));
      out.push({ start, end: Math.min(length, start + size) });
      start += size;
    }
    return out;
  }

  async #replay(recording: Recording): Promise<void> {
    const { data, messageEnds } = recording;
    const { dropAfterBytes, garbageEvery } = this.#plan;
    const signal = this.#abort.signal;
    const started = Date.now();
    let sent = 0;
    let nextEnd = 0;
    let garbage = 0;
    try {
      for (const chunk of this.#chunks(recording)) {
        if (chunk.at !== undefined) await sleep(Math.max(0, started + chunk.at - Date.now()), undefined, { signal });
        else await nextTurn(undefined, { signal }); // so the reader sees the chunks separately
        const parts: Buffer[] = [];
        let pos = chunk.start;
        while (nextEnd < messageEnds.length && messageEnds[nextEnd] <= chunk.end) {
          parts.push(data.subarray(pos, messageEnds[nextEnd]));
          pos = messageEnds[nextEnd++];
          if (garbageEvery && nextEnd % garbageEvery === 0) parts.push(Buffer.from(GARBAGE[garbage++ % GARBAGE.length]));
        }
        parts.push(data.subarray(pos, chunk.end));
        let piece = Buffer.concat(parts);
        if (dropAfterBytes !== undefined && sent + piece.length >= dropAfterBytes) {
          piece = piece.subarray(0, dropAfterBytes - sent);
          await new Promise<void>((resolve) => this.#socket.write(piece, () => resolve()));
          this.#socket.destroy();
          return;
        }
        sent += piece.length;
        if (!this.#socket.write(piece)) await new Promise((resolve) => this.#socket.once('drain', resolve).once('close', resolve));
        this.#midMessage = messageEnds[nextEnd - 1] !== chunk.end && chunk.end !== data.length;
        if (!this.#midMessage) this.#flush();
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      this.#midMessage = false;
      this.#flush();
    }
  }
}
