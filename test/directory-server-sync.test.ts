/**
 * The vCard, CardDAV and LDAP source types through the real sync engine (SyncService over a real
 * store, every dialect) against real servers: a local HTTP server for the .vcf file, Radicale and
 * OpenLDAP started here. A first run adds everything, a second run after one change, one removal and
 * one addition writes only those (CardDAV reading only the changes, over its sync-token), and a run
 * that fails (the connection cut mid-file, the server gone) keeps the last good entries and shows a
 * readable error on the source.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { forEachDialect } from './support/databases.ts';
import { syncHarness } from './support/sync-harness.ts';
import { startRadicale, type TestRadicale } from './support/radicale.ts';
import { startSlapd, type TestSlapd } from './support/slapd.ts';

type Case = {
  type: string;
  /** Starts the server with five people; returns the source's input options. */
  start(): Promise<Record<string, unknown>>;
  /** Person 1 gets a new number, person 2 is removed, person 6 is added. */
  change(): Promise<void>;
  /** Breaks the next run; `error` is what the source then shows. */
  breakNextRun(): Promise<void>;
  error: RegExp;
  stop(): Promise<void>;
};

const FIRST = ['Person 1', 'Person 2', 'Person 3', 'Person 4', 'Person 5'];
const SECOND = ['Person 1', 'Person 3', 'Person 4', 'Person 5', 'Person 6'];
const card = (i: number, tel = `+49 89 100${i}`) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p${i}\r\nFN:Person ${i}\r\nTEL;TYPE=WORK:${tel}\r\nEND:VCARD\r\n`;

const vcard = (): Case => {
  const cards = new Map([1, 2, 3, 4, 5].map((i) => [i, card(i)]));
  let cut = false;
  let server: Server;
  return {
    type: 'vcard',
    async start() {
      server = createServer((_req, res) => {
        const body = [...cards.values()].join('');
        res.writeHead(200, { 'content-type': 'text/vcard', 'content-length': String(body.length) });
        if (!cut) return void res.end(body);
        res.write(body.slice(0, body.length / 2));
        setTimeout(() => res.socket?.destroy(), 20);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/team.vcf`, username: 'sync', password: 'vcf-secret' };
    },
    async change() {
      cards.set(1, card(1, '+49 89 1999'));
      cards.delete(2);
      cards.set(6, card(6));
    },
    async breakNextRun() {
      cards.delete(3);
      cut = true;
    },
    error: /connection broke off|closed the connection/,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const carddav = (): Case => {
  let dav: TestRadicale;
  const put = (i: number, tel?: string) => dav.putCard('sync', 'dav-secret', 'team', `p${i}`, card(i, tel));
  return {
    type: 'carddav',
    async start() {
      dav = await startRadicale({ users: { sync: 'dav-secret' } });
      await dav.createAddressBook('sync', 'dav-secret', 'team', 'Team');
      for (let i = 1; i <= 5; i++) await put(i);
      return { url: `${dav.url}/`, username: 'sync', password: 'dav-secret', batchSize: 2 };
    },
    async change() {
      await put(1, '+49 89 1999');
      await dav.deleteCard('sync', 'dav-secret', 'team', 'p2');
      await put(6);
    },
    async breakNextRun() {
      await dav.deleteCard('sync', 'dav-secret', 'team', 'p3');
      await dav.kill();
    },
    error: /refused/,
    stop: () => dav.stop(),
  };
};

const ldap = (): Case => {
  let server: TestSlapd;
  const entry = (i: number) => `dn: uid=p${i},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: p${i}\ncn: Person ${i}\nsn: ${i}\ntelephoneNumber: +49 89 100${i}\n`;
  const admin = async (work: (client: Client) => Promise<void>) => {
    const client = new Client({ url: server.url });
    try {
      await client.bind(server.rootDn, server.rootPassword);
      await work(client);
    } finally {
      await client.unbind();
    }
  };
  return {
    type: 'ldap',
    async start() {
      server = await startSlapd({ ldif: ['dn: ou=people,dc=example,dc=com\nobjectClass: organizationalUnit\nou: people\n', ...[1, 2, 3, 4, 5].map(entry)].join('\n') });
      return { url: server.url, bindDn: server.rootDn, password: server.rootPassword, baseDn: 'ou=people,dc=example,dc=com', pageSize: 2 };
    },
    async change() {
      await admin(async (c) => {
        await c.modify('uid=p1,ou=people,dc=example,dc=com', new Change({ operation: 'replace', modification: new Attribute({ type: 'telephoneNumber', values: ['+49 89 1999'] }) }));
        await c.del('uid=p2,ou=people,dc=example,dc=com');
        await c.add('uid=p6,ou=people,dc=example,dc=com', { objectClass: 'inetOrgPerson', uid: 'p6', cn: 'Person 6', sn: '6', telephoneNumber: '+49 89 1006' });
      });
    },
    async breakNextRun() {
      await admin((c) => c.del('uid=p3,ou=people,dc=example,dc=com'));
      await server.stop();
    },
    error: /cannot reach .*ECONNREFUSED/,
    stop: () => server.stop(),
  };
};

forEachDialect('vCard, CardDAV and LDAP sources through the sync engine', (dialect) => {
  const { store, createSource, run, synced } = syncHarness(dialect);

  for (const make of [vcard, carddav, ldap]) {
    it(`${make().type}: the second run writes only the changes; a failing run keeps the entries`, async () => {
      const c = make();
      try {
        const sourceId = await createSource(c.type, await c.start());
        const first = await run(sourceId);
        assert.deepEqual([first.ok, first.added, first.changed, first.removed], [true, 5, 0, 0], JSON.stringify(first));
        assert.deepEqual([...(await synced(sourceId)).keys()], FIRST);

        await c.change();
        const second = await run(sourceId);
        assert.deepEqual([second.ok, second.added, second.changed, second.removed], [true, 1, 1, 1], JSON.stringify(second));
        const after = await synced(sourceId);
        assert.deepEqual([...after.keys()], SECOND);
        assert.deepEqual(after.get('Person 1'), ['+49 89 1999']);
        if (c.type === 'carddav') {
          assert.ok(second.read <= 3, `the sync-token round read only the changes (${second.read})`);
          assert.match((await store().sources.get('default', sourceId))?.state ?? '', /syncToken/);
        }

        await c.breakNextRun();
        const third = await run(sourceId);
        assert.equal(third.ok, false);
        assert.match(third.error ?? '', c.error);
        assert.deepEqual(await synced(sourceId), after, 'the failed run changed nothing');
        const source = await store().sources.get('default', sourceId);
        assert.match(source?.lastError ?? '', c.error);
        assert.doesNotMatch(source?.lastError ?? '', /secret|Person/);
      } finally {
        await c.stop();
      }
    });
  }

  it('ldap: a directory on loopback is refused by the SSRF guard, by address and by name, until the tenant allow-lists it', async () => {
    const server = await startSlapd({ ldif: 'dn: ou=people,dc=example,dc=com\nobjectClass: organizationalUnit\nou: people\n\n' + 'dn: uid=p1,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: p1\ncn: Person 1\nsn: 1\ntelephoneNumber: +49 89 1001\n' });
    const setAllowList = (list: string[]) => store().tenants.update('default', { deliveryAllowList: list }, new Date().toISOString());
    try {
      const options = { bindDn: server.rootDn, password: server.rootPassword, baseDn: 'ou=people,dc=example,dc=com' };
      const byAddress = await createSource('ldap', { ...options, url: server.url });
      const byName = await createSource('ldap', { ...options, url: server.url.replace('127.0.0.1', 'localhost') });
      assert.notEqual(server.url, server.url.replace('127.0.0.1', 'localhost'), 'the test server listens on 127.0.0.1');
      await setAllowList([]);
      for (const id of [byAddress, byName]) {
        const refused = await run(id);
        assert.equal(refused.ok, false);
        assert.match(refused.error ?? '', /resolves to a private address; add it to the allow-list in Settings/);
        assert.equal((await synced(id)).size, 0);
      }
      await setAllowList(['127.0.0.1', '::1']);
      for (const id of [byAddress, byName]) {
        const allowed = await run(id);
        assert.equal(allowed.ok, true, allowed.error ?? '');
        assert.deepEqual([...(await synced(id)).keys()], ['Person 1']);
      }
    } finally {
      await setAllowList(['127.0.0.1']);
      await server.stop();
    }
  });
});
