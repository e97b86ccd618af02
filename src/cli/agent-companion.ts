/**
 * The desktop companion's work: follows the agent stream of a Callbridge server and carries out each
 * `action.open` on this computer — a URL in the default browser, or an application with its
 * arguments. Reconnects after a network loss (followEventStream).
 *
 * Two rules keep it from becoming a remote shell:
 * - nothing goes through a shell: programs are started with `spawn(command, args, { shell: false })`,
 *   so a caller's "number" like `"; rm -rf /` arrives as one literal argument;
 * - the program is never taken from the message: the companion looks the action up in the server's
 *   action list (`GET /api/v1/actions`, which only admins can fill with applications) and starts the
 *   command configured there. Only the substituted arguments come from the message.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { ActionOpen } from '../core/actions/action.ts';
import { followEventStream, type SseMessage } from './sse-client.ts';

export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => Pick<ChildProcess, 'unref' | 'on'>;

export type CompanionOptions = {
  /** The server's base URL (`https://callbridge.example.com/`). */
  server: URL;
  key: string;
  /** Admin keys name the extension; agent keys follow their own. */
  extension?: string;
  signal: AbortSignal;
  spawn: Spawner;
  platform?: NodeJS.Platform;
  log(line: string): void;
  retryMs?: number;
  maxRetryMs?: number;
};

/** How the platform opens a URL in the default browser, without a shell. */
export function browserCommand(url: string, platform: NodeJS.Platform): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  // Not `cmd /c start`: cmd would read & and ^ in the URL as its own syntax.
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/** Follows the stream until `signal` aborts; rejects with StreamRefusedError when the server refuses. */
export async function runCompanion(options: CompanionOptions): Promise<void> {
  const streamUrl = new URL('api/v1/agent/stream', options.server);
  if (options.extension) streamUrl.searchParams.set('extension', options.extension);
  const headers = { authorization: `Bearer ${options.key}` };
  let connectedBefore = false;
  await followEventStream({
    url: streamUrl,
    headers,
    signal: options.signal,
    retryMs: options.retryMs,
    maxRetryMs: options.maxRetryMs,
    onConnect: () => {
      options.log(connectedBefore ? 'reconnected' : `following actions at ${streamUrl.origin} (Ctrl-C to stop)`);
      connectedBefore = true;
    },
    onDisconnect: (reason, ms) => options.log(`connection lost (${reason}); reconnecting in ${(ms / 1000).toFixed(1)}s`),
    onMessage: (message) => {
      void carryOut(message, options).catch((err) => options.log(`action not started: ${err instanceof Error ? err.message : String(err)}`));
    },
  });
}

async function carryOut(message: SseMessage, options: CompanionOptions): Promise<void> {
  if (message.event !== 'action.open') return;
  const open = JSON.parse(message.data) as ActionOpen;
  const platform = options.platform ?? process.platform;
  if (open.kind === 'url') {
    const url = new URL(open.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`refusing to open a ${url.protocol} URL`);
    const [command, args] = browserCommand(url.href, platform);
    launch(options, command, args);
    options.log(`opened action ${open.actionId} in the browser`);
    return;
  }
  const command = await configuredCommand(options, open.actionId);
  if (!Array.isArray(open.args) || open.args.some((a) => typeof a !== 'string')) throw new Error('the arguments are not a list of strings');
  launch(options, command, open.args);
  options.log(`started action ${open.actionId}`);
}

/** The program the admin configured for the action, read from the server's action list. */
async function configuredCommand(options: CompanionOptions, actionId: string): Promise<string> {
  const url = new URL(`api/v1/actions/${encodeURIComponent(actionId)}`, options.server);
  const res = await fetch(url, { headers: { authorization: `Bearer ${options.key}` }, signal: options.signal });
  if (!res.ok) throw new Error(`the server does not know action ${actionId} (HTTP ${res.status})`);
  const action = (await res.json()) as { enabled?: boolean; target?: { type?: string; command?: unknown } };
  if (action.enabled !== true || action.target?.type !== 'application' || typeof action.target.command !== 'string' || !action.target.command) {
    throw new Error(`action ${actionId} is not an enabled application action`);
  }
  return action.target.command;
}

function launch(options: CompanionOptions, command: string, args: readonly string[]): void {
  const child = options.spawn(command, args, { shell: false, detached: true, stdio: 'ignore', windowsHide: false });
  child.on('error', (err: Error) => options.log(`could not start ${command}: ${err.message}`));
  child.unref();
}
