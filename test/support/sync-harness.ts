/**
 * The sync engine over a fresh store of one dialect, for the end-to-end source tests: registers its
 * own before/after hooks, allow-lists loopback (the test servers' address, which sources' SSRF guard
 * refuses otherwise), stores sources as the API would and runs them.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { bootstrap } from '../../src/compose.ts';
import { directorySourceType } from '../../src/connectors/directory/registry.ts';
import { TenantSettingsCache } from '../../src/journal/tenant-settings.ts';
import { SecretBox } from '../../src/storage/secret-box.ts';
import type { Store } from '../../src/storage/store.ts';
import type { ApplySlices } from '../../src/storage/repositories/source-sync-repository.ts';
import type { RecordMapper } from '../../src/sync/record-mapper.ts';
import { SyncService } from '../../src/sync/sync-service.ts';
import type { TestDialect } from './databases.ts';

export type SyncHarness = {
  store(): Store;
  /** A source row as the API would store it: checked options, the secrets sealed apart. */
  createSource(type: string, input: Record<string, unknown>): Promise<string>;
  /** Runs the source now and resolves with the run's report. */
  run(sourceId: string): ReturnType<typeof runReport>;
  /** The source's synced contacts: name → raw numbers, sorted by name. */
  synced(sourceId: string): Promise<Map<string, string[]>>;
};

async function runReport(sync: SyncService, sourceId: string) {
  const started = await sync.startRun('default', sourceId);
  assert.ok(started.ok, JSON.stringify(started));
  return started.run.done;
}

/**
 * `mapper`: how new and changed records are prepared (the service's default: worker threads for large
 * batches); `applySlices`: how the apply slices its statements (SourceSyncRepository).
 */
export function syncHarness(dialect: TestDialect, options: { mapper?: RecordMapper; applySlices?: ApplySlices | null } = {}): SyncHarness {
  let store: Store;
  let sync: SyncService;
  const secrets = new SecretBox(randomBytes(32));
  before(async () => {
    store = await dialect.open();
    await bootstrap(store, 'DE');
    await store.tenants.update('default', { deliveryAllowList: ['127.0.0.1'] }, new Date().toISOString());
    sync = new SyncService({ store, secrets, settings: new TenantSettingsCache(store), mapper: options.mapper, applySlices: options.applySlices });
  });
  after(async () => {
    await sync.stop();
    await store.close();
  });
  return {
    store: () => store,
    async createSource(type, input) {
      const sourceType = directorySourceType(type)!;
      const checked = sourceType.check(input);
      assert.ok(checked.ok, JSON.stringify(checked));
      const { options, secrets: sealed } = secrets.sealOptions(checked.options, sourceType.secretOptions);
      const now = new Date().toISOString();
      const id = randomUUID();
      await store.sources.insert({
        id, tenantId: 'default', type, name: `${type} ${id.slice(0, 8)}`, description: null, options, secrets: sealed, interval: 'off', enabled: true,
        state: null, nextRunAt: null, leaseOwner: null, leaseUntil: null, runId: null, runStartedAt: null, progress: null, lastSuccessAt: null, lastError: null, lastErrorAt: null, lastReport: null, createdAt: now, updatedAt: now,
      });
      return id;
    },
    run: (sourceId) => runReport(sync, sourceId),
    async synced(sourceId) {
      const byName = new Map<string, string[]>();
      for await (const page of store.contacts.all('default')) for (const c of page) if (c.sourceId === sourceId) byName.set(c.name, c.numbers.map((n) => n.raw));
      return new Map([...byName].sort());
    },
  };
}
