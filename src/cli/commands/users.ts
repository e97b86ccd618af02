import { readFile } from 'node:fs/promises';
import { defineCommand, type CommandGroup } from '../command.ts';
import { printable } from '../table.ts';
import { readUsersCsv } from '../users-csv.ts';
import { DEFAULT_TENANT, requireTenant, withStore } from '../with-store.ts';

const importUsers = defineCommand({
  name: 'users import',
  summary: 'Import users (extension, name, email) from a CSV file',
  description:
    'The first line is the header; columns are found by name (Extension/Ext/Nebenstelle, Name,\n' +
    'Email/E-Mail), other columns are ignored. The delimiter (, ; or tab) is detected; the file is\n' +
    'UTF-8, with or without BOM (Excel: "CSV UTF-8"). Users are matched by extension: new ones are\n' +
    'created, existing ones updated. Every row is checked first; if any is invalid, every problem is\n' +
    'listed with its line number and nothing is imported.',
  usesStore: true,
  args: [{ name: '<csv>', description: 'Path of the CSV file', required: true }],
  flags: {
    tenant: { type: 'string', value: '<id>', description: `Tenant to import into (default: ${DEFAULT_TENANT})` },
  },
  examples: ['callbridge users import staff.csv --tenant acme', '', 'staff.csv:', '  Extension;Name;E-Mail', '  201;Anna Schmidt;anna@example.com', '  202;"Meyer; Jan";'],
  async run({ args, flags, store }, io) {
    const path = args[0];
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
    });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Error(`${path} is not UTF-8; save it as "CSV UTF-8" (Excel) or convert it, e.g. iconv -f windows-1252 -t utf-8`);
    }
    const result = readUsersCsv(text);
    if (!result.ok) {
      io.err(`callbridge users import: ${path} has ${count(result.problems.length, 'problem')}; nothing was imported:`);
      for (const problem of result.problems) io.err(`  ${printable(problem)}`);
      return 1;
    }
    if (result.users.length === 0) throw new Error(`${path} has a header but no users`);
    if (result.ignoredColumns.length) io.err(`callbridge users import: ignoring columns ${result.ignoredColumns.map((c) => `"${printable(c)}"`).join(', ')}`);
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      const { created, updated } = await s.users.upsertMany(tenantId, result.users, new Date().toISOString());
      io.out(`Imported ${count(result.users.length, 'user')} into tenant ${tenantId}: ${created} created, ${updated} updated.`);
      return 0;
    });
  },
});

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export const users: CommandGroup = { name: 'users', summary: 'Import users from the PBX or a spreadsheet', commands: [importUsers] };
