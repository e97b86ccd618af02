/**
 * Shared by every ingest route: hand mapped events to the journal, count them, answer.
 * The journal commits before this resolves, so a 2xx means the events are durable.
 */
import type { CallEvent } from '../core/calls/call-event.ts';
import type { IngestResult } from '../journal/call-journal.ts';
import type { AppDeps } from './app-deps.ts';

export async function ingestEvents(deps: AppDeps, tenantId: string, events: CallEvent[], source: string): Promise<IngestResult[]> {
  const results = await deps.journal.ingest(tenantId, events, source);
  for (const r of results) deps.metrics.events.inc({ source, status: r.status === 'duplicate' ? 'duplicate' : r.applied });
  return results;
}

export function summarize(results: IngestResult[]) {
  return {
    accepted: results.filter((r) => r.status === 'accepted').length,
    duplicates: results.filter((r) => r.status === 'duplicate').length,
    results: results.map((r) => (r.status === 'accepted' ? { status: r.status, callId: r.callId, effect: r.applied } : { status: r.status })),
  };
}
