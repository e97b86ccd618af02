/**
 * `npm run bench [-- name …]`: runs the named benchmarks (all by default), prints one table and
 * writes bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runAmiBench } from './ami.ts';
import { runDeliveryBench } from './delivery.ts';
import { runIngestBench } from './ingest.ts';
import { runLookupBench } from './lookup.ts';
import { runLookupHttpBench } from './lookup-http.ts';
import { runSseBench } from './sse.ts';
import { runSyncBench } from './sync.ts';
import { printTable, type BenchRow } from './table.ts';

const BENCHES: Record<string, () => Promise<{ rows: BenchRow[]; details: Record<string, unknown> }>> = {
  ingest: runIngestBench,
  sse: runSseBench,
  ami: runAmiBench,
  delivery: runDeliveryBench,
  sync: runSyncBench,
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
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
for (const name of wanted.length ? wanted : Object.keys(BENCHES).filter((n) => n !== 'lookup-http')) {
  console.log(`running ${name} …`);
  const { rows, details } = await BENCHES[name]();
  all.push(...rows);
  const file = new URL(`./results/${name}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), node: process.version, rows, details }, null, 2) + '\n');
  console.log(JSON.stringify(details));
}
console.log('');
printTable(all);
