/**
 * A resilient client for one Asterisk Manager Interface (docs.asterisk.org, "AMI v2 Specification").
 *
 * Protocol facts it relies on:
 * - The server greets with one line, `Asterisk Call Manager/<version>`; anything else is not an AMI.
 * - `Login` (with `Events: on`) answers `Response: Success` or `Response: Error` +
 *   `Message: Authentication failed`, after which Asterisk closes the socket.
 * - Every action carries our `ActionID`; the response and any events it causes echo it. Event lists
 *   (`CoreShowChannels`) answer `Response: Success` + `EventList: start`, then events, then a completing
 *   event with `EventList: Complete`. `Originate` with `Async: true` answers at once and later sends an
 *   `OriginateResponse` event with the same ActionID (callers pass `listUntil: 'OriginateResponse'`).
 * - `OriginateResponse` carries both `Event` and `Response` headers: a message with `Event` is an event.
 * - `Ping` answers `Response: Success` + `Ping: Pong`; a silent server is how a dead TCP path shows.
 * - A header repeated in an action (`Variable` of `Originate`) is given as one value joined by '\n',
 *   the same shape the parser produces for repeated headers.
 */
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { AmiParser, type AmiMessage } from './ami-parser.ts';
import type { ConnectionStatus } from '../pbx-connector.ts';

export type AmiClientLog = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export type AmiClientOptions = {
  host: string;
  port: number;
  username: string;
  secret: string;
  tls?: boolean;
  /** With `tls`: verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** Interval between `Ping`s on an idle or busy connection (default 20 s). */
  keepaliveMs?: number;
  /** Budget for TCP/TLS connect + banner + login (default 10 s). */
  connectTimeoutMs?: number;
  /** Default time an action may take, list included (default 10 s). Also the Ping deadline. */
  actionTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  log?: AmiClientLog;
};

export type AmiActionOptions = {
  timeoutMs?: number;
  /** Event name that completes the action's event list. */
  listUntil?: string;
  /**
   * Called with the result at the exact point of the stream where it completes, before any later
   * event reaches `onEvent` (the promise resolves a tick later, after such events). A resync must see
   * the channel list in stream order.
   */
  inStreamOrder?: (result: AmiActionResult) => void;
};
export type AmiActionResult = { response: AmiMessage; events: AmiMessage[] };

type Settle = (error: Error | null, result?: AmiActionResult) => void;
type Pending = { action: string; listUntil?: string; response: AmiMessage | null; events: AmiMessage[]; timer?: NodeJS.Timeout; settle: Settle; inOrder?: (result: AmiActionResult) => void };
type Phase = 'connect' | 'banner' | 'login' | 'ready';
type Conn = { socket: net.Socket; parser: AmiParser; phase: Phase; closed: boolean; timer?: NodeJS.Timeout };

const silentLog: AmiClientLog = { info() {}, warn() {} };

export class AmiClient {
  #o: Required<Omit<AmiClientOptions, 'backoff' | 'log'>> & { initialMs: number; maxMs: number };
  #log: AmiClientLog;
  #hasLog: boolean;
  #where: string;
  #idPrefix = `cb-${randomBytes(3).toString('hex')}`;
  #seq = 0;
  #conn: Conn | null = null;
  #pending = new Map<string, Pending>();
  #started = false;
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #attempt = 0;
  #authFailed = false;
  #reconnectTimer?: NodeJS.Timeout;
  #keepaliveTimer?: NodeJS.Timeout;
  #listeners = { event: [] as ((m: AmiMessage, at: string) => void)[], connected: [] as (() => void)[], disconnected: [] as ((reason: string) => void)[] };
  #status: ConnectionStatus = { state: 'stopped', connectedSince: null, lastEventAt: null, lastError: null, lastErrorAt: null, reconnects: 0, eventsReceived: 0 };

  constructor(options: AmiClientOptions) {
    this.#o = {
      host: options.host, port: options.port, username: options.username, secret: options.secret,
      tls: options.tls ?? false, rejectUnauthorized: options.rejectUnauthorized ?? true,
      keepaliveMs: options.keepaliveMs ?? 20_000, connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      actionTimeoutMs: options.actionTimeoutMs ?? 10_000,
      initialMs: options.backoff?.initialMs ?? 1_000, maxMs: options.backoff?.maxMs ?? 60_000,
    };
    this.#log = options.log ?? silentLog;
    this.#hasLog = options.log !== undefined;
    this.#where = `${options.host}:${options.port}`;
  }

  /** Every event that is not part of a pending action's list, with the time its bytes arrived. */
  onEvent(listener: (message: AmiMessage, receivedAt: string) => void): void { this.#listeners.event.push(listener); }
  /** After each successful login, before that connection's first event: the place to resynchronize. */
  onConnected(listener: () => void): void { this.#listeners.connected.push(listener); }
  /** When a connection that had logged in is lost (not for failed attempts; those show in `status()`). */
  onDisconnected(listener: (reason: string) => void): void { this.#listeners.disconnected.push(listener); }

  /** Before `start()` and after `stop()` the state is `stopped`; `failed` while Asterisk refuses the login. */
  status(): ConnectionStatus { return { ...this.#status }; }

  /** Connects and keeps reconnecting (exponential backoff with jitter) until `stop()`. Call once. */
  start(): void {
    if (this.#started) throw new Error('AmiClient.start() may be called only once');
    this.#started = true;
    this.#connect();
  }

  /**
   * Sends an action and resolves with its response and, for event lists (or `listUntil`), the list's events.
   * Rejects if not connected, on timeout, or when the connection is lost first. A `Response: Error` resolves.
   */
  action(fields: Record<string, string>, opts: AmiActionOptions = {}): Promise<AmiActionResult> {
    return new Promise((resolve, reject) => {
      const conn = this.#conn;
      if (this.#stopped || !conn || conn.phase !== 'ready') {
        reject(new Error(`Cannot send AMI action ${fields.Action ?? '?'}: not connected to Asterisk at ${this.#where} (${this.#status.state})`));
        return;
      }
      this.#send(conn, fields, opts.timeoutMs ?? this.#o.actionTimeoutMs, opts.listUntil,
        (err, result) => (err ? reject(err) : resolve(result!)), opts.inStreamOrder);
    });
  }

  /** Logs off (briefly waiting for `Goodbye`), closes the socket, cancels timers. Idempotent; no callbacks after. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopped = true;
    this.#status.state = 'stopped';
    clearTimeout(this.#reconnectTimer);
    const conn = this.#conn;
    this.#stopping = new Promise<void>((resolve) => {
      if (!conn || conn.closed) return resolve();
      const done = () => { this.#drop(conn, 'stopped'); resolve(); };
      if (conn.phase !== 'ready') return done();
      conn.socket.once('close', done);
      this.#send(conn, { Action: 'Logoff' }, Math.min(500, this.#o.actionTimeoutMs), undefined, done);
    });
    return this.#stopping;
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#status.state = this.#authFailed ? 'failed' : 'connecting';
    const { host, port } = this.#o;
    const socket = this.#o.tls
      ? tls.connect({ host, port, rejectUnauthorized: this.#o.rejectUnauthorized, servername: net.isIP(host) ? undefined : host })
      : net.connect({ host, port });
    const conn: Conn = { socket, parser: new AmiParser(), phase: 'connect', closed: false };
    this.#conn = conn;
    socket.setNoDelay(true);
    conn.timer = setTimeout(() => this.#drop(conn, conn.phase === 'connect'
      ? `Could not connect to Asterisk at ${this.#where} within ${this.#o.connectTimeoutMs} ms`
      : `Asterisk at ${this.#where} did not complete the ${conn.phase === 'banner' ? 'greeting' : 'login'} within ${this.#o.connectTimeoutMs} ms`),
    this.#o.connectTimeoutMs);
    socket.once(this.#o.tls ? 'secureConnect' : 'connect', () => { if (conn.phase === 'connect') conn.phase = 'banner'; });
    socket.on('data', (chunk: Buffer) => this.#onData(conn, chunk));
    socket.on('error', (err) => this.#drop(conn, this.#describe(err as NodeJS.ErrnoException)));
    socket.on('close', () => this.#drop(conn, `Asterisk at ${this.#where} closed the connection`));
  }

  #onData(conn: Conn, chunk: Buffer): void {
    if (conn.closed) return;
    const receivedAt = new Date().toISOString();
    const messages = conn.parser.push(chunk);
    if (conn.phase === 'banner' || conn.phase === 'connect') {
      const banner = conn.parser.banner;
      if (banner === null) return;
      if (banner === '') return this.#drop(conn, `${this.#where} is not an Asterisk Manager Interface (no "Asterisk Call Manager" greeting)`);
      conn.phase = 'login';
      this.#login(conn);
    }
    for (const message of messages) {
      if (conn.closed) return;
      this.#route(conn, message, receivedAt);
    }
  }

  #login(conn: Conn): void {
    const { username } = this.#o;
    this.#send(conn, { Action: 'Login', Username: username, Secret: this.#o.secret, Events: 'on' }, 0, undefined, (err, result) => {
      if (err || conn.closed) return;
      const response = result!.response;
      if (!/^success$/i.test(response.Response ?? '')) {
        const why = response.Message ?? '';
        return this.#drop(conn, /authentication failed/i.test(why) || why === ''
          ? `Asterisk refused the login for user ${username}: check username and secret in manager.conf`
          : `Asterisk refused the login for user ${username}: ${why}`, true);
      }
      clearTimeout(conn.timer);
      conn.phase = 'ready';
      this.#authFailed = false;
      this.#attempt = 0;
      Object.assign(this.#status, { state: 'connected', connectedSince: new Date().toISOString() });
      this.#log.info({ host: this.#where, username }, 'AMI connected');
      this.#scheduleKeepalive(conn);
      this.#emit(this.#listeners.connected, []);
    });
  }

  #scheduleKeepalive(conn: Conn): void {
    this.#keepaliveTimer = setTimeout(() => {
      const ms = this.#o.actionTimeoutMs;
      this.#send(conn, { Action: 'Ping' }, ms, undefined, (err) => {
        if (conn.closed) return;
        if (err) this.#drop(conn, `Asterisk at ${this.#where} did not answer Ping within ${ms} ms; reconnecting`);
        else this.#scheduleKeepalive(conn);
      });
    }, this.#o.keepaliveMs);
  }

  #route(conn: Conn, message: AmiMessage, receivedAt: string): void {
    const pending = message.ActionID === undefined ? undefined : this.#pending.get(message.ActionID);
    if (message.Event !== undefined) {
      if (pending) {
        pending.events.push(message);
        if (pending.response && this.#listEnds(pending, message)) this.#finish(message.ActionID, pending);
        return;
      }
      if (conn.phase !== 'ready' || this.#stopped) return;
      this.#status.eventsReceived++;
      this.#status.lastEventAt = receivedAt;
      this.#emit(this.#listeners.event, [message, receivedAt]);
    } else if (message.Response !== undefined && pending && !pending.response) {
      pending.response = message;
      const isList = pending.listUntil !== undefined || /^start$/i.test(message.EventList ?? '');
      if (!isList || /^error$/i.test(message.Response) || pending.events.some((e) => this.#listEnds(pending, e))) {
        this.#finish(message.ActionID, pending);
      }
    }
  }

  #listEnds(pending: Pending, event: AmiMessage): boolean {
    return pending.listUntil ? event.Event === pending.listUntil : /^(complete|cancelled)$/i.test(event.EventList ?? '');
  }

  #finish(id: string, pending: Pending, error?: Error): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (error) return pending.settle(error);
    const result = { response: pending.response!, events: pending.events };
    try {
      pending.inOrder?.(result);
    } catch (err) {
      this.#log.warn({ err: String(err), action: pending.action }, 'AMI action callback failed');
    }
    pending.settle(null, result);
  }

  #send(conn: Conn, fields: Record<string, string>, timeoutMs: number, listUntil: string | undefined, settle: Settle, inOrder?: (result: AmiActionResult) => void): void {
    const id = `${this.#idPrefix}-${++this.#seq}`;
    const action = fields.Action ?? '?';
    let text = '';
    for (const [key, value] of Object.entries({ ...fields, ActionID: id })) {
      if (/[\r\n:]/.test(key) || value.includes('\r')) {
        return settle(new Error(`AMI action ${action}: header ${JSON.stringify(key)} contains a line break or colon`));
      }
      for (const line of value.split('\n')) text += `${key}: ${line}\r\n`;
    }
    const pending: Pending = { action, listUntil, response: null, events: [], settle, inOrder };
    if (timeoutMs > 0) {
      pending.timer = setTimeout(() => this.#finish(id, pending, new Error(pending.response
        ? `Asterisk did not complete the ${action} event list within ${timeoutMs} ms (${pending.events.length} events so far)`
        : `Asterisk did not answer ${action} within ${timeoutMs} ms`)), timeoutMs);
    }
    this.#pending.set(id, pending);
    conn.socket.write(`${text}\r\n`);
  }

  /** Ends one connection: idempotent, rejects its actions, reports, schedules the next attempt. */
  #drop(conn: Conn, reason: string, authFailed = false): void {
    if (conn.closed) return;
    conn.closed = true;
    this.#authFailed = authFailed;
    const wasReady = conn.phase === 'ready';
    clearTimeout(conn.timer);
    clearTimeout(this.#keepaliveTimer);
    conn.socket.destroy();
    const lost = this.#stopped ? 'the AMI client was stopped' : `connection lost (${reason})`;
    for (const [id, pending] of this.#pending) this.#finish(id, pending, new Error(`AMI action ${pending.action} failed: ${lost}`));
    if (this.#stopped) return;
    const now = new Date().toISOString();
    Object.assign(this.#status, { state: this.#authFailed ? 'failed' : 'disconnected', connectedSince: null, lastError: reason, lastErrorAt: now });
    this.#log.warn({ host: this.#where, reason }, wasReady ? 'AMI connection lost' : 'AMI connection attempt failed');
    if (wasReady) this.#emit(this.#listeners.disconnected, [reason]);
    if (this.#stopped) return;
    const base = Math.min(this.#o.maxMs, this.#o.initialMs * 2 ** this.#attempt++);
    const delay = this.#authFailed ? this.#o.maxMs * (0.8 + 0.2 * Math.random()) : base / 2 + (Math.random() * base) / 2;
    this.#reconnectTimer = setTimeout(() => {
      this.#status.reconnects++;
      this.#connect();
    }, delay);
  }

  #emit<A extends unknown[]>(listeners: ((...args: A) => void)[], args: A): void {
    for (const listener of listeners) {
      if (this.#stopped) return;
      try {
        listener(...args);
      } catch (err) {
        // A consumer's bug: report it, but keep the connection and the other listeners going.
        if (this.#hasLog) this.#log.warn({ host: this.#where, err: String(err) }, 'AMI listener threw');
        else process.emitWarning(`AMI listener threw: ${String(err)}`);
      }
    }
  }

  #describe(err: NodeJS.ErrnoException): string {
    const code = err.code ?? '';
    const where = this.#where;
    if (code === 'ECONNREFUSED') return `Connection to Asterisk at ${where} refused: is AMI enabled on that port (manager.conf)?`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Host ${this.#o.host} not found (${code})`;
    if (['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return `Asterisk at ${where} is unreachable (${code})`;
    if (code === 'ECONNRESET' || code === 'EPIPE') return `Asterisk at ${where} reset the connection`;
    if (/TLS|SSL|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS with Asterisk at ${where} failed: ${err.message}`;
    return `Connection to Asterisk at ${where} failed: ${err.message}`;
  }
}
