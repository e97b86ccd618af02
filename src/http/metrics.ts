/**
 * Prometheus metrics, one registry per app instance (tests build many apps in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = {
  registry: Registry;
  events: Counter<'source' | 'status'>;
  requests: Histogram<'method' | 'route' | 'status'>;
  sseClients: Gauge;
  activeCalls: Gauge;
  commits: Counter;
};

export function createMetrics(activeCalls: () => Promise<number>, sseClients: () => number, journalCommits: () => number = () => 0): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callbridge_' });
  return {
    registry,
    events: new Counter({
      name: 'callbridge_events_total',
      help: 'Call events received, by ingest path and result (applied, unchanged, late, duplicate)',
      labelNames: ['source', 'status'],
      registers: [registry],
    }),
    requests: new Histogram({
      name: 'callbridge_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'callbridge_stream_clients',
      help: 'Open Server-Sent-Event streams',
      registers: [registry],
      collect() {
        this.set(sseClients());
      },
    }),
    activeCalls: new Gauge({
      name: 'callbridge_calls_active',
      help: 'Calls ringing or answered right now',
      registers: [registry],
      async collect() {
        this.set(await activeCalls());
      },
    }),
    commits: new Counter({
      name: 'callbridge_journal_commits_total',
      help: 'Ingest transactions committed (group commit: events_total / commits_total is the events per commit)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(journalCommits());
      },
    }),
  };
}
