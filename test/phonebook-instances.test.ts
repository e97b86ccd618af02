/**
 * Two instances over one database: what one writes, the other's in-memory index shows after its next
 * refresh (the change feed), including deletions — on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bootstrap } from '../src/compose.ts';
import { TenantSettingsCache } from '../src/journal/tenant-settings.ts';
import { PhonebookService } from '../src/phonebook/phonebook-service.ts';
import { forEachDialect } from './support/databases.ts';

forEachDialect('phonebook across instances', (dialect) => {
  it('keeps every instance’s index consistent with the others’ writes', async () => {
    const store = await dialect.open();
    try {
      await bootstrap(store, 'DE');
      await store.tenants.update('default', { areaCode: '30' }, new Date().toISOString());
      const a = new PhonebookService(store, new TenantSettingsCache(store));
      const b = new PhonebookService(store, new TenantSettingsCache(store));
      await a.start(60_000);
      await b.start(60_000);
      try {
        assert.equal((await b.lookup('default', '030 2222222')).match, null);
        const created = await a.create('default', { name: 'Neu Kunde', numbers: [{ number: '030 2222222' }] });
        assert.equal((await a.lookup('default', '030 2222222')).match?.contactId, created.id, 'the writer sees it at once');
        await b.refresh();
        assert.equal((await b.lookup('default', '+49302222222')).match?.contactId, created.id, 'the other after a refresh');
        await a.update('default', created.id, { numbers: [{ number: '030 3333333' }] });
        await b.refresh();
        assert.equal((await b.lookup('default', '030 2222222')).match, null, 'old number forgotten');
        assert.equal((await b.lookup('default', '030 3333333')).match?.contactId, created.id);
        await a.delete('default', created.id);
        await b.refresh();
        assert.equal((await b.lookup('default', '030 3333333')).match, null, 'deletion seen');
      } finally {
        a.stop();
        b.stop();
      }
    } finally {
      await store.close();
    }
  });
});
