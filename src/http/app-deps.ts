/** What the HTTP layer needs, built by the composition root (src/server.ts) or by a test. */
import type { ActionsDeps } from '../actions/actions-deps.ts';
import type { KeyVerifier } from '../auth/api-keys.ts';
import type { WebSessions } from '../auth/web-sessions.ts';
import type { PbxRuntime } from '../connectors/pbx/pbx-runtime.ts';
import type { DeliveryOptions, DeliveryServices } from '../delivery/delivery-services.ts';
import type { CrmOptions, CrmServices } from '../connectors/crm/crm-services.ts';
import type { PhonebookService } from '../phonebook/phonebook-service.ts';
import type { CallJournal } from '../journal/call-journal.ts';
import type { LiveHub } from '../journal/live-hub.ts';
import type { TenantSettingsCache } from '../journal/tenant-settings.ts';
import type { SecretBox } from '../storage/secret-box.ts';
import type { Store } from '../storage/store.ts';
import type { SyncService, SyncServiceOptions } from '../sync/sync-service.ts';
import type { Metrics } from './metrics.ts';

export type AppDeps = {
  store: Store;
  journal: CallJournal;
  hub: LiveHub;
  keys: KeyVerifier;
  /** People signed in to the web UI (session cookies, CSRF tokens, sign-in rate limit). */
  sessions: WebSessions;
  secrets: SecretBox;
  settings: TenantSettingsCache;
  metrics: Metrics;
  /** The running PBX connections (AMI …). */
  pbx: PbxRuntime;
  /** Contacts and caller lookup. */
  phonebook: PhonebookService;
  /** Phonebook sources: sync runs and their scheduler (started by the server). */
  sync: SyncService;
  /** The delivery engine: outbox, worker (started by the server), webhook producer. */
  delivery: DeliveryServices;
  /** Actions (CRUD, favourites, manual start, the agents' stream) and the employee integration. */
  actions: ActionsDeps;
  /** CRM connections: live lookup, journaling producer and handler. */
  crm: CrmServices;
  options: {
    bodyLimit: number;
    logLevel: string;
    /** Phone numbers and search terms in logs: false none, 'mask' numbers without their last digits, true all (src/http/log-privacy.ts). */
    logPersonalData: boolean | 'mask';
    /** Time a client has to send a whole request (default 5 min, headers at most 1 min); a slower one gets 408 and is disconnected. */
    requestTimeoutMs?: number;
    /** Interval of SSE keep-alive comments. */
    heartbeatMs?: number;
    /** Where log lines go (stdout when absent); tests capture them to check what is logged. */
    logStream?: { write(line: string): void };
    /** Delivery worker settings (poll interval, retry schedule, timeouts …); defaults otherwise. */
    delivery?: DeliveryOptions;
    /** CRM settings (live lookup budget and cache, HTTP timeouts); defaults otherwise. */
    crm?: CrmOptions;
    /** Sync engine settings (lease, timeouts, scheduler poll, fetch); defaults otherwise. */
    sync?: Omit<SyncServiceOptions, 'store' | 'secrets' | 'settings' | 'phonebook'>;
  };
};
