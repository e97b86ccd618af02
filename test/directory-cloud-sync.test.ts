/**
 * The cloud/CRM source types through the real sync engine (SyncService over a real store, every
 * dialect) against their simulators: a first run adds everything, a second run after a few changes
 * writes only those changes (Microsoft 365 through its delta link), and a run that fails mid-stream
 * keeps the entries of the last good run and shows a readable error on the source.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDialect } from './support/databases.ts';
import { syncHarness } from './support/sync-harness.ts';
import { GraphSimulator } from './simulators/graph/graph-simulator.ts';
import { SalesforceSimulator } from './simulators/salesforce/salesforce-simulator.ts';
import { SugarSimulator } from './simulators/sugarcrm/sugarcrm-simulator.ts';
import { EwsSimulator } from './simulators/ews/ews-simulator.ts';

type Case = {
  type: string;
  /** Starts a simulator with five records on several pages; returns the source's input options. */
  start(): Promise<Record<string, unknown>>;
  /** One record changed, one removed, one added. */
  change(): void;
  /** Another removal, then a failure on the second request of the next run. */
  breakNextRun(): void;
  stop(): Promise<void>;
  /** The synced names the simulator holds before and after `change()`. */
  names: { first: string[]; second: string[] };
};

const graph = (): Case => {
  const sim = new GraphSimulator({ tenantId: 't1', clientId: 'app', clientSecret: 'graph-secret', pageSize: 2 });
  return {
    type: 'microsoft-365',
    async start() {
      const urls = await sim.start();
      for (let i = 1; i <= 5; i++) sim.upsertUser({ id: `u${i}`, displayName: `User ${i}`, businessPhones: [`+49 30 100${i}`] });
      return { tenantId: 't1', clientId: 'app', clientSecret: 'graph-secret', orgContacts: false, ...urls };
    },
    change() {
      sim.upsertUser({ id: 'u1', displayName: 'User 1', businessPhones: ['+49 30 1999'] });
      sim.deleteUser('u2');
      sim.upsertUser({ id: 'u6', displayName: 'User 6', mobilePhone: '+49 171 6' });
    },
    breakNextRun() {
      sim.deleteUser('u3');
      sim.onApiRequest = (_path, index) => index === 0 && sim.throttle(1, 3600);
    },
    stop: () => sim.stop(),
    names: { first: ['User 1', 'User 2', 'User 3', 'User 4', 'User 5'], second: ['User 1', 'User 3', 'User 4', 'User 5', 'User 6'] },
  };
};

const salesforce = (): Case => {
  const sim = new SalesforceSimulator();
  sim.batchSize = 2;
  sim.users.push({ username: 'sync@acme.example', password: 'pw', securityToken: 'TKN', apiEnabled: true });
  return {
    type: 'salesforce',
    async start() {
      const loginUrl = await sim.start();
      for (let i = 1; i <= 5; i++) sim.contacts.set(`003${i}`, { Id: `003${i}`, FirstName: 'Contact', LastName: String(i), Phone: `+49 30 200${i}` });
      return { loginUrl, username: 'sync@acme.example', password: 'pw', securityToken: 'TKN', accounts: false };
    },
    change() {
      sim.contacts.set('0031', { Id: '0031', FirstName: 'Contact', LastName: '1', Phone: '+49 30 2999' });
      sim.contacts.delete('0032');
      sim.contacts.set('0036', { Id: '0036', FirstName: 'Contact', LastName: '6', MobilePhone: '+49 171 6' });
    },
    breakNextRun() {
      sim.contacts.delete('0033');
      sim.onApiRequest = (_path, index) => index === 1 && sim.throttle(1, 3600);
    },
    stop: () => sim.stop(),
    names: { first: ['Contact 1', 'Contact 2', 'Contact 3', 'Contact 4', 'Contact 5'], second: ['Contact 1', 'Contact 3', 'Contact 4', 'Contact 5', 'Contact 6'] },
  };
};

const sugarcrm = (): Case => {
  const sim = new SugarSimulator();
  sim.users.set('sync', 'pw');
  sim.platforms.add('callbridge');
  return {
    type: 'sugarcrm',
    async start() {
      const url = await sim.start();
      for (let i = 1; i <= 5; i++) sim.modules.Contacts.set(`c${i}`, { id: `c${i}`, first_name: 'Kontakt', last_name: String(i), phone_work: `+49 30 300${i}` });
      return { url, username: 'sync', password: 'pw', accounts: false, pageSize: 2 };
    },
    change() {
      sim.modules.Contacts.set('c1', { id: 'c1', first_name: 'Kontakt', last_name: '1', phone_work: '+49 30 3999' });
      sim.modules.Contacts.delete('c2');
      sim.modules.Contacts.set('c6', { id: 'c6', first_name: 'Kontakt', last_name: '6', phone_mobile: '+49 171 6' });
    },
    breakNextRun() {
      sim.modules.Contacts.delete('c3');
      sim.onApiRequest = (_path, index) => index === 1 && sim.throttle(1, 3600);
    },
    stop: () => sim.stop(),
    names: { first: ['Kontakt 1', 'Kontakt 2', 'Kontakt 3', 'Kontakt 4', 'Kontakt 5'], second: ['Kontakt 1', 'Kontakt 3', 'Kontakt 4', 'Kontakt 5', 'Kontakt 6'] },
  };
};

const ews = (): Case => {
  const sim = new EwsSimulator();
  sim.users.set('empfang@example.com', 'pw');
  const folder = Array.from({ length: 5 }, (_, i) => ({ id: `AAMk${i + 1}`, displayName: `Eintrag ${i + 1}`, phones: { BusinessPhone: `+49 30 400${i + 1}` } as Record<string, string> }));
  sim.mailboxes.set('empfang@example.com', { readers: [], contacts: folder });
  return {
    type: 'exchange-ews',
    async start() {
      return { url: await sim.start(), username: 'empfang@example.com', password: 'pw', pageSize: 2 };
    },
    change() {
      folder[0] = { id: 'AAMk1', displayName: 'Eintrag 1', phones: { BusinessPhone: '+49 30 4999' } };
      folder.splice(1, 1);
      folder.push({ id: 'AAMk6', displayName: 'Eintrag 6', phones: { MobilePhone: '+49 171 6' } });
    },
    breakNextRun() {
      folder.splice(1, 1);
      sim.busy(1, 3_600_000);
    },
    stop: () => sim.stop(),
    names: { first: ['Eintrag 1', 'Eintrag 2', 'Eintrag 3', 'Eintrag 4', 'Eintrag 5'], second: ['Eintrag 1', 'Eintrag 3', 'Eintrag 4', 'Eintrag 5', 'Eintrag 6'] },
  };
};

forEachDialect('cloud and CRM sources through the sync engine', (dialect) => {
  const { store, createSource, run, synced } = syncHarness(dialect);
  const syncedNames = async (sourceId: string) => [...(await synced(sourceId)).keys()];

  for (const make of [graph, salesforce, sugarcrm, ews]) {
    it(`${make().type}: the second run writes only the changes; a failing run keeps the entries`, async () => {
      const c = make();
      try {
        const sourceId = await createSource(c.type, await c.start());
        const first = await run(sourceId);
        assert.deepEqual([first.ok, first.added, first.changed, first.removed], [true, 5, 0, 0], JSON.stringify(first));
        assert.deepEqual(await syncedNames(sourceId), c.names.first);

        c.change();
        const second = await run(sourceId);
        assert.deepEqual([second.ok, second.added, second.changed, second.removed], [true, 1, 1, 1], JSON.stringify(second));
        assert.deepEqual(await syncedNames(sourceId), c.names.second);
        if (c.type === 'microsoft-365') {
          assert.equal(second.read, 3, 'the delta round read only the three changed users');
          assert.match((await store().sources.get('default', sourceId))?.state ?? '', /deltatoken/);
        }

        c.breakNextRun();
        const third = await run(sourceId);
        assert.equal(third.ok, false);
        assert.match(third.error ?? '', /asked to wait 3600 s/);
        assert.deepEqual(await syncedNames(sourceId), c.names.second, 'the failed run changed nothing');
        const source = await store().sources.get('default', sourceId);
        assert.match(source?.lastError ?? '', /asked to wait 3600 s/);
        assert.doesNotMatch(source?.lastError ?? '', /secret|pw|TKN/);
      } finally {
        await c.stop();
      }
    });
  }
});
