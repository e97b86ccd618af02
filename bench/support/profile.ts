/**
 * The Node flags the server runs with in production: `npm start`, the Dockerfile and
 * deploy/callbridge.service pass them, and `npm run bench` runs with them too, since the in-process
 * benchmarks (sync, lookup) measure what the server process does (test/server-flags.test.ts keeps
 * the five in step). An 8 MB
 * semi-space makes minor GCs short and frequent: at 1,000 events/s the default (up to 32 MB) gave
 * 15 pauses over 5 ms in 10 s, up to 64 ms long; 8 MB gave 0–1, the longest 5 ms, and costs less
 * GC time under high request rates than 4 MB (docs/PERFORMANCE.md).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];

/**
 * Node flags for the benchmark servers (the processes `ingest` and `sse` fork): the production flags
 * above, then
 * - `BENCH_SERVER_PROFILE=<dir>`: run with `--cpu-prof` and write the CPU profile into that
 *   directory when the server exits;
 * - `BENCH_SERVER_FLAGS="--trace-gc …"`: further flags, split on spaces.
 */
export function serverExecArgv(): string[] {
  const dir = process.env.BENCH_SERVER_PROFILE;
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  return [...new Set([...process.execArgv, ...SERVER_NODE_FLAGS]), ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...flags];
}
