/** What the HTTP layer needs, built by the composition root (src/server.ts) or by a test. */
import type { KeyVerifier } from '../auth/api-keys.ts';
import type { PbxRuntime } from '../connectors/pbx/pbx-runtime.ts';
import type { PhonebookService } from '../phonebook/phonebook-service.ts';
import type { CallJournal } from '../journal/call-journal.ts';
import type { LiveHub } from '../journal/live-hub.ts';
import type { TenantSettingsCache } from '../journal/tenant-settings.ts';
import type { SecretBox } from '../storage/secret-box.ts';
import type { Store } from '../storage/store.ts';
import type { Metrics } from './metrics.ts';

export type AppDeps = {
  store: Store;
  journal: CallJournal;
  hub: LiveHub;
  keys: KeyVerifier;
  secrets: SecretBox;
  settings: TenantSettingsCache;
  metrics: Metrics;
  /** The running PBX connections (AMI …). */
  pbx: PbxRuntime;
  /** Contacts and caller lookup. */
  phonebook: PhonebookService;
  options: {
    bodyLimit: number;
    logLevel: string;
    /** Keep phone numbers and names in logs (request URLs with numbers, for instance). */
    logPersonalData: boolean;
    /** Interval of SSE keep-alive comments. */
    heartbeatMs?: number;
    /** Where log lines go (stdout when absent); tests capture them to check what is logged. */
    logStream?: { write(line: string): void };
  };
};
