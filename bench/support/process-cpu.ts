/**
 * CPU time used so far by every thread of a process, from Linux's per-thread scheduler statistics
 * (`/proc/<pid>/task/<tid>/schedstat`, nanoseconds on a CPU). A server's requests per CPU-second is
 * its capacity on one core even when the load generator cannot keep that core busy. Null where
 * /proc has no such file (not Linux).
 */
import { readdirSync, readFileSync } from 'node:fs';

export function processCpuSeconds(pid: number): number | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let nanos = 0;
  for (const tid of tids) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended after the listing: its time is gone from the process's sum either way.
    }
  }
  return nanos / 1e9;
}
