/**
 * The CRM tables on SQLite and PostgreSQL: connections unique by name per tenant, mappings replaced
 * as a whole, a written activity recorded once per connection and call, everything gone with the
 * connection.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_JOURNAL_RULES, type CrmConnectionRecord } from '../src/storage/repositories/crm-repository.ts';
import { forEachDialect } from './support/databases.ts';

forEachDialect('CRM storage', (dialect) => {
  it('stores connections, mappings and written activities', async () => {
    const store = await dialect.open();
    try {
      const now = '2026-11-23T09:00:00.000Z';
      await store.tenants.create({ id: 't1', name: 'T1', defaultCountry: 'DE', areaCode: null }, now);
      await store.tenants.create({ id: 't2', name: 'T2', defaultCountry: 'DE', areaCode: null }, now);
      const c: CrmConnectionRecord = { id: 'c1', tenantId: 't1', type: 'salesforce', name: 'SF', enabled: true, lookup: true, journal: { ...DEFAULT_JOURNAL_RULES, language: 'en' }, options: { loginUrl: 'https://login.salesforce.com' }, secrets: 'v1:sealed', createdAt: now, updatedAt: now };
      assert.equal(await store.crm.insert(c), true);
      assert.equal(await store.crm.insert({ ...c, id: 'c2' }), false, 'names are unique per tenant');
      assert.equal(await store.crm.insert({ ...c, id: 'c3', tenantId: 't2' }), true, 'another tenant may use the name');
      assert.deepEqual(await store.crm.get('t1', 'c1'), c);
      assert.equal(await store.crm.get('t2', 'c1'), undefined, 'not across tenants');
      assert.equal((await store.crm.find('SF', 't2'))?.id, 'c3');

      await store.crm.setMappings('c1', [{ extension: '201', crmUserId: 'U1', logCalls: 'both' }, { extension: '202', crmUserId: 'U2', logCalls: 'lost' }]);
      await store.crm.setMappings('c1', [{ extension: '203', crmUserId: 'U3', logCalls: 'answered' }]);
      assert.deepEqual(await store.crm.mappings('c1'), [{ extension: '203', crmUserId: 'U3', logCalls: 'answered' }]);

      assert.equal(await store.crm.activity('c1', 'call-1'), undefined);
      await store.crm.recordActivity('c1', 'call-1', '00T1', now);
      await store.crm.recordActivity('c1', 'call-1', '00T2', now);
      assert.deepEqual(await store.crm.activity('c1', 'call-1'), { externalId: '00T1', loggedAt: now }, 'the first record stays');

      await store.crm.update({ ...c, enabled: false, journal: { ...c.journal, missedCalls: false }, updatedAt: '2026-11-23T10:00:00.000Z' });
      const changed = (await store.crm.get('t1', 'c1'))!;
      assert.deepEqual([changed.enabled, changed.journal.missedCalls, changed.createdAt], [false, false, now]);

      assert.equal(await store.crm.delete('t1', 'c1'), true);
      assert.deepEqual(await store.crm.mappings('c1'), []);
      assert.equal(await store.crm.activity('c1', 'call-1'), undefined);
    } finally {
      await store.close();
    }
  });
});
