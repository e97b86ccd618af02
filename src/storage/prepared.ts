/**
 * Compile once, run many times. Kysely builds and compiles a query on every call (~10 µs each); on
 * the ingest hot path that is a large share of the work. `prepare` runs the builder once with marker
 * values, remembers which compiled parameter is which input, and afterwards only swaps the values in.
 *
 * Use it only for queries whose SQL does not depend on the values (no IN lists, no optional clauses):
 * every input must reach the compiled query as a parameter, which `prepare` checks.
 *
 * With `direct` (the dialect's `runInTransaction`), a query run in a transaction skips Kysely's
 * executor and runs at once on the transaction's connection; outside a transaction it goes the
 * usual way.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult, Transaction } from 'kysely';
import type { DirectExecutor } from './dialect.ts';
import type { Database } from './schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type Prepared<P, R> = (db: Executor, params: P) => Promise<QueryResult<R>>;

export function prepare<P extends Record<string, unknown>, R>(
  db: Kysely<Database>,
  keys: ReadonlyArray<keyof P & string>,
  build: (db: Kysely<Database>, params: P) => Compilable<R>,
  direct?: DirectExecutor,
): Prepared<P, R> {
  const markers = Object.fromEntries(keys.map((k) => [k, `\u0000prepared:${k}\u0000`])) as unknown as P;
  const compiled = build(db, markers).compile();
  const byMarker = new Map(keys.map((k) => [`\u0000prepared:${k}\u0000`, k]));
  const slots = compiled.parameters.map((p) => (typeof p === 'string' && byMarker.has(p) ? byMarker.get(p)! : null));
  const constants = compiled.parameters;
  for (const k of keys) {
    if (!slots.includes(k)) throw new Error(`prepared query does not use parameter ${k}: ${compiled.sql}`);
  }
  return (executor, params) => {
    const parameters = slots.map((key, i) => (key === null ? constants[i] : (params[key] ?? null)));
    const query: CompiledQuery<R> = { ...compiled, parameters };
    if (direct && executor.isTransaction) {
      try {
        return Promise.resolve(direct(query) as QueryResult<R>);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return executor.executeQuery(query);
  };
}
