import { defineCommand } from '../command.ts';
import { migrateStore } from '../with-store.ts';

export const migrate = defineCommand({
  name: 'migrate',
  summary: 'Bring the database schema up to date',
  description:
    '`serve` and the other commands migrate on start as well; run this to upgrade ahead of a deploy,\n' +
    'or to see which migrations a release brings.',
  usesStore: true,
  flags: {},
  async run({ store }, io) {
    const { location, result } = await migrateStore(store);
    const ran = result.results ?? [];
    io.out(`Database: ${location}`);
    if (ran.length === 0) io.out('The schema is up to date; no migrations to run.');
    for (const r of ran) io.out(`${r.status === 'Success' ? 'ran' : r.status.toLowerCase()}  ${r.migrationName}`);
    return 0;
  },
});
