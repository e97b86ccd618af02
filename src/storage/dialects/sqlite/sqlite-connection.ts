import { CompiledQuery, SelectQueryNode, type DatabaseConnection, type QueryResult } from 'kysely';
import type { SqliteDatabase, SqliteStatement, SqliteValue } from './sqlite-database.ts';

/**
 * One DatabaseSync behind Kysely's async connection. Prepared statements are cached by SQL text:
 * preparing costs more than running a point query.
 */
export class SqliteConnection implements DatabaseConnection {
  #db: SqliteDatabase;
  #statements = new Map<string, { stmt: SqliteStatement; reader: boolean }>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  #prepare(sql: string): { stmt: SqliteStatement; reader: boolean } {
    let entry = this.#statements.get(sql);
    if (!entry) {
      const stmt = this.#db.prepare(sql);
      entry = { stmt, reader: stmt.columns().length > 0 };
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, entry);
    }
    return entry;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.executeSync<R>(compiled));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  executeSync<R>(compiled: CompiledQuery): QueryResult<R> {
    const { stmt, reader } = this.#prepare(compiled.sql);
    const params = compiled.parameters.map(toSqlite);
    if (reader) return { rows: stmt.all(...params) as R[] };
    const { changes, lastInsertRowid } = stmt.run(...params);
    return {
      rows: [],
      numAffectedRows: BigInt(changes),
      insertId: lastInsertRowid != null ? BigInt(lastInsertRowid) : undefined,
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error('SQLite streams only SELECT queries');
    const { stmt } = this.#prepare(compiled.sql);
    for (const row of stmt.iterate(...compiled.parameters.map(toSqlite))) yield { rows: [row as R] };
  }
}

function toSqlite(value: unknown): SqliteValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && !(value instanceof Uint8Array)) return JSON.stringify(value);
  return value as SqliteValue;
}
