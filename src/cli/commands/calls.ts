import type { Call } from '../../core/calls/call.ts';
import type { PhoneNumber } from '../../core/phone-numbers/phone-number.ts';
import { defineCommand, UsageError, type CommandGroup } from '../command.ts';
import { followEventStream, StreamRefusedError, type SseMessage } from '../sse-client.ts';
import { watchSignals } from '../signals.ts';
import { printable } from '../table.ts';

const tail = defineCommand({
  name: 'calls tail',
  summary: 'Follow calls live: one line each time a call rings, is answered, transferred or ends',
  description:
    'Reads the live call stream of a running server. After a dropped connection it reconnects and\n' +
    'catches up on what it missed. Needs a key with role agent or admin. Ctrl-C stops.',
  flags: {
    url: { type: 'string', value: '<url>', description: 'The Callbridge server (env CALLBRIDGE_URL, default http://127.0.0.1:8080)' },
    key: {
      type: 'string',
      value: '<key>',
      description: 'API key (env CALLBRIDGE_API_KEY; prefer it: other users can see flags in ps)',
    },
    extension: { type: 'string', value: '<ext>', description: 'Only calls that rang, reached or were transferred by this extension' },
    json: { type: 'boolean', description: 'Print each change as one line of JSON: {"id", "event", "call"}' },
  },
  examples: ['CALLBRIDGE_API_KEY=cb_… callbridge calls tail --url https://callbridge.example.com --extension 201'],
  async run({ flags }, io) {
    const key = flags.key ?? process.env.CALLBRIDGE_API_KEY;
    if (!key) throw new UsageError('an API key is needed: set CALLBRIDGE_API_KEY or pass --key', 'calls tail');
    const base = flags.url ?? process.env.CALLBRIDGE_URL ?? 'http://127.0.0.1:8080';
    let url: URL;
    try {
      // Relative, so that a server behind a path prefix (https://host/callbridge/) works too.
      url = new URL('api/v1/calls/stream', base.endsWith('/') ? base : `${base}/`);
    } catch {
      throw new UsageError(`--url must be an http:// or https:// URL, not "${base}"`, 'calls tail');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--url must be an http:// or https:// URL, not "${base}"`, 'calls tail');
    }
    if (flags.extension) url.searchParams.set('extension', flags.extension);

    const stop = new AbortController();
    const signals = watchSignals();
    void signals.received.then(() => stop.abort());
    let connectedBefore = false;
    try {
      await followEventStream({
        url,
        headers: { authorization: `Bearer ${key}` },
        signal: stop.signal,
        onConnect: () => {
          io.err(connectedBefore ? 'callbridge: reconnected' : `callbridge: following calls at ${url.origin} (Ctrl-C to stop)`);
          connectedBefore = true;
        },
        onDisconnect: (reason, ms) => io.err(`callbridge: connection lost (${reason}); reconnecting in ${(ms / 1000).toFixed(1)}s`),
        onMessage: (message) => io.out(flags.json ? jsonLine(message) : formatChange(message)),
      });
    } catch (err) {
      if (err instanceof StreamRefusedError) throw new Error(refusal(err, url), { cause: err });
      throw err;
    } finally {
      signals.stop();
    }
    return 0;
  },
});

function refusal(err: StreamRefusedError, url: URL): string {
  let detail = '';
  try {
    const problem = JSON.parse(err.body) as { detail?: unknown; title?: unknown };
    const text = problem.detail ?? problem.title;
    if (typeof text === 'string') detail = `: ${printable(text)}`;
  } catch {
    // Not problem+json; the status says enough.
  }
  if (err.status === 401) return `the server did not accept the API key (401${detail}); check --key or CALLBRIDGE_API_KEY`;
  if (err.status === 403) return `the API key may not read calls (403${detail}); use a key with role agent or admin`;
  if (err.status === 404) return `there is no call stream at ${url.origin}${url.pathname} (404); is --url the Callbridge server?`;
  return `the server refused the call stream: ${err.message}${detail}`;
}

function parseCall(message: SseMessage): Partial<Call> | undefined {
  try {
    const value: unknown = JSON.parse(message.data);
    return value && typeof value === 'object' ? (value as Partial<Call>) : undefined;
  } catch {
    return undefined;
  }
}

function jsonLine(message: SseMessage): string {
  return JSON.stringify({ id: message.id, event: message.event, call: parseCall(message) ?? message.data });
}

/**
 * `14:03:20  call.answered     inbound   +4930123456 (ACME) → +4930555100   ext 201   answered  ring 8s`
 * Times are the server's event times in the local time zone.
 */
export function formatChange(message: SseMessage): string {
  const call = parseCall(message);
  if (!call || !message.event.startsWith('call.')) return printable(`${clock(new Date())}  ${message.event}  ${message.data}`);
  const when = new Date(call.lastEventAt ?? call.updatedAt ?? Date.now());
  const from = party(call.from) + (call.caller?.name ? ` (${call.caller.name})` : '');
  const parts = [
    clock(Number.isNaN(when.getTime()) ? new Date() : when),
    message.event.padEnd(16),
    (call.direction ?? '?').padEnd(8),
    `${from} → ${party(call.to)}`.padEnd(36),
    // While it rings, no extension holds the call yet: show the ones ringing.
    `ext ${call.extension ?? (call.extensionsRang?.length ? call.extensionsRang.join(',') : '-')}`.padEnd(9),
    (call.state === 'ended' ? `${call.outcome ?? 'ended'}${call.hangupCause && call.hangupCause !== 'normal' ? ` (${call.hangupCause})` : ''}` : (call.state ?? '?')).padEnd(9),
  ];
  if (call.queue) parts.push(`queue ${call.queue}`);
  if (call.ringSeconds != null) parts.push(`ring ${duration(call.ringSeconds)}`);
  if (call.talkSeconds != null) parts.push(`talk ${duration(call.talkSeconds)}`);
  const transfer = call.transfers?.at(-1);
  if (message.event === 'call.transferred' && transfer) parts.push(`transfer ${transfer.from ?? '?'} → ${transfer.to} (${transfer.type})`);
  return printable(parts.join('  ').trimEnd());
}

function party(number: PhoneNumber | undefined): string {
  if (!number) return '?';
  if (number.withheld) return 'withheld';
  return number.e164 ?? (number.raw || '?');
}

function clock(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export const calls: CommandGroup = { name: 'calls', summary: 'Watch calls', commands: [tail] };
