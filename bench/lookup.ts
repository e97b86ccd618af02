/**
 * Caller lookup: latency (p50/p99 per lookup) and resident memory of the in-memory PhonebookIndex
 * holding 1,000,000 synthetic German contacts, beside a naive SQLite reference holding the same
 * numbers (one row per number, WAL, in a temp dir) queried with `e164 LIKE '%' || <last 8 digits>`.
 *
 * The contacts come from a seeded generator, so the index and the SQLite table hold the same data
 * without keeping 1M objects alive: 5 % companies with a switchboard (`+49 89 445566-0`), a third of
 * the persons working at one of them (direct-dial numbers behind the switchboard, some sharing a line),
 * the rest private people with a landline and/or a mobile; 1 % personal contacts of 200 users.
 * Numbers are generated in E.164 with a raw form in one of the usual written styles (normalizing
 * 1.5M strings with libphonenumber would time the generator, not the index).
 *
 * Lookups: 60 % numbers in the phonebook, 20 % unknown extensions of a switchboard (DDI fallback),
 * 20 % numbers that are not there; half of them on behalf of a user (personal contacts consulted).
 * Run with `--expose-gc` for a clean memory figure (otherwise RSS is read without forcing a GC).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Contact } from '../src/core/contacts/contact.ts';
import { PhonebookIndex } from '../src/core/contacts/phonebook-index.ts';
import { measureHostPauses } from './support/host-pauses.ts';
import type { BenchRow } from './table.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const LOOKUPS = 200_000;
const SQL_QUERIES = 2_000;
/** The SQLite reference stops early past this budget (each query scans the whole table). */
const SQL_BUDGET_MS = Number(process.env.BENCH_SQL_BUDGET_MS ?? 30_000);

const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Emma', 'Felix', 'Greta', 'Hannes', 'Ida', 'Jonas', 'Karin', 'Lukas', 'Marie', 'Noah', 'Olga', 'Paul', 'Rita', 'Stefan', 'Tanja', 'Uwe', 'Vera', 'Wolfgang', 'Yvonne', 'Jürgen', 'Sören', 'Ömer'];
const LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Krause', 'Meier', 'Lehmann'];
const FORMS = ['Gesellschaft mbH', 'GmbH', 'AG', 'KG', 'GmbH & Co. KG', 'e.K.', 'UG'];
/** Area code → subscriber-number length (German numbers are 10–11 digits after the 0). */
const AREAS: Array<[string, number]> = [['30', 8], ['40', 8], ['89', 8], ['69', 8], ['221', 7], ['211', 7], ['711', 7], ['351', 7], ['511', 7], ['911', 7], ['6221', 6], ['7071', 6], ['2241', 6], ['33203', 5], ['38206', 5]];
const MOBILE = ['151', '152', '157', '159', '160', '162', '163', '170', '171', '172', '173', '174', '175', '176', '177', '178', '179'];

type Rng = (n: number) => number;
function rng(seed: number): Rng {
  let s = seed >>> 0;
  return (n) => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

/** Strings read from a database are flat; template results are ropes. Store what production stores. */
const flat = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
const digits = (r: Rng, n: number) => String(10 ** (n - 1) + r(9 * 10 ** (n - 1)));

function written(r: Rng, area: string, subscriber: string, suffix = ''): string {
  switch (r(4)) {
    case 0: return `+49 ${area} ${subscriber}${suffix}`;
    case 1: return `0${area} ${subscriber}${suffix}`;
    case 2: return `0${area}/${subscriber}${suffix}`;
    default: return `+49 (0)${area} ${subscriber}${suffix}`;
  }
}

type Company = { name: string; area: string; stem: string };

/** Calls `each` with every synthetic contact in order; the same seed gives the same contacts. */
function generate(count: number, each: (c: Contact) => void, sample: (e164: string) => void, switchboards: (base: string) => void): void {
  const r = rng(20261121);
  const companies: Company[] = [];
  const base = Date.parse('2024-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const id = flat(`0190${(i >>> 0).toString(16).padStart(8, '0')}-7c3a-7000-8000-${(i * 2654435761 >>> 0).toString(16).padStart(12, '0')}`);
    const updatedAt = new Date(base + r(700 * 86_400) * 1000).toISOString();
    const origin = r(10) < 7 ? 'synced' : 'manual';
    const ownerUserId = r(100) === 0 ? `user-${r(200)}` : null;
    const numbers: Contact['numbers'] = [];
    let kind: Contact['kind'] = 'person';
    let name: string;
    let company: string | null = null;
    if (i % 20 === 0 || companies.length === 0) {
      const [area, len] = AREAS[r(AREAS.length)];
      const stem = digits(r, len - 2);
      const co = { name: flat(`${LAST[r(LAST.length)]} ${LAST[r(LAST.length)]} ${FORMS[r(FORMS.length)]} ${i}`), area, stem };
      companies.push(co);
      kind = 'company';
      name = co.name;
      company = co.name;
      numbers.push({ raw: flat(written(r, area, stem, '-0')), e164: `+49${area}${stem}0`, type: 'business', switchboard: true });
      switchboards(`+49${area}${stem}`);
    } else {
      name = flat(`${FIRST[r(FIRST.length)]} ${LAST[r(LAST.length)]}`);
      if (r(3) === 0) {
        const co = companies[r(companies.length)];
        company = co.name;
        // Colleagues sharing a line: a small extension range makes some numbers repeat.
        const ext = String(10 + r(r(10) === 0 ? 20 : 980));
        numbers.push({ raw: flat(written(r, co.area, co.stem, `-${ext}`)), e164: `+49${co.area}${co.stem}${ext}`, type: 'business', switchboard: false });
      } else if (r(4) !== 0) {
        const [area, len] = AREAS[r(AREAS.length)];
        const subscriber = digits(r, len);
        numbers.push({ raw: flat(written(r, area, subscriber)), e164: `+49${area}${subscriber}`, type: 'home', switchboard: false });
      }
      if (numbers.length === 0 || r(2) === 0) {
        const prefix = MOBILE[r(MOBILE.length)];
        const subscriber = digits(r, r(2) === 0 ? 7 : 8);
        numbers.push({ raw: flat(`+49 ${prefix} ${subscriber}`), e164: `+49${prefix}${subscriber}`, type: 'mobile', switchboard: false });
      }
    }
    for (const n of numbers) if (r(8) === 0) sample(n.e164!);
    each({ id, tenantId: 'bench', ownerUserId, kind, name, company, numbers, emails: [], notes: null, origin, sourceId: null, sourceRecordId: null, forwardingTarget: false, createdAt: updatedAt, updatedAt });
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

export async function runLookupBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const hits: string[] = [];
  const bases: string[] = [];
  // Reserve the samples' arrays before the baseline so they do not count as the index's memory.
  hits.length = 0;
  const before = memory();
  let index: PhonebookIndex | undefined = new PhonebookIndex();
  const idx = index;
  let numberCount = 0;
  const buildStarted = process.hrtime.bigint();
  generate(CONTACTS, (c) => {
    numberCount += c.numbers.length;
    idx.upsert(c);
  }, (e) => hits.length < 150_000 && hits.push(e), (b) => bases.length < 50_000 && bases.push(b));
  const buildMs = Number(process.hrtime.bigint() - buildStarted) / 1e6;
  const after = memory();
  const rssMb = (after.rss - before.rss) / 2 ** 20;

  const r = rng(42);
  const queries: Array<[string, string | null]> = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const kind = r(10);
    let e164: string;
    if (kind < 6) e164 = hits[r(hits.length)];
    else if (kind < 8) e164 = bases[r(bases.length)] + String(1000 + r(9000)).slice(0, 1 + r(4));
    else e164 = `+49${AREAS[r(AREAS.length)][0]}${digits(r, 7)}`;
    queries.push([e164, r(2) === 0 ? `user-${r(200)}` : null]);
  }
  for (let i = 0; i < 20_000; i++) idx.lookup(queries[i][0], { ownerUserId: queries[i][1] });
  const hostPauses = measureHostPauses();
  const times = new Float64Array(LOOKUPS);
  const byType = { exact: 0, company: 0, suffix: 0, none: 0 };
  const kinds: Array<keyof typeof byType> = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const [e164, ownerUserId] = queries[i];
    const t0 = process.hrtime.bigint();
    const result = idx.lookup(e164, { ownerUserId });
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
    kinds.push(result.match?.matchType ?? 'none');
  }
  for (const kind of kinds) byType[kind]++;
  // p99 per kind of answer: a tail that only answers with a match show points at what building a match costs.
  const p99ByAnswer = Object.fromEntries(
    (['exact', 'company', 'none'] as const).map((kind) => [kind, percentile(Float64Array.from(times.filter((_, i) => kinds[i] === kind)).sort(), 0.99)]),
  );
  times.sort();
  const p50 = percentile(times, 0.5);
  const p99 = percentile(times, 0.99);
  const indexSize = idx.size;
  index = undefined;

  const sql = sqliteReference(queries);
  const rows: BenchRow[] = [
    { figure: 'lookup p99 in process', value: p99, unit: 'µs', reference: 'SQLite LIKE p99', referenceValue: sql.p99, ratio: p99 / sql.p99, target: '≤ 20 µs', met: p99 <= 20 },
    { figure: 'lookup p50 in process', value: p50, unit: 'µs', reference: 'SQLite LIKE p50', referenceValue: sql.p50, ratio: p50 / sql.p50, target: '' },
    { figure: 'memory for 1M contacts (RSS delta)', value: rssMb, unit: 'MB', reference: 'SQLite file size, same numbers', referenceValue: sql.fileMb, ratio: rssMb / sql.fileMb, target: '≤ 400 MB', met: rssMb <= 400 },
  ];
  return {
    rows,
    details: {
      contacts: indexSize,
      numbers: numberCount,
      buildSeconds: buildMs / 1000,
      gcExposed,
      memoryMb: {
        rss: rssMb,
        heapUsed: (after.heapUsed - before.heapUsed) / 2 ** 20,
        heapTotal: (after.heapTotal - before.heapTotal) / 2 ** 20,
        arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / 2 ** 20,
        v8Spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { sizeMb: s.space_size / 2 ** 20, usedMb: s.space_used_size / 2 ** 20 }])),
      },
      lookups: LOOKUPS,
      hostPausesBeforeTiming: hostPauses,
      lookupMicros: { p50, p90: percentile(times, 0.9), p99, p999: percentile(times, 0.999), max: times[times.length - 1], p99ByAnswer },
      answers: byType,
      sqlite: { rows: sql.rows, queries: sql.queries, p50Micros: sql.p50, p99Micros: sql.p99, fileMb: sql.fileMb, query: "select … where e164 like '%' || ? (last 8 digits), no usable index" },
    },
  };
}

function sqliteReference(queries: Array<[string, string | null]>) {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-bench-lookup-'));
  try {
    const file = join(dir, 'lookup.db');
    const db = new DatabaseSync(file);
    db.exec('pragma journal_mode = wal; pragma synchronous = normal;');
    db.exec('create table contact_numbers (contact_id text not null, name text not null, company text, owner_user_id text, e164 text not null, raw text not null)');
    const insert = db.prepare('insert into contact_numbers values (?, ?, ?, ?, ?, ?)');
    let rows = 0;
    db.exec('begin');
    generate(CONTACTS, (c) => {
      for (const n of c.numbers) {
        insert.run(c.id, c.name, c.company, c.ownerUserId, n.e164, n.raw);
        if (++rows % 50_000 === 0) db.exec('commit; begin');
      }
    }, () => {}, () => {});
    db.exec('commit');
    db.exec('pragma wal_checkpoint(truncate)');
    const select = db.prepare("select contact_id, name, company, raw from contact_numbers where e164 like '%' || ? and (owner_user_id is null or owner_user_id = ?)");
    const times: number[] = [];
    const started = Date.now();
    for (let i = 0; i < SQL_QUERIES && Date.now() - started < SQL_BUDGET_MS; i++) {
      const [e164, owner] = queries[i];
      const t0 = process.hrtime.bigint();
      select.all(e164.slice(-8), owner);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    db.close();
    const sorted = Float64Array.from(times).sort();
    return { rows, queries: times.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), fileMb: statSync(file).size / 2 ** 20 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
