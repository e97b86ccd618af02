import { createApiKey, isRole, ROLES } from '../../auth/api-keys.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { defineCommand, UsageError, type CommandGroup } from '../command.ts';
import { printable, renderTable, timestamp } from '../table.ts';
import { DEFAULT_TENANT, requireTenant, withStore } from '../with-store.ts';

const create = defineCommand({
  name: 'keys create',
  summary: 'Create an API key; it is printed once, alone on the last line',
  description:
    'Roles: admin may do everything in its tenant (keys, users, settings, calls); agent reads calls\n' +
    'and users (screens, CRM plugins); ingest only posts PBX events. Only a hash of the key is stored,\n' +
    'so the key cannot be shown again.',
  usesStore: true,
  flags: {
    name: { type: 'string', value: '<name>', description: 'What the key is for, e.g. "PBX webhook" or "CRM sync"', required: true },
    role: { type: 'string', value: '<role>', description: ROLES.join(', '), required: true },
    tenant: { type: 'string', value: '<id>', description: `Tenant the key belongs to (default: ${DEFAULT_TENANT})` },
    extension: { type: 'string', value: '<ext>', description: 'For agent keys: the extension the agent answers (click-to-dial rings it)' },
  },
  examples: ['KEY=$(callbridge keys create --name "PBX webhook" --role ingest | tail -1)', 'callbridge keys create --name "Anna" --role agent --extension 201'],
  async run({ flags, store }, io) {
    const role = flags.role;
    if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`, 'keys create');
    const name = flags.name.trim();
    if (!name) throw new UsageError('--name must not be empty', 'keys create');
    if (name.length > 200) throw new UsageError('--name must be at most 200 characters', 'keys create');
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    const extension = flags.extension?.trim() || null;
    if (extension !== null && !/^[0-9*#+]{1,32}$/.test(extension)) throw new UsageError(`--extension must be digits (and * # +), not "${extension}"`, 'keys create');
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      const { key, record } = await createApiKey(s, { tenantId, role, name, extension });
      io.out(`Created API key "${printable(record.name)}" (${record.role}) for tenant ${record.tenantId}`);
      io.out(`  id:      ${record.id}`);
      io.out(`  prefix:  ${record.prefix}`);
      if (record.extension) io.out(`  extension: ${record.extension}`);
      io.out('Copy the key now; it cannot be shown again:');
      io.out(key);
      return 0;
    });
  },
});

const list = defineCommand({
  name: 'keys list',
  summary: 'List API keys (never the keys themselves)',
  usesStore: true,
  flags: {
    tenant: { type: 'string', value: '<id>', description: 'Only the keys of this tenant (default: all tenants)' },
  },
  async run({ flags, store }, io) {
    return withStore(store, async (s) => {
      if (flags.tenant) await requireTenant(s, flags.tenant);
      const keys = await s.apiKeys.list(flags.tenant);
      if (keys.length === 0) {
        io.out(flags.tenant ? `No API keys for tenant ${flags.tenant}.` : 'No API keys.');
        return 0;
      }
      // Built field by field: the hash must never reach the output.
      const rows = keys.map((k) => [
        k.id,
        k.prefix,
        k.name,
        k.role,
        k.extension ?? '',
        k.tenantId,
        timestamp(k.createdAt),
        timestamp(k.lastUsedAt),
        timestamp(k.revokedAt),
      ]);
      io.out(renderTable(['ID', 'PREFIX', 'NAME', 'ROLE', 'EXT', 'TENANT', 'CREATED', 'LAST USED', 'REVOKED'], rows));
      return 0;
    });
  },
});

const revoke = defineCommand({
  name: 'keys revoke',
  summary: 'Revoke an API key by its id or prefix',
  description: 'Running servers stop accepting the key within a few seconds. Revoking a revoked key changes nothing.',
  usesStore: true,
  args: [{ name: '<id-or-prefix>', description: 'The ID or PREFIX column of `keys list` (the whole key works too)', required: true }],
  flags: {},
  async run({ args, store }, io) {
    // Someone holding the whole key (cb_<prefix>_<secret>) may paste it; only its prefix is needed.
    const match = /^cb_([a-z0-9]{10})(?:_.*)?$/.exec(args[0].trim());
    const needle = match ? match[1] : args[0].trim();
    return withStore(store, async (s) => {
      const revoked = await s.apiKeys.revoke(needle, new Date().toISOString());
      if (revoked) {
        io.out(`Revoked API key ${revoked.prefix} ("${printable(revoked.name)}", ${revoked.role}, tenant ${revoked.tenantId}).`);
        return 0;
      }
      const existing = (await s.apiKeys.list()).find((k) => k.id === needle || k.prefix === needle);
      if (!existing) throw new CallbridgeError('CB_NOT_FOUND', `no API key has the id or prefix "${needle}"; see callbridge keys list`);
      io.out(`API key ${existing.prefix} was already revoked at ${timestamp(existing.revokedAt)}.`);
      return 0;
    });
  },
});

export const keys: CommandGroup = { name: 'keys', summary: 'Create, list and revoke API keys', commands: [create, list, revoke] };
