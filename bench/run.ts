/**
 * `npm run bench [-- name …]`: runs the named benchmarks (all by default), prints one table and
 * writes bench/results/<name>.json, the whole table with the machine it ran on to
 * bench/results/all.json, and the same in Markdown to bench/results/table.md (docs/PERFORMANCE.md).
 * A run of some benchmarks only writes `partial.json` and `partial.md` instead, so it never replaces
 * the last full run's table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { runAmiBench } from './ami.ts';
import { runDeliveryBench } from './delivery.ts';
import { runIngestBench } from './ingest.ts';
import { runInstancesBench } from './instances.ts';
import { runLookupBench } from './lookup.ts';
import { runLookupHttpBench } from './lookup-http.ts';
import { runSseBench } from './sse.ts';
import { measureHostPauses } from './support/host-pauses.ts';
import { runSyncBench } from './sync.ts';
import { markdownTable, printTable, type BenchRow } from './table.ts';

const BENCHES: Record<string, () => Promise<{ rows: BenchRow[]; details: Record<string, unknown> }>> = {
  ingest: runIngestBench,
  sse: runSseBench,
  ami: runAmiBench,
  delivery: runDeliveryBench,
  sync: runSyncBench,
  instances: runInstancesBench,
  /** The HTTP half of `lookup` alone (quick to repeat). */
  'lookup-http': runLookupHttpBench,
  lookup: async () => {
    const memory = await runLookupBench();
    const http = await runLookupHttpBench();
    return { rows: [...memory.rows, ...http.rows], details: { inProcess: memory.details, http: http.details } };
  },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const all: BenchRow[] = [];
const pausesAtStart = measureHostPauses();
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
for (const name of wanted.length ? wanted : Object.keys(BENCHES).filter((n) => n !== 'lookup-http')) {
  console.log(`running ${name} …`);
  const { rows, details } = await BENCHES[name]();
  all.push(...rows);
  const file = new URL(`./results/${name}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), node: process.version, rows, details }, null, 2) + '\n');
  console.log(JSON.stringify(details));
}
/** The machine, for reading the figures: the same code measures differently on another. */
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 10) / 10),
  /** Pauses the host took from a busy thread, before the first benchmark and after the last. */
  hostPauses: [pausesAtStart, measureHostPauses()],
};
const pauses = machine.hostPauses.map((p) => `${Math.round(p.perSecond).toLocaleString('en-US')}/s of ${Math.round(p.medianMicros)} µs (${(p.cpuShare * 100).toFixed(1)} % of a core)`).join(', then ');
const at = new Date().toISOString();
const [json, md] = wanted.length ? ['partial.json', 'partial.md'] : ['all.json', 'table.md'];
writeFileSync(new URL(`./results/${json}`, import.meta.url), JSON.stringify({ at, machine, benches: wanted.length ? wanted : 'all', rows: all }, null, 2) + '\n');
writeFileSync(
  new URL(`./results/${md}`, import.meta.url),
  `Measured ${at} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB, ${machine.os}, Node ${machine.node}; load average at the end ${machine.loadAverageAtEnd.join(' / ')}; the host paused a busy thread ${pauses}.\n\n${markdownTable(all)}`,
);
console.log('');
printTable(all);
console.log(`\nThe host paused a busy thread ${pauses} (tail latencies include these).`);
console.log(`\n(also in bench/results/${json} and bench/results/${md})`);
