/**
 * The Node flags the server runs with in production: `npm start`, the Dockerfile and
 * deploy/callbridge.service pass them, and `npm run bench` runs with them too, since the in-process
 * benchmarks (sync, lookup) measure what the server process does (test/server-flags.test.ts keeps
 * the five in step).
 * - `--max-semi-space-size=8`: minor GCs short and frequent. At 1,000 events/s the default (up to
 *   32 MB) gave 15 pauses over 5 ms in 10 s, up to 64 ms long; 8 MB gave 0–1, the longest 5 ms, and
 *   costs less GC time under high request rates than 4 MB.
 * - `--no-allocation-site-pretenuring`: V8 otherwise decides, from a moment when many objects of one
 *   allocation site survived (start-up, a burst), to allocate that site's objects in the old
 *   generation from then on. For Node's per-request objects (the `process.nextTick` entries, the
 *   request and response) that decision sticks: every young object they point to then survives the
 *   minor GCs too, 1.7 MB each time, and each minor GC took 2.5–5 ms instead of 0.5 ms. HTTP lookups
 *   went from 63 % to 85–91 % of the bare route with the flag (docs/PERFORMANCE.md).
 * - `--v8-pool-size=1`: V8's background work (concurrent marking, compiling) on one thread instead of
 *   Node's default four. On a server with one or two cores, four of them take the core from the
 *   thread that serves requests while they mark: the SSE benchmark (server pinned to one core) gave
 *   screen pop p99 a median of 12.9 ms over twelve runs with one thread against about 50 ms with
 *   four, while a bare route under the same load answered within 2–6 ms.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8', '--no-allocation-site-pretenuring', '--v8-pool-size=1'];

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
