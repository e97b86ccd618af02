import { createReadStream, readFileSync } from 'node:fs';
import { loadConfig } from '../../config/config.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { describeSkipped, type SyncReport } from '../../core/sync/sync-report.ts';
import type { SourceRecord } from '../../storage/repositories/sources-repository.ts';
import type { Store } from '../../storage/store.ts';
import { defineCommand, UsageError, type CommandGroup, type Io, type StoreFlags } from '../command.ts';
import { renderTable, timestamp } from '../table.ts';
import { DEFAULT_TENANT, requireTenant, withStore } from '../with-store.ts';

/** The same secret key as the server: CALLBRIDGE_SECRET_KEY, or secret.key in the data directory. */
async function secretBox(flags: StoreFlags) {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.database });
  const { SecretBox } = await import('../../storage/secret-box.ts');
  return SecretBox.fromEnvOrFile(config.secretKey, config.dataDir);
}

async function findSource(s: Store, idOrName: string, tenant?: string): Promise<SourceRecord> {
  const found = await s.sources.find(idOrName, tenant);
  if (!found) throw new CallbridgeError('CB_NOT_FOUND', `no source "${idOrName}"; see callbridge sources list`);
  return found;
}

function state(s: SourceRecord): string {
  if (s.leaseUntil && s.leaseUntil > new Date().toISOString()) return s.progress && 'read' in s.progress ? `running (${s.progress.read} read)` : 'running';
  if (!s.lastReport) return 'never run';
  return s.lastError ? 'failed' : 'ok';
}

const list = defineCommand({
  name: 'sources list',
  summary: 'List phonebook sources with their last sync',
  usesStore: true,
  flags: { tenant: { type: 'string', value: '<id>', description: 'Only this tenant' } },
  async run({ flags, store }, io) {
    return withStore(store, async (s) => {
      const items = await s.sources.list(flags.tenant);
      if (items.length === 0) {
        io.out('No sources. Add one: callbridge sources add csv --help');
        return 0;
      }
      const rows = items.map((x) => [x.id, x.name, x.type, x.tenantId, x.enabled ? x.interval : 'disabled', state(x), timestamp(x.lastSuccessAt), timestamp(x.nextRunAt), x.lastError ?? '']);
      io.out(renderTable(['ID', 'NAME', 'TYPE', 'TENANT', 'INTERVAL', 'STATE', 'LAST SUCCESS', 'NEXT RUN', 'LAST ERROR'], rows));
      return 0;
    });
  },
});

/** A bar on a terminal, a line every few seconds otherwise (logs, CI). */
function progressPrinter(io: Io): { update(read: number, total?: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(read, total) {
      const now = Date.now();
      if (now - last < (tty ? 100 : 5_000)) return;
      last = now;
      if (!tty) return io.err(`… ${read.toLocaleString('en-US')} records read${total ? ` of ${total.toLocaleString('en-US')}` : ''}`);
      const width = 30;
      const bar = total ? '█'.repeat(Math.round((read / total) * width)).padEnd(width, '░') : '░'.repeat(width).split('').map((c, i) => (i === Math.floor(now / 100) % width ? '█' : c)).join('');
      process.stderr.write(`\r${bar} ${read.toLocaleString('en-US')} records read${total ? ` of ${total.toLocaleString('en-US')}` : ''}   `);
    },
    done() {
      if (tty && last) process.stderr.write('\r\x1b[K');
    },
  };
}

export function printReport(report: SyncReport, io: Io): void {
  const seconds = (report.durationMs / 1000).toFixed(1);
  if (!report.ok) {
    io.err(`Sync failed after ${seconds} s: ${report.error}`);
    return;
  }
  io.out(`Synced in ${seconds} s: ${report.read.toLocaleString('en-US')} read, ${report.added} added, ${report.changed} changed, ${report.removed} removed, ${report.unchanged} unchanged, ${report.skipped} skipped.`);
  for (const item of report.skippedItems) io.out(`  skipped ${describeSkipped(item)}`);
  if (report.skipped > report.skippedItems.length) io.out(`  … and ${report.skipped - report.skippedItems.length} more skipped`);
}

const sync = defineCommand({
  name: 'sources sync',
  summary: 'Sync a source now, with progress and the report at the end',
  description: 'Runs here, on the database (a running server sees the changes within a second). Fails at once when a run of the source is going on anywhere.',
  usesStore: true,
  args: [{ name: '<id-or-name>', description: 'ID or NAME from `sources list`', required: true }],
  flags: {
    file: { type: 'string', value: '<file>', description: 'Sync this file instead of downloading (for sources without a URL)' },
    tenant: { type: 'string', value: '<id>', description: 'Tenant, when names repeat across tenants' },
  },
  examples: ['callbridge sources sync "CRM export"', 'callbridge sources sync phonebook --file kontakte.csv'],
  async run({ args, flags, store }, io) {
    const box = await secretBox(store);
    return withStore(store, async (s) => {
      const source = await findSource(s, args[0], flags.tenant);
      const [{ SyncService }, { TenantSettingsCache }] = await Promise.all([import('../../sync/sync-service.ts'), import('../../journal/tenant-settings.ts')]);
      const service = new SyncService({ store: s, secrets: box, settings: new TenantSettingsCache(s) });
      const progress = progressPrinter(io);
      const upload = flags.file === undefined ? undefined : (createReadStream(flags.file) as AsyncIterable<Uint8Array>);
      const started = await service.startRun(source.tenantId, source.id, { trigger: upload ? 'upload' : 'manual', upload, onProgress: progress.update });
      if (!started.ok) throw new CallbridgeError('CB_CONFLICT', started.reason === 'running' ? `a run of "${source.name}" is going on; see callbridge sources list` : `no source "${args[0]}"`);
      io.err(`Syncing "${source.name}" …`);
      const report = await started.run.done;
      // Closes the run's pooled HTTP connections (kept alive for a few seconds otherwise).
      await service.stop();
      progress.done();
      printReport(report, io);
      return report.ok ? 0 : 1;
    });
  },
});

const add = defineCommand({
  name: 'sources add',
  summary: 'Add a phonebook source (csv: a CSV file by URL or uploaded)',
  description: 'Column names of Outlook, Google Contacts and Excel exports are recognized; see docs/connectors/csv.md. A source with an interval runs first at the next scheduler tick of a running server.',
  usesStore: true,
  args: [{ name: '<type>', description: 'Source type: csv', required: true }],
  flags: {
    name: { type: 'string', value: '<name>', description: 'A name, e.g. "CRM export"', required: true },
    url: { type: 'string', value: '<url>', description: 'http(s) URL of the file (without one, sync files with `sources sync --file`)' },
    username: { type: 'string', value: '<user>', description: 'Basic auth user' },
    'password-file': { type: 'string', value: '<file>', description: 'Read the basic auth password from this file (- for standard input)' },
    'token-file': { type: 'string', value: '<file>', description: 'Read a bearer token from this file' },
    'record-id-column': { type: 'string', value: '<column>', description: 'Column with a stable id per row' },
    interval: { type: 'string', value: '<15m|1h|1d|off>', description: 'How often it runs by itself (default 1h with a URL, off without)' },
    tenant: { type: 'string', value: '<id>', description: `Tenant (default: ${DEFAULT_TENANT})` },
  },
  examples: ['callbridge sources add csv --name "CRM export" --url https://crm.example.com/export.csv --username sync --password-file crm.pass'],
  async run({ args, flags, store }, io) {
    const [{ directorySourceType }, { isSyncInterval, SYNC_INTERVALS }] = await Promise.all([import('../../connectors/directory/registry.ts'), import('../../core/sync/sync-interval.ts')]);
    const type = directorySourceType(args[0]);
    if (!type) throw new UsageError(`unknown source type "${args[0]}"; available: csv`, 'sources add');
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file === '-' ? 0 : file, 'utf8').trim());
    const input = { url: flags.url, username: flags.username, password: read(flags['password-file']), token: read(flags['token-file']), recordIdColumn: flags['record-id-column'] };
    const checked = type.check(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
    if (!checked.ok) throw new UsageError(`${checked.field}: ${checked.message}`, 'sources add');
    const interval = flags.interval ?? (flags.url ? '1h' : 'off');
    if (!isSyncInterval(interval)) throw new UsageError(`--interval must be one of ${SYNC_INTERVALS.join(', ')}`, 'sources add');
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    const box = await secretBox(store);
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      const { options, secrets } = box.sealOptions(checked.options, type.secretOptions);
      const { uuidv7 } = await import('../../core/ids.ts');
      const now = new Date().toISOString();
      const record: SourceRecord = {
        id: uuidv7(), tenantId, type: type.id, name: flags.name.trim(), description: null, options, secrets,
        interval, enabled: true, state: null, nextRunAt: interval === 'off' ? null : now, leaseOwner: null, leaseUntil: null, runId: null, runStartedAt: null, progress: null,
        lastSuccessAt: null, lastError: null, lastErrorAt: null, lastReport: null, createdAt: now, updatedAt: now,
      };
      if (!(await s.sources.insert(record))) throw new CallbridgeError('CB_CONFLICT', `tenant ${tenantId} has a source named "${record.name}" already`);
      io.out(`Added ${type.id} source "${record.name}" (${record.id}) for tenant ${tenantId}, interval ${interval}.`);
      io.out(`Sync it now: callbridge sources sync "${record.name}"${flags.url ? '' : ' --file <file>'}`);
      return 0;
    });
  },
});

const remove = defineCommand({
  name: 'sources remove',
  summary: 'Delete a source and every contact synced from it',
  usesStore: true,
  args: [{ name: '<id-or-name>', description: 'ID or NAME from `sources list`', required: true }],
  flags: { tenant: { type: 'string', value: '<id>', description: 'Tenant, when names repeat across tenants' } },
  async run({ args, flags, store }, io) {
    return withStore(store, async (s) => {
      const source = await findSource(s, args[0], flags.tenant);
      const removed = (await s.sources.delete(source.tenantId, source.id)) ?? [];
      io.out(`Removed source "${source.name}" and its ${removed.length} synced contacts.`);
      return 0;
    });
  },
});

export const sources: CommandGroup = {
  name: 'sources',
  summary: 'Phonebook sources (CSV …): list, add, sync now, remove',
  commands: [list, add, sync, remove],
};
