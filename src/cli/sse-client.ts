/**
 * A Server-Sent Events client over fetch: the parser follows the WHATWG "event stream interpretation"
 * rules (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
 * and `followEventStream` reconnects after a drop, sending Last-Event-ID so the server resumes where
 * the stream broke off.
 */

export type SseMessage = {
  /** The last event id seen on the stream, including this message's own `id:` line ('' when none). */
  id: string;
  /** `message` when the server named none. */
  event: string;
  data: string;
};

export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  /** Set by `id:` lines; becomes the last event id only when its message is complete. */
  #idBuffer: string;
  #lastEventId: string;
  #skipLf = false;
  #atStart = true;
  /** Reconnection delay the server asked for with `retry:`, in milliseconds. */
  retryMs: number | undefined;

  constructor(lastEventId = '') {
    this.#lastEventId = lastEventId;
    this.#idBuffer = lastEventId;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Feeds decoded text; returns the messages it completed. */
  feed(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.#atStart && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#atStart = false;
    }
    // A CR ended the previous chunk: if this one starts with LF, the two were one line break.
    if (this.#skipLf && text.startsWith('\n')) text = text.slice(1);
    if (text.length) this.#skipLf = false;
    text = this.#buffer + text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '\r' && c !== '\n') continue;
      this.#line(text.slice(start, i), messages);
      if (c === '\r') {
        if (i + 1 === text.length) this.#skipLf = true;
        else if (text[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.#buffer = text.slice(start);
    return messages;
  }

  /** Forgets a half-received message (the connection broke), including its id. */
  reset(): void {
    this.#idBuffer = this.#lastEventId;
    this.#buffer = '';
    this.#data = [];
    this.#event = '';
    this.#skipLf = false;
    this.#atStart = true;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line === '') {
      this.#lastEventId = this.#idBuffer;
      if (this.#data.length) out.push({ id: this.#lastEventId, event: this.#event || 'message', data: this.#data.join('\n') });
      this.#data = [];
      this.#event = '';
      return;
    }
    if (line.startsWith(':')) return; // a comment: servers send these as heartbeats
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#idBuffer = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}

/** The server answered in a way retrying will not fix (a 4xx other than 408 and 429, or not SSE). */
export class StreamRefusedError extends Error {
  readonly status: number;
  /** The start of the response body (a problem+json document, usually). */
  readonly body: string;

  constructor(message: string, status: number, body: string) {
    super(message);
    this.name = 'StreamRefusedError';
    this.status = status;
    this.body = body;
  }
}

export type FollowOptions = {
  url: URL;
  headers?: Record<string, string>;
  /** Resume after this id (sent as Last-Event-ID on the first connection too). */
  lastEventId?: string;
  /** Aborting ends the stream; `followEventStream` then resolves. */
  signal: AbortSignal;
  onMessage(message: SseMessage): void;
  onConnect?(): void;
  onDisconnect?(reason: string, retryInMs: number): void;
  /** First delay before reconnecting, unless the server sent `retry:`. Doubles per failed attempt. */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * Reconnect when nothing (not even a heartbeat comment) arrives for this long: a connection that a
   * NAT or proxy dropped silently looks open forever otherwise.
   */
  idleTimeoutMs?: number;
};

/** Follows the stream until `signal` aborts. Rejects with StreamRefusedError when retrying is pointless. */
export async function followEventStream(options: FollowOptions): Promise<void> {
  const { signal } = options;
  const parser = new SseParser(options.lastEventId);
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  let failures = 0;

  while (!signal.aborted) {
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    signal.addEventListener('abort', abortAttempt, { once: true });
    let idle = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idle = true;
        attempt.abort();
      }, idleTimeoutMs);
    };
    let reason: string;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache', ...options.headers };
      if (parser.lastEventId) headers['last-event-id'] = parser.lastEventId;
      armIdleTimer();
      const response = await fetch(options.url, { headers, signal: attempt.signal });
      if (!response.ok) {
        const body = (await response.text().catch(() => '')).slice(0, 2000);
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          throw new StreamRefusedError(`HTTP ${response.status} ${response.statusText}`.trim(), response.status, body);
        }
        reason = `HTTP ${response.status}`;
      } else if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || !response.body) {
        await response.body?.cancel();
        throw new StreamRefusedError(`expected an event stream, got ${response.headers.get('content-type') ?? 'no content type'}`, response.status, '');
      } else {
        parser.reset();
        failures = 0;
        options.onConnect?.();
        const decoder = new TextDecoder();
        for await (const chunk of response.body) {
          armIdleTimer();
          for (const message of parser.feed(decoder.decode(chunk, { stream: true }))) options.onMessage(message);
        }
        reason = 'the server closed the stream';
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof StreamRefusedError) throw err;
      if (idle) reason = `nothing received for ${idleTimeoutMs / 1000}s`;
      else if (err instanceof Error && err.message === 'fetch failed' && err.cause instanceof Error) {
        reason = (err.cause as { code?: string }).code ?? err.cause.message;
      } else if (err instanceof TypeError && err.message === 'terminated') {
        reason = 'the connection broke'; // undici's word for a body cut off mid-stream
      } else reason = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(idleTimer);
      signal.removeEventListener('abort', abortAttempt);
    }
    if (signal.aborted) return;
    const delay = Math.min(maxRetryMs, (parser.retryMs ?? options.retryMs ?? 1000) * 2 ** failures);
    failures++;
    options.onDisconnect?.(reason, delay);
    await sleep(delay, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
