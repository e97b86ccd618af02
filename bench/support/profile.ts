/**
 * Node flags for the benchmark servers (the processes `ingest` and `sse` fork):
 * - `BENCH_SERVER_PROFILE=<dir>`: run with `--cpu-prof` and write the CPU profile into that
 *   directory when the server exits;
 * - `BENCH_SERVER_FLAGS="--trace-gc …"`: further flags, split on spaces.
 */
export function serverExecArgv(): string[] {
  const dir = process.env.BENCH_SERVER_PROFILE;
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  return [...process.execArgv, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...flags];
}
