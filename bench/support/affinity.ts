/**
 * CPU pinning for HTTP benchmarks on a small machine: the server under test on one core, the load
 * generator on another, so neither measures the other's scheduling. Uses util-linux `taskset`; where
 * it is missing or there is only one core, nothing is pinned and the result says so.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function canPin(): boolean {
  if (os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of `pid` to `cpus` (e.g. "1" or "0-1"). */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** All cores, as before pinning (not availableParallelism(): that is what the pinned process may use). */
export function allCpus(): string {
  return `0-${os.cpus().length - 1}`;
}
