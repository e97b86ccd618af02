/**
 * `callbridge crm list|test`: CRM connections as stored, and a dry-run lookup through one of them
 * (the same connector, SSRF guard and allow-list as the server). Connections are created through the
 * API (`POST /api/v1/crm/connections`, docs/connectors/).
 */
import { loadConfig } from '../../config/config.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { defineCommand, UsageError, type CommandGroup, type StoreFlags } from '../command.ts';
import { renderTable } from '../table.ts';
import { withStore } from '../with-store.ts';

async function secretBox(flags: StoreFlags) {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.database });
  const { SecretBox } = await import('../../storage/secret-box.ts');
  return SecretBox.fromEnvOrFile(config.secretKey, config.dataDir);
}

const list = defineCommand({
  name: 'crm list',
  summary: 'List CRM connections: type, lookup, journaling rules',
  usesStore: true,
  flags: { tenant: { type: 'string', value: '<id>', description: 'Only this tenant (default: every tenant)' } },
  async run({ flags, store }, io) {
    return withStore(store, async (s) => {
      const tenants = flags.tenant ? [flags.tenant] : (await s.tenants.list()).map((t) => t.id);
      const rows: string[][] = [];
      for (const tenantId of tenants) {
        for (const c of await s.crm.list(tenantId)) {
          const j = c.journal;
          const journal = j.enabled ? [`${j.language}`, j.missedCalls ? 'missed' : '', j.unknownCallers ? 'unknown' : '', j.createAccountForUnknown ? 'create-account' : ''].filter(Boolean).join(',') : 'off';
          rows.push([c.id, c.name, c.type, c.tenantId, c.enabled ? 'yes' : 'no', c.lookup ? 'yes' : 'no', journal]);
        }
      }
      if (rows.length === 0) {
        io.out('No CRM connections. Create one with POST /api/v1/crm/connections (docs/connectors/salesforce-crm.md, rest-crm.md).');
        return 0;
      }
      io.out(renderTable(['ID', 'NAME', 'TYPE', 'TENANT', 'ENABLED', 'LOOKUP', 'JOURNAL'], rows));
      return 0;
    });
  },
});

const test = defineCommand({
  name: 'crm test',
  summary: 'Look a number up through a CRM connection (dry run: nothing is written)',
  usesStore: true,
  args: [{ name: '<id-or-name>', description: 'ID or NAME from `crm list`', required: true }],
  flags: {
    number: { type: 'string', value: '<number>', description: 'International number, e.g. +49301234567', required: true },
    tenant: { type: 'string', value: '<id>', description: 'Tenant of the connection (when names repeat across tenants)' },
  },
  examples: ['callbridge crm test "Salesforce ansitel" --number +49301234567'],
  async run({ args, flags, store }, io) {
    const number = flags.number.replace(/[\s()/-]/g, '');
    if (!/^\+[1-9]\d{4,14}$/.test(number)) throw new UsageError('--number must be an international number (+49…)', 'crm test');
    const box = await secretBox(store);
    return withStore(store, async (s) => {
      const record = await s.crm.find(args[0], flags.tenant);
      if (!record) throw new CallbridgeError('CB_NOT_FOUND', `no CRM connection "${args[0]}"; see callbridge crm list`);
      const { SafeDispatchers } = await import('../../delivery/safe-dispatcher.ts');
      const { CrmConnections } = await import('../../connectors/crm/crm-connections.ts');
      const { CrmError } = await import('../../connectors/crm/crm-error.ts');
      const { phoneForms } = await import('../../connectors/crm/phone-forms.ts');
      const dispatchers = new SafeDispatchers();
      try {
        const allowList = (await s.tenants.get(record.tenantId))?.deliveryAllowList ?? [];
        const connector = new CrmConnections(s, box, dispatchers).build(record, allowList);
        const result = await connector.findContactByPhone(phoneForms(number), AbortSignal.timeout(15_000));
        if (result.outcome === 'not_found') io.out(`${record.name}: ${number} is not in the CRM.`);
        else {
          const c = result.contact;
          io.out(renderTable(['ID', 'KIND', 'NAME', 'COMPANY', 'E-MAIL'], [[c.id, c.kind, c.name ?? '', c.company ?? '', c.email ?? '']]));
        }
        return 0;
      } catch (err) {
        if (err instanceof CrmError) throw new CallbridgeError('CB_CRM_FAILED', `${record.name}: ${err.message}`);
        throw err;
      } finally {
        await dispatchers.close();
      }
    });
  },
});

export const crm: CommandGroup = { name: 'crm', summary: 'CRM connections: list them, test a lookup', commands: [list, test] };
