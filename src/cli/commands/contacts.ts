import { readFile } from 'node:fs/promises';
import { CallbridgeError } from '../../core/errors.ts';
import { readContactsCsv } from '../contacts-csv.ts';
import { defineCommand, type CommandGroup } from '../command.ts';
import { printable } from '../table.ts';
import { DEFAULT_TENANT, requireTenant, withStore } from '../with-store.ts';

const importContacts = defineCommand({
  name: 'contacts import',
  summary: 'Import manual contacts into the company phonebook from a CSV file',
  description:
    'The first line names the columns: Name (or Vorname/Nachname), Company/Firma, Phone/Telefon,\n' +
    'Mobile/Handy, Home/Privat, Fax, Email, Notes; several numbers in one cell are separated by ",".\n' +
    'Numbers without country or area code are read under the tenant\'s settings. Every row is checked\n' +
    'first; if any is invalid, every problem is listed with its line number and nothing is imported.\n' +
    'A running server sees the new contacts within a second.',
  usesStore: true,
  args: [{ name: '<csv>', description: 'Path of the CSV file (UTF-8)', required: true }],
  flags: { tenant: { type: 'string', value: '<id>', description: `Tenant (default: ${DEFAULT_TENANT})` } },
  examples: ['callbridge contacts import kunden.csv', '', 'kunden.csv:', '  Name;Firma;Telefon;Handy;E-Mail', '  Erika Mustermann;Muster GmbH;030 1234567;0171 9876543;erika@example.com'],
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
    const read = readContactsCsv(text);
    if (!read.ok) {
      io.err(`callbridge contacts import: ${path} has ${read.problems.length} problem(s); nothing was imported:`);
      for (const p of read.problems) io.err(`  ${printable(p)}`);
      return 1;
    }
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      const [{ PhonebookService }, { TenantSettingsCache }] = await Promise.all([import('../../phonebook/phonebook-service.ts'), import('../../journal/tenant-settings.ts')]);
      const phonebook = new PhonebookService(s, new TenantSettingsCache(s));
      try {
        const contacts = await phonebook.importMany(tenantId, read.contacts);
        io.out(`Imported ${contacts.length} contact(s) into tenant ${tenantId}.`);
        return 0;
      } catch (err) {
        if (!(err instanceof CallbridgeError) || !err.field) throw err;
        const row = Number(/^\/(\d+)/.exec(err.field)?.[1]);
        io.err(`callbridge contacts import: line ${read.lines[row] ?? '?'}: ${printable(err.message)}; nothing was imported`);
        return 1;
      }
    });
  },
});

export const contacts: CommandGroup = { name: 'contacts', summary: 'Import contacts into the phonebook', commands: [importContacts] };
