import { readFile } from 'node:fs/promises';
import { passwordProblem } from '../../auth/passwords.ts';
import { isWebRole, WEB_ROLES, WebSessions } from '../../auth/web-sessions.ts';
import { defineCommand, UsageError, type CommandGroup } from '../command.ts';
import { readPassword } from '../password-input.ts';
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

const password = defineCommand({
  name: 'users password',
  summary: 'Let a user sign in to the web UI: set a password and role',
  description:
    'The user is found by extension or e-mail. The password is read from the terminal without echo\n' +
    '(asked twice), or as the first line of stdin when it is piped. It needs at least 10 characters.\n' +
    'Roles: admin (everything) or agent (live calls, journal, phonebook, screen pop for the extension).\n' +
    "Setting a password ends the user's sessions.",
  usesStore: true,
  args: [{ name: '<extension|email>', description: 'The user, by extension or e-mail', required: true }],
  flags: {
    role: { type: 'string', value: '<role>', description: `${WEB_ROLES.join(' or ')} (default: agent; an existing login keeps its role)` },
    tenant: { type: 'string', value: '<id>', description: `Tenant of the user (default: ${DEFAULT_TENANT})` },
    name: { type: 'string', value: '<name>', description: 'Creates the user with this extension and name when there is none yet (the first admin)' },
  },
  examples: ['callbridge users password 200 --role admin --name "Ada Admin"', 'callbridge users password 201 --role admin', "printf '%s\\n' \"$PASSWORD\" | callbridge users password anna@example.com"],
  async run({ args, flags, store }, io) {
    const role = flags.role;
    if (role !== undefined && !isWebRole(role)) throw new UsageError(`--role must be ${WEB_ROLES.join(' or ')}, not "${role}"`, 'users password');
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    const who = args[0].trim();
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      const find = async () =>
        who.includes('@')
          ? (await s.users.list(tenantId)).find((u) => u.email?.toLowerCase() === who.toLowerCase())
          : await s.users.byExtension(tenantId, who);
      let user = await find();
      const create = !user && !who.includes('@') && flags.name?.trim();
      if (!user && !create) {
        throw new Error(`no user with ${who.includes('@') ? 'e-mail' : 'extension'} ${printable(who)} in tenant ${tenantId}; add --name to create one, or use 'callbridge users import' or PUT /api/v1/users`);
      }
      const secret = await readPassword();
      const problem = passwordProblem(secret);
      if (problem) throw new Error(`${problem}; nothing was changed`);
      if (create) {
        // Only after the password was accepted, so a refused password leaves no half-made user behind.
        await s.users.upsertMany(tenantId, [{ extension: who, name: create, email: null }], new Date().toISOString());
        user = await find();
      }
      if (!user) throw new Error(`the user ${printable(who)} could not be created`);
      const existing = await s.webSessions.login(user.id);
      const finalRole = role ?? (existing && isWebRole(existing.role) ? existing.role : 'agent');
      await new WebSessions(s).setPassword(user, secret, finalRole);
      io.out(`${printable(user.name)} (extension ${user.extension}) may now sign in as ${finalRole}.`);
      return 0;
    });
  },
});

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export const users: CommandGroup = { name: 'users', summary: 'Import users from the PBX or a spreadsheet; set web sign-in passwords', commands: [importUsers, password] };
