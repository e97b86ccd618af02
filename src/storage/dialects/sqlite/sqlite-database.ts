/**
 * The slice of `node:sqlite`'s DatabaseSync that the driver calls (Kysely's way: type only what is
 * used, so a test double or another binding fits).
 */
export interface SqliteStatement {
  columns(): unknown[];
  all(...params: SqliteValue[]): unknown[];
  run(...params: SqliteValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: SqliteValue[]): Iterable<unknown>;
}

export type SqliteValue = null | number | bigint | string | Uint8Array;

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  close(): void;
}
