/** How often a source runs by itself, and when it runs next. */

export const SYNC_INTERVALS = ['15m', '1h', '1d', 'off'] as const;
export type SyncInterval = (typeof SYNC_INTERVALS)[number];

const MS: Record<Exclude<SyncInterval, 'off'>, number> = { '15m': 15 * 60_000, '1h': 60 * 60_000, '1d': 24 * 60 * 60_000 };

export function isSyncInterval(value: unknown): value is SyncInterval {
  return typeof value === 'string' && (SYNC_INTERVALS as readonly string[]).includes(value);
}

/**
 * The next scheduled run after a run (or a change of the interval) at `from`; null when the source
 * does not run by itself. Failed runs are not retried sooner: a broken source should not hammer its server.
 */
export function nextRunAt(interval: SyncInterval, enabled: boolean, from: number): string | null {
  if (!enabled || interval === 'off') return null;
  return new Date(from + MS[interval]).toISOString();
}
