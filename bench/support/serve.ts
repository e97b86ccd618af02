/**
 * A Callbridge server in its own process for benchmarks: the load generator must not share its core.
 * Reports `{ url, key }` to the parent over IPC once listening. On `'probe-start'` / `'probe-stop'` it
 * measures its own event-loop delay and garbage-collection pauses over that window and answers
 * `{ probe: { loopDelayMs: { p50, p99, max }, gcPauses, gcPausesOver5Ms, longestGcMs } }`.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/config.ts';
import { startServer } from '../../src/server.ts';

const dataDir = process.argv[2];
let key = '';
const server = await startServer(loadConfig({ port: 0, dataDir, logLevel: 'warn', databaseUrl: process.argv[3] }), (line) => {
  const m = /^\s+(cb_\S+)$/.exec(line);
  if (m) key = m[1];
});

const loop = monitorEventLoopDelay({ resolution: 1 });
const pauses: number[] = [];
const gc = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push(entry.duration);
});
process.on('message', (message) => {
  if (message === 'probe-start') {
    pauses.length = 0;
    loop.reset();
    loop.enable();
    gc.observe({ entryTypes: ['gc'] });
  } else if (message === 'probe-stop') {
    loop.disable();
    gc.disconnect();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    process.send!({
      probe: {
        loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
        gcPauses: pauses.length,
        gcPausesOver5Ms: pauses.filter((d) => d > 5).length,
        longestGcMs: Math.round(Math.max(0, ...pauses) * 10) / 10,
      },
    });
  }
});
process.send!({ url: server.url, key });
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
