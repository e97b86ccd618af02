import type { FastifyInstance } from 'fastify';
import { CallbridgeError } from '../../core/errors.ts';
import { isKnownCountry } from '../../core/phone-numbers/phone-number.ts';
import type { Tenant, TenantPatch } from '../../storage/repositories/tenants-repository.ts';
import { parseAllowEntry } from '../../delivery/ssrf-guard.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

type SettingsPatch = { name?: string; defaultCountry?: string; areaCode?: string | null; placetelSecret?: string | null; lookupSuffixDigits?: number | null; deliveryAllowList?: string[]; retentionDays?: number | null };

const settingsSchema = {
  type: 'object',
  properties: {
    tenantId: { type: 'string' },
    name: { type: 'string' },
    defaultCountry: { type: 'string', description: 'ISO 3166-1 alpha-2 country the PBX dials in' },
    areaCode: { type: ['string', 'null'], description: 'Area code (without national prefix) for local numbers dialled without one' },
    placetelSecretSet: { type: 'boolean', description: 'Whether Placetel notify signatures are verified' },
    lookupSuffixDigits: { type: ['integer', 'null'], description: 'Match unknown numbers by their last N digits (null: off)' },
    deliveryAllowList: {
      type: 'array',
      items: { type: 'string' },
      description: 'Private or loopback destinations deliveries may reach (CIDRs, addresses, host names, *.domain); everything internal is blocked otherwise',
    },
    retentionDays: {
      type: ['integer', 'null'],
      description: 'Days call records (with events and legs) and delivery logs are kept, then deleted; contacts are not touched (null: kept for ever)',
    },
  },
} as const;

function view(t: Tenant) {
  return { tenantId: t.id, name: t.name, defaultCountry: t.defaultCountry, areaCode: t.areaCode, placetelSecretSet: t.placetelSecret !== null, lookupSuffixDigits: t.lookupSuffixDigits, deliveryAllowList: t.deliveryAllowList, retentionDays: t.retentionDays };
}

/** `GET/PATCH /api/v1/settings`: the tenant's numbering and ingest settings. Secrets are write-only. */
export async function settingsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireRole(deps.keys, ['admin']);

  app.get('/api/v1/settings', { preHandler: admin, schema: { tags: ['settings'], security: [{ apiKey: [] }], response: { 200: settingsSchema } } }, async (request) => {
    const tenant = await deps.store.tenants.get(principalOf(request).tenantId);
    if (!tenant) throw new CallbridgeError('CB_NOT_FOUND', 'Tenant not found');
    return view(tenant);
  });

  app.patch<{ Body: SettingsPatch }>(
    '/api/v1/settings',
    {
      preHandler: admin,
      schema: {
        tags: ['settings'],
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            defaultCountry: { type: 'string', minLength: 2, maxLength: 2 },
            areaCode: { type: ['string', 'null'], pattern: '^0?[1-9][0-9]{0,5}$' },
            placetelSecret: { type: ['string', 'null'], minLength: 8, maxLength: 200 },
            lookupSuffixDigits: { type: ['integer', 'null'], minimum: 6, maximum: 12 },
            deliveryAllowList: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 253 } },
            retentionDays: { type: ['integer', 'null'], minimum: 1, maximum: 36500 },
          },
        },
        response: { 200: settingsSchema, '4xx': { $ref: 'Problem#' } },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      const patch: TenantPatch = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.defaultCountry !== undefined) {
        const country = body.defaultCountry.toUpperCase();
        if (!isKnownCountry(country)) throw new CallbridgeError('CB_VALIDATION', `defaultCountry "${body.defaultCountry}" is not a country code such as DE or DK`, '/defaultCountry');
        patch.defaultCountry = country;
      }
      if (body.areaCode !== undefined) patch.areaCode = body.areaCode === null ? null : body.areaCode.replace(/^0/, '');
      if (body.lookupSuffixDigits !== undefined) patch.lookupSuffixDigits = body.lookupSuffixDigits;
      if (body.retentionDays !== undefined) patch.retentionDays = body.retentionDays;
      if (body.deliveryAllowList !== undefined) {
        for (const [i, entry] of body.deliveryAllowList.entries()) {
          if (!parseAllowEntry(entry)) throw new CallbridgeError('CB_VALIDATION', `"${entry}" is not a CIDR, an IP address or a host name`, `/deliveryAllowList/${i}`);
        }
        patch.deliveryAllowList = body.deliveryAllowList.map((e) => e.trim().toLowerCase());
      }
      if (body.placetelSecret !== undefined) patch.placetelSecret = body.placetelSecret === null ? null : deps.secrets.seal(body.placetelSecret);
      const tenant = await deps.store.tenants.update(tenantId, patch, new Date().toISOString());
      deps.settings.forget(tenantId);
      deps.delivery.destinations.forgetTenant(tenantId);
      if (!tenant) throw new CallbridgeError('CB_NOT_FOUND', 'Tenant not found');
      return view(tenant);
    },
  );
}
