/**
 * Configuration: defaults < environment (CALLBRIDGE_*) < command-line flags. Validated once, then
 * frozen; nothing else reads process.env.
 */
import { resolve } from 'node:path';
import { CallbridgeError } from '../core/errors.ts';

export type Config = {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** postgres://… for PostgreSQL; undefined for embedded SQLite in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body in bytes. */
  readonly bodyLimit: number;
  /** CALLBRIDGE_SECRET_KEY; undefined → a key file in dataDir. */
  readonly secretKey: string | undefined;
  /** Phone numbers and search terms in logs: false none (default), 'mask' numbers without their last three digits, true all. */
  readonly logPersonalData: boolean | 'mask';
  readonly sqliteSync: 'normal' | 'full';
};

export type ConfigOverrides = Partial<{ host: string; port: string | number; dataDir: string; databaseUrl: string; logLevel: string }>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(overrides.port ?? env.CALLBRIDGE_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CallbridgeError('CB_VALIDATION', `port must be a whole number from 0 to 65535, not "${overrides.port ?? env.CALLBRIDGE_PORT}"`, 'port');
  }
  const logLevel = overrides.logLevel ?? env.CALLBRIDGE_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new CallbridgeError('CB_VALIDATION', `log level must be one of ${LOG_LEVELS.join(', ')}`, 'logLevel');
  }
  const bodyLimit = Number(env.CALLBRIDGE_BODY_LIMIT ?? 1_048_576);
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
    throw new CallbridgeError('CB_VALIDATION', 'CALLBRIDGE_BODY_LIMIT must be a whole number of bytes, at least 1024', 'bodyLimit');
  }
  const databaseUrl = overrides.databaseUrl ?? env.CALLBRIDGE_DATABASE_URL ?? undefined;
  if (databaseUrl && !/^(postgres(ql)?:\/\/|sqlite:)/.test(databaseUrl)) {
    throw new CallbridgeError('CB_VALIDATION', 'database must be a postgres:// URL or sqlite:<file>', 'database');
  }
  const sqliteSync = (env.CALLBRIDGE_SQLITE_SYNC ?? 'normal').toLowerCase();
  if (sqliteSync !== 'normal' && sqliteSync !== 'full') {
    throw new CallbridgeError('CB_VALIDATION', 'CALLBRIDGE_SQLITE_SYNC must be normal or full', 'sqliteSync');
  }
  const personal = (env.CALLBRIDGE_LOG_PERSONAL_DATA ?? 'false').toLowerCase();
  if (!['true', 'false', 'mask', ''].includes(personal)) {
    throw new CallbridgeError('CB_VALIDATION', 'CALLBRIDGE_LOG_PERSONAL_DATA must be false (no personal data in logs), mask (numbers without their last digits) or true', 'logPersonalData');
  }
  return Object.freeze({
    host: overrides.host ?? env.CALLBRIDGE_HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(overrides.dataDir ?? env.CALLBRIDGE_DATA_DIR ?? 'data'),
    databaseUrl: databaseUrl || undefined,
    logLevel: logLevel as Config['logLevel'],
    bodyLimit,
    secretKey: env.CALLBRIDGE_SECRET_KEY || undefined,
    logPersonalData: personal === 'true' ? true : personal === 'mask' ? 'mask' : false,
    sqliteSync,
  });
}
