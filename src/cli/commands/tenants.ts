import { CallbridgeError } from '../../core/errors.ts';
import { isKnownCountry } from '../../core/phone-numbers/phone-number.ts';
import { defineCommand, UsageError, type CommandGroup } from '../command.ts';
import { renderTable, timestamp } from '../table.ts';
import { withStore } from '../with-store.ts';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The server creates the default tenant with the same fallback (server.ts). */
const defaultCountry = () => process.env.CALLBRIDGE_DEFAULT_COUNTRY ?? 'DE';

const create = defineCommand({
  name: 'tenants create',
  summary: 'Create a tenant (a company, with its own keys, users and calls)',
  description:
    'The country and area code are how numbers the PBX sends without them are read:\n' +
    'with --country DE --area-code 30, "1234567" is +49301234567 and "030 1234567" is too.',
  usesStore: true,
  args: [{ name: '<id>', description: 'Lowercase letters, digits and dashes, e.g. acme or acme-berlin (at most 63)', required: true }],
  flags: {
    name: { type: 'string', value: '<name>', description: 'Display name (default: the id)' },
    country: {
      type: 'string',
      value: '<code>',
      description: 'ISO 3166 country the PBX dials in, e.g. DE, AT, CH (default: CALLBRIDGE_DEFAULT_COUNTRY or DE)',
    },
    'area-code': { type: 'string', value: '<digits>', description: 'Area code without the leading 0, e.g. 30 for Berlin' },
  },
  examples: ['callbridge tenants create acme --name "ACME GmbH" --country DE --area-code 30'],
  async run({ args, flags, store }, io) {
    const id = args[0];
    if (!TENANT_ID.test(id)) {
      throw new UsageError(`tenant id "${id}" must be lowercase letters, digits and dashes (not first), at most 63`, 'tenants create');
    }
    const name = (flags.name ?? id).trim();
    if (!name || name.length > 200) throw new UsageError('--name must be 1 to 200 characters', 'tenants create');
    const country = (flags.country ?? defaultCountry()).trim().toUpperCase();
    if (!isKnownCountry(country)) {
      throw new UsageError(`--country must be a two-letter country code with phone numbering rules (DE, AT, CH …), not "${country}"`, 'tenants create');
    }
    let areaCode: string | null = null;
    if (flags['area-code'] !== undefined) {
      const digits = flags['area-code'].trim();
      if (!/^\d{1,8}$/.test(digits)) throw new UsageError(`--area-code must be digits only, e.g. 30, not "${digits}"`, 'tenants create');
      // "030" is how people write Berlin's; the stored form has no national prefix.
      areaCode = digits.replace(/^0+/, '') || null;
      if (!areaCode) throw new UsageError('--area-code must not be all zeros', 'tenants create');
    }
    return withStore(store, async (s) => {
      const created = await s.tenants.create({ id, name, defaultCountry: country, areaCode }, new Date().toISOString());
      if (!created) throw new CallbridgeError('CB_CONFLICT', `tenant "${id}" already exists`);
      io.out(`Created tenant ${id} ("${name}", country ${country}${areaCode ? `, area code ${areaCode}` : ''}).`);
      io.out(`Next: callbridge keys create --tenant ${id} --name "…" --role admin`);
      return 0;
    });
  },
});

const list = defineCommand({
  name: 'tenants list',
  summary: 'List tenants',
  usesStore: true,
  flags: {},
  async run({ store }, io) {
    return withStore(store, async (s) => {
      const tenants = await s.tenants.list();
      if (tenants.length === 0) {
        io.out('No tenants yet; `callbridge serve` creates "default", or: callbridge tenants create <id>');
        return 0;
      }
      const rows = tenants.map((t) => [t.id, t.name, t.defaultCountry, t.areaCode ?? '-', timestamp(t.createdAt)]);
      io.out(renderTable(['ID', 'NAME', 'COUNTRY', 'AREA CODE', 'CREATED'], rows));
      return 0;
    });
  },
});

export const tenants: CommandGroup = { name: 'tenants', summary: 'Create and list tenants', commands: [create, list] };
