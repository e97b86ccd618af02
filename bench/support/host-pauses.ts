/**
 * How often the machine takes the CPU away from a busy thread, and for how long: a loop reads the
 * monotonic clock for `ms` and counts the gaps over 5 µs between two reads. On a shared virtual
 * machine these pauses (the hypervisor's, not this process's) set the floor of every tail latency:
 * a lookup of 2 µs hit by a 40 µs pause reads as 42 µs. The same loop in C saw 1,300–1,900 pauses a
 * second of about 40 µs on the 2-core Firecracker VM of the PERFORMANCE.md runs, so they are not Node's.
 */
export type HostPauses = { perSecond: number; medianMicros: number; cpuShare: number };

export function measureHostPauses(ms = 1000): HostPauses {
  // performance.now() allocates nothing (hrtime.bigint() would, and its scavenges would count).
  const gaps: number[] = [];
  const end = performance.now() + ms;
  let last = performance.now();
  for (;;) {
    const now = performance.now();
    if (now - last > 0.005) gaps.push((now - last) * 1000);
    last = now;
    if (now > end) break;
  }
  gaps.sort((a, b) => a - b);
  const total = gaps.reduce((a, b) => a + b, 0);
  return { perSecond: (gaps.length * 1000) / ms, medianMicros: gaps[gaps.length >> 1] ?? 0, cpuShare: total / 1000 / ms };
}
