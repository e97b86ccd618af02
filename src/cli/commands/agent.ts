import { spawn } from 'node:child_process';
import { runCompanion } from '../agent-companion.ts';
import { defineCommand, UsageError } from '../command.ts';
import { watchSignals } from '../signals.ts';
import { StreamRefusedError } from '../sse-client.ts';

/** `callbridge agent`: the desktop companion (src/cli/agent-companion.ts). */
export const agent = defineCommand({
  name: 'agent',
  summary: "Desktop companion: open the agent's action URLs in the browser and start configured applications",
  description:
    "Follows the agent stream of a running server and carries out the client-side actions of the key's\n" +
    'extension: URLs open in the default browser; applications an admin configured start with the\n' +
    'call\'s values as arguments (never through a shell). Reconnects after network loss. Ctrl-C stops.',
  flags: {
    server: { type: 'string', value: '<url>', description: 'The Callbridge server (env CALLBRIDGE_URL, default http://127.0.0.1:8080)' },
    key: { type: 'string', value: '<key>', description: 'Agent key bound to an extension (env CALLBRIDGE_API_KEY; prefer it: flags show in ps)' },
    extension: { type: 'string', value: '<ext>', description: 'With an admin key: the extension to follow' },
  },
  examples: ['CALLBRIDGE_API_KEY=cb_… callbridge agent --server https://callbridge.example.com'],
  async run({ flags }, io) {
    const key = flags.key ?? process.env.CALLBRIDGE_API_KEY;
    if (!key) throw new UsageError('an API key is needed: set CALLBRIDGE_API_KEY or pass --key', 'agent');
    const base = flags.server ?? process.env.CALLBRIDGE_URL ?? 'http://127.0.0.1:8080';
    let server: URL;
    try {
      server = new URL(base.endsWith('/') ? base : `${base}/`);
    } catch {
      throw new UsageError(`--server must be an http:// or https:// URL, not "${base}"`, 'agent');
    }
    if (server.protocol !== 'http:' && server.protocol !== 'https:') throw new UsageError(`--server must be an http:// or https:// URL, not "${base}"`, 'agent');
    const stop = new AbortController();
    const signals = watchSignals();
    void signals.received.then(() => stop.abort());
    try {
      await runCompanion({ server, key, extension: flags.extension, signal: stop.signal, spawn, log: (line) => io.err(`callbridge agent: ${line}`) });
    } catch (err) {
      if (err instanceof StreamRefusedError) {
        const why = err.status === 401 ? 'the server did not accept the key' : err.status === 403 ? 'the key may not follow this extension' : err.status === 400 ? 'use an agent key bound to an extension, or --extension with an admin key' : err.message;
        throw new Error(`${why} (HTTP ${err.status})`, { cause: err });
      }
      throw err;
    } finally {
      signals.stop();
    }
    return 0;
  },
});
