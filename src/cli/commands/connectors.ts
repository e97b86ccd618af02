import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/config.ts';
import { CallbridgeError } from '../../core/errors.ts';
import type { ConnectorRecord } from '../../storage/repositories/connectors-repository.ts';
import { defineCommand, UsageError, type CommandGroup, type StoreFlags } from '../command.ts';
import { renderTable, timestamp } from '../table.ts';
import { DEFAULT_TENANT, requireTenant, withStore } from '../with-store.ts';

const PICKUP = 'A running server picks the change up within a few seconds.';

/** The same secret key as the server: CALLBRIDGE_SECRET_KEY, or secret.key in the data directory. */
async function secretBox(flags: StoreFlags) {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.database });
  const { SecretBox } = await import('../../storage/secret-box.ts');
  return SecretBox.fromEnvOrFile(config.secretKey, config.dataDir);
}

async function findConnector(s: Parameters<Parameters<typeof withStore>[1]>[0], idOrName: string, tenant?: string): Promise<ConnectorRecord> {
  const found = await s.connectors.find(idOrName, tenant);
  if (!found) throw new CallbridgeError('CB_NOT_FOUND', `no connector "${idOrName}"; see callbridge connectors list`);
  return found;
}

const add = defineCommand({
  name: 'connectors add',
  summary: 'Connect a PBX (asterisk-ami: Asterisk, FreePBX, Issabel through the Manager Interface)',
  description:
    'On the Asterisk, add an AMI user to manager.conf, e.g.\n' +
    '  [callbridge]\n  secret = …\n  deny = 0.0.0.0/0.0.0.0\n  permit = <callbridge-ip>/255.255.255.255\n' +
    '  read = call,agent,system\n  write = originate,system\n' +
    'then `manager reload`. Calls appear in `callbridge calls tail` as they ring.',
  usesStore: true,
  args: [{ name: '<type>', description: 'Connector type: asterisk-ami', required: true }],
  flags: {
    name: { type: 'string', value: '<name>', description: 'A name for this PBX, e.g. "office"', required: true },
    host: { type: 'string', value: '<host>', description: 'Host name or IP of the Asterisk', required: true },
    port: { type: 'string', value: '<port>', description: 'AMI port (default 5038)' },
    username: { type: 'string', value: '<user>', description: 'AMI user (manager.conf section)', required: true },
    secret: { type: 'string', value: '<secret>', description: 'AMI secret (prefer --secret-file: a command line is visible to others)' },
    'secret-file': { type: 'string', value: '<file>', description: 'Read the secret from this file (- for standard input)' },
    tls: { type: 'boolean', description: 'Connect with TLS' },
    disabled: { type: 'boolean', description: 'Store it without connecting yet' },
    tenant: { type: 'string', value: '<id>', description: `Tenant (default: ${DEFAULT_TENANT})` },
  },
  examples: ['callbridge connectors add asterisk-ami --name office --host 192.0.2.10 --username callbridge --secret-file ami.secret'],
  async run({ args, flags, store }, io) {
    const { connectorType } = await import('../../connectors/pbx/connector-types.ts');
    const type = connectorType(args[0]);
    if (!type) throw new UsageError(`unknown connector type "${args[0]}"; available: asterisk-ami`, 'connectors add');
    let secret = flags.secret;
    if (flags['secret-file'] !== undefined) secret = readFileSync(flags['secret-file'] === '-' ? 0 : flags['secret-file'], 'utf8').trim();
    if (!secret) throw new UsageError('give the AMI secret with --secret-file <file> (or --secret)', 'connectors add');
    const port = flags.port === undefined ? undefined : Number(flags.port);
    const checked = type.check({ host: flags.host, port, username: flags.username, secret, tls: flags.tls });
    if (!checked.ok) throw new UsageError(`--${checked.field.replace(/^\//, '')}: ${checked.message}`, 'connectors add');
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    const box = await secretBox(store);
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      const { options, secrets } = box.sealOptions(checked.options, type.secretOptions);
      const { uuidv7 } = await import('../../core/ids.ts');
      const now = new Date().toISOString();
      const record: ConnectorRecord = {
        id: uuidv7(),
        tenantId,
        type: type.id,
        name: flags.name.trim(),
        enabled: !flags.disabled,
        options,
        secrets,
        status: null,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await s.connectors.insert(record))) throw new CallbridgeError('CB_CONFLICT', `tenant ${tenantId} has a connector named "${record.name}" already`);
      io.out(`Added ${type.id} connector "${record.name}" (${record.id}) for tenant ${tenantId}, ${record.enabled ? 'enabled' : 'disabled'}.`);
      io.out(`${PICKUP} Check it with: callbridge connectors show ${record.name}`);
      return 0;
    });
  },
});

const list = defineCommand({
  name: 'connectors list',
  summary: 'List PBX connections with their state and last error',
  usesStore: true,
  flags: { tenant: { type: 'string', value: '<id>', description: 'Only this tenant' } },
  async run({ flags, store }, io) {
    return withStore(store, async (s) => {
      const items = await s.connectors.list(flags.tenant);
      if (items.length === 0) {
        io.out('No connectors. Add one: callbridge connectors add asterisk-ami --help');
        return 0;
      }
      const rows = items.map((c) => {
        const st = (c.status ?? {}) as { state?: string; lastEventAt?: string | null; lastError?: string | null };
        return [c.id, c.name, c.type, c.tenantId, c.enabled ? 'yes' : 'no', c.enabled ? (st.state ?? 'starting') : 'disabled', timestamp(st.lastEventAt ?? null), st.lastError ?? ''];
      });
      io.out(renderTable(['ID', 'NAME', 'TYPE', 'TENANT', 'ENABLED', 'STATE', 'LAST EVENT', 'LAST ERROR'], rows));
      return 0;
    });
  },
});

const show = defineCommand({
  name: 'connectors show',
  summary: 'Show one connection: options (never the secret) and status',
  usesStore: true,
  args: [{ name: '<id-or-name>', description: 'ID or NAME from `connectors list`', required: true }],
  flags: { tenant: { type: 'string', value: '<id>', description: 'Tenant, when names repeat across tenants' } },
  async run({ args, flags, store }, io) {
    return withStore(store, async (s) => {
      const c = await findConnector(s, args[0], flags.tenant);
      io.out(JSON.stringify({ id: c.id, name: c.name, type: c.type, tenant: c.tenantId, enabled: c.enabled, options: c.options, status: c.status }, null, 2));
      return 0;
    });
  },
});

function toggle(name: 'connectors enable' | 'connectors disable' | 'connectors remove', summary: string) {
  return defineCommand({
    name,
    summary,
    usesStore: true,
    args: [{ name: '<id-or-name>', description: 'ID or NAME from `connectors list`', required: true }],
    flags: { tenant: { type: 'string', value: '<id>', description: 'Tenant, when names repeat across tenants' } },
    async run({ args, flags, store }, io) {
      return withStore(store, async (s) => {
        const c = await findConnector(s, args[0], flags.tenant);
        if (name === 'connectors remove') {
          await s.connectors.delete(c.tenantId, c.id);
          io.out(`Removed connector "${c.name}". ${PICKUP}`);
        } else {
          await s.connectors.update({ ...c, enabled: name === 'connectors enable', updatedAt: new Date().toISOString() });
          io.out(`Connector "${c.name}" ${name === 'connectors enable' ? 'enabled' : 'disabled'}. ${PICKUP}`);
        }
        return 0;
      });
    },
  });
}

export const connectors: CommandGroup = {
  name: 'connectors',
  summary: 'Connect PBXs (Asterisk AMI) and see their status',
  commands: [add, list, show, toggle('connectors enable', 'Connect again'), toggle('connectors disable', 'Hang up on the PBX, keep the settings'), toggle('connectors remove', 'Delete a connection')],
};
