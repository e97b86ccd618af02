import { defineCommand, UsageError, type CommandGroup } from '../command.ts';
import { timestamp } from '../table.ts';
import { DEFAULT_TENANT, requireTenant, withStore } from '../with-store.ts';

const run = defineCommand({
  name: 'retention run',
  summary: 'Delete call records and delivery logs older than each tenant\'s retention period',
  description:
    'The server does this every hour by itself; run it from cron when the server runs rarely, or after\n' +
    'lowering a retention period. Deletes in small batches, so a running server keeps working.\n' +
    'Contacts are never touched. Tenants without a retention period keep everything.',
  usesStore: true,
  flags: {
    tenant: { type: 'string', value: '<id>', description: 'Only this tenant (default: every tenant with a retention period)' },
  },
  examples: ['callbridge retention run', '17 3 * * *  callbridge retention run --data-dir /var/lib/callbridge   # crontab'],
  async run({ flags, store }, io) {
    const { runRetention } = await import('../../maintenance/retention.ts');
    return withStore(store, async (s) => {
      if (flags.tenant) {
        const tenant = await requireTenant(s, flags.tenant);
        if (tenant.retentionDays === null) {
          io.out(`Tenant ${tenant.id} has no retention period; nothing deleted. Set one: callbridge retention set <days> --tenant ${tenant.id}`);
          return 0;
        }
      }
      const results = await runRetention(s, { tenantId: flags.tenant });
      if (results.length === 0) {
        io.out('No tenant has a retention period; nothing deleted. Set one: callbridge retention set <days> (or PATCH /api/v1/settings {"retentionDays": 90}).');
        return 0;
      }
      for (const r of results) {
        io.out(`Tenant ${r.tenantId} (kept ${r.days} days): deleted ${r.calls} call(s) started before ${timestamp(r.cutoff)} and ${r.deliveries} delivery log(s) created before it.`);
      }
      return 0;
    });
  },
});

const set = defineCommand({
  name: 'retention set',
  summary: 'Set how many days a tenant keeps call records and delivery logs',
  description: 'The same setting as retentionDays in PATCH /api/v1/settings. "off" keeps everything (the default).',
  usesStore: true,
  args: [{ name: '<days|off>', description: 'Whole days from 1 to 36500, or off', required: true }],
  flags: {
    tenant: { type: 'string', value: '<id>', description: `Tenant (default: ${DEFAULT_TENANT})` },
  },
  examples: ['callbridge retention set 90', 'callbridge retention set off --tenant acme'],
  async run({ flags, args, store }, io) {
    const word = args[0].trim().toLowerCase();
    let days: number | null;
    if (word === 'off') days = null;
    else {
      days = Number(word);
      if (!/^\d+$/.test(word) || days < 1 || days > 36500) throw new UsageError(`<days> must be a whole number of days from 1 to 36500, or off; not "${args[0]}"`, 'retention set');
    }
    const tenantId = flags.tenant ?? DEFAULT_TENANT;
    return withStore(store, async (s) => {
      await requireTenant(s, tenantId);
      await s.tenants.update(tenantId, { retentionDays: days }, new Date().toISOString());
      io.out(
        days === null
          ? `Tenant ${tenantId} keeps call records and delivery logs for ever.`
          : `Tenant ${tenantId} keeps call records and delivery logs for ${days} days; the server deletes older ones within the hour (or now: callbridge retention run).`,
      );
      return 0;
    });
  },
});

export const retention: CommandGroup = {
  name: 'retention',
  summary: 'Retention of call records and delivery logs (GDPR)',
  commands: [run, set],
};
