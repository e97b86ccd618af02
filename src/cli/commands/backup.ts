import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.ts';
import type { SecretBox } from '../../storage/secret-box.ts';
import { defineCommand, type StoreFlags } from '../command.ts';
import { describeLocation, storeLocation, withStore } from '../with-store.ts';

const SECRETS_NOTE =
  'Secrets (PBX, source, CRM and webhook credentials) stay sealed in the backup: it is useful only with the same\n' +
  'secret key (CALLBRIDGE_SECRET_KEY, or secret.key in the data directory). Keep that key safe, apart from the backup.';

/** The server's secret key when there is one; never creates a key file (a backup or restore must not invent a key). */
async function existingSecretBox(flags: StoreFlags): Promise<SecretBox | undefined> {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.database });
  if (!config.secretKey && !existsSync(join(config.dataDir, 'secret.key'))) return undefined;
  const { SecretBox } = await import('../../storage/secret-box.ts');
  return SecretBox.fromEnvOrFile(config.secretKey, config.dataDir);
}

export const backup = defineCommand({
  name: 'backup',
  summary: 'Write a consistent backup of the database to a file, while the server runs',
  description:
    'Every Callbridge table (calls, contacts, sources, keys, deliveries, settings …) as gzip-compressed JSON\n' +
    'lines, read in one snapshot: the server keeps ingesting meanwhile. The format is the same for SQLite\n' +
    'and PostgreSQL, so `callbridge restore` loads it into either: a backup of SQLite restored into\n' +
    'PostgreSQL is how an installation moves to PostgreSQL.\n\n' +
    SECRETS_NOTE,
  usesStore: true,
  args: [{ name: '<file>', description: 'Where to write it, e.g. callbridge-2026-12-01.jsonl.gz (must not exist yet)', required: true }],
  flags: {
    force: { type: 'boolean', description: 'Overwrite the file if it exists' },
  },
  examples: ['callbridge backup /var/backups/callbridge-$(date +%F).jsonl.gz', 'callbridge backup dump.jsonl.gz --database postgres://callbridge@db/callbridge'],
  async run({ args, flags, store }, io) {
    const file = args[0];
    if (existsSync(file) && !flags.force) throw new Error(`${file} exists; choose another name, or pass --force to overwrite it`);
    const secrets = await existingSecretBox(store);
    const { writeBackup } = await import('../../maintenance/backup.ts');
    return withStore(store, async (s) => {
      const summary = await writeBackup(s, file, { secrets });
      const total = Object.values(summary.rows).reduce((a, b) => a + b, 0);
      io.out(`Backed up ${describeLocation(storeLocation(store))} (schema ${summary.schema}) to ${file}:`);
      io.out(`  ${summary.rows.calls ?? 0} calls, ${summary.rows.contacts ?? 0} contacts, ${summary.rows.sources ?? 0} sources, ${summary.rows.deliveries ?? 0} deliveries, ${summary.rows.api_keys ?? 0} API keys; ${total} rows in all`);
      io.out('');
      io.out(SECRETS_NOTE);
      if (!secrets) io.out('No secret key was found here (CALLBRIDGE_SECRET_KEY or secret.key), so a restore cannot check the key it is given.');
      return 0;
    });
  },
});

export const restore = defineCommand({
  name: 'restore',
  summary: 'Load a backup into the database (SQLite or PostgreSQL), in one transaction',
  description:
    'Stop the server first. Refuses a database that holds data unless --force (then everything in it is\n' +
    'replaced), and a backup of another schema version. The secret key here must be the one the backup\n' +
    'was made with, or its sealed secrets cannot be opened; restore refuses otherwise, unless\n' +
    '--ignore-secret-key (then enter those secrets again afterwards).',
  usesStore: true,
  args: [{ name: '<file>', description: 'A file written by `callbridge backup`', required: true }],
  flags: {
    force: { type: 'boolean', description: 'Replace everything in a database that is not empty' },
    'ignore-secret-key': { type: 'boolean', description: 'Restore although the secret key here cannot open the backup\'s secrets' },
  },
  examples: [
    'callbridge restore callbridge-2026-12-01.jsonl.gz --data-dir /var/lib/callbridge',
    'callbridge restore from-sqlite.jsonl.gz --database postgres://callbridge:…@db/callbridge   # move to PostgreSQL',
  ],
  async run({ args, flags, store }, io) {
    const file = args[0];
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
    const secrets = await existingSecretBox(store);
    const { restoreBackup } = await import('../../maintenance/restore.ts');
    return withStore(store, async (s) => {
      const summary = await restoreBackup(s, file, { force: flags.force, secrets, ignoreSecretKey: flags['ignore-secret-key'] });
      const total = Object.values(summary.rows).reduce((a, b) => a + b, 0);
      io.out(
        `Restored ${file} (made ${summary.header.createdAt} from ${summary.header.source}, schema ${summary.header.schema}) into ${describeLocation(storeLocation(store))}` +
          (summary.replaced ? ', replacing what it held:' : ':'),
      );
      io.out(`  ${summary.rows.calls ?? 0} calls, ${summary.rows.contacts ?? 0} contacts, ${summary.rows.sources ?? 0} sources, ${summary.rows.deliveries ?? 0} deliveries, ${summary.rows.api_keys ?? 0} API keys; ${total} rows in all`);
      io.out('');
      io.out(SECRETS_NOTE);
      return 0;
    });
  },
});
