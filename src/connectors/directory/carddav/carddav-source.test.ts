/**
 * The `carddav` source against a real Radicale started for these tests: discovery, a full first run,
 * incremental runs over sync-collection (changed, removed, added cards), a refused sync-token, several
 * address books, wrong password, unreachable server, and the server killed in the middle of a run.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SourceItem } from '../directory-source.ts';
import { freePort } from '../../../../test/support/ports.ts';
import { startRadicale, type TestRadicale } from '../../../../test/support/radicale.ts';
import { fails, readContext, readSource, records } from '../../../../test/support/source-run.ts';
import { carddavSourceType } from './carddav-source.ts';

const vcard = (uid: string, name: string, tel: string, extra = '') =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${name}\r\nN:${name.split(' ').reverse().join(';')};;;\r\nTEL;TYPE=WORK:${tel}\r\n${extra}END:VCARD\r\n`;

const USER = 'anna';
const PW = 'any';
const summary = (items: SourceItem[]) =>
  items.map((i) => (i.type === 'record' ? `+${i.recordId.split('/').pop()} ${i.contact.name}` : i.type === 'removed' ? `-${i.recordId.split('/').pop()}` : i.type === 'skipped' ? `?${i.recordId?.split('/').pop()} ${i.reason}` : `unexpected ${i.type}`)).sort();

describe('carddav source', () => {
  let dav: TestRadicale;
  before(async () => {
    dav = await startRadicale();
    await dav.createAddressBook(USER, PW, 'contacts', 'Kontakte');
    await dav.putCard(USER, PW, 'contacts', 'c1', vcard('c1', 'Anna Beispiel', '+49 89 445566-12', 'ORG:Beispiel GmbH\r\nEMAIL:anna@beispiel.example\r\n'));
    await dav.putCard(USER, PW, 'contacts', 'c2', vcard('c2', 'Bernd Brot', '+49 30 1234567'));
    await dav.putCard(USER, PW, 'contacts', 'c3', vcard('c3', 'Carla Cello', '+49 40 7654321'));
    await dav.putCard(USER, PW, 'contacts', 'c4', 'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c4\r\nFN:Nur Mail\r\nEMAIL:mail@example.org\r\nEND:VCARD\r\n');
    await dav.putCard(USER, PW, 'contacts', 'c5', 'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c5\r\nKIND:org\r\nFN:Beispiel GmbH\r\nTEL;VALUE=uri;TYPE=work:tel:+49-89-445566-0\r\nEND:VCARD\r\n');
  });
  after(async () => {
    await dav?.stop();
  });
  const options = (extra: object = {}) => ({ url: `${dav.url}/`, username: USER, password: PW, ...extra });

  it('discovers the address book, reads it in full, then only what changed', async () => {
    const first = await readSource(carddavSourceType, options({ batchSize: 2 }));
    assert.equal(first.run.full, true);
    assert.deepEqual(summary(first.items), ['+c1.vcf Anna Beispiel', '+c2.vcf Bernd Brot', '+c3.vcf Carla Cello', '+c5.vcf Beispiel GmbH', '?c4.vcf no phone number']);
    const anna = records(first.items).find((r) => r.recordId === `/${USER}/contacts/c1.vcf`);
    assert.deepEqual(anna?.contact, { name: 'Anna Beispiel', company: 'Beispiel GmbH', kind: 'person', numbers: [{ number: '+49 89 445566-12', type: 'business' }], emails: ['anna@beispiel.example'], notes: null });
    assert.equal(records(first.items).find((r) => r.recordId.endsWith('c5.vcf'))?.contact.kind, 'company');
    assert.deepEqual(first.progress, [2, 4, 5]);
    const state = JSON.parse(first.state ?? 'null');
    assert.equal(state.collection, `${dav.url}/${USER}/contacts/`);
    assert.match(state.syncToken, /^http:\/\/radicale\.org\/ns\/sync\//);

    await dav.putCard(USER, PW, 'contacts', 'c2', vcard('c2', 'Bernd Brot-Neu', '+49 30 1234568'));
    await dav.deleteCard(USER, PW, 'contacts', 'c3');
    await dav.putCard(USER, PW, 'contacts', 'c6', vcard('c6', 'Dora Dach', '+49 221 999'));
    const second = await readSource(carddavSourceType, options(), { state: first.state });
    assert.equal(second.run.full, false);
    assert.deepEqual(summary(second.items), ['+c2.vcf Bernd Brot-Neu', '+c6.vcf Dora Dach', '-c3.vcf']);
    assert.notEqual(JSON.parse(second.state ?? 'null').syncToken, state.syncToken);

    const third = await readSource(carddavSourceType, options(), { state: second.state });
    assert.equal(third.run.full, false);
    assert.deepEqual(third.items, []);
  });

  it('falls back to a full run when the server refuses the stored sync-token', async () => {
    const collection = `${dav.url}/${USER}/contacts/`;
    const stale = JSON.stringify({ collection, syncToken: 'http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000' });
    const run = await readSource(carddavSourceType, options({ url: collection }), { state: stale });
    assert.equal(run.run.full, true);
    assert.equal(records(run.items).length, 4);
    assert.notEqual(JSON.parse(run.state ?? 'null').syncToken, JSON.parse(stale).syncToken);
    const elsewhere = JSON.stringify({ collection: `${dav.url}/${USER}/other/`, syncToken: 'x' });
    assert.equal((await readSource(carddavSourceType, options({ url: collection }), { state: elsewhere })).run.full, true, 'state of another collection is not used');
  });

  it('uses the ctag on a server without sync-token: nothing to do while it stays, a full run once it moves', async () => {
    // An older server: Radicale's answers without sync-token (its getctag stays).
    const noSyncToken: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== 'PROPFIND') return response;
      const body = (await response.text()).replace(/<sync-token>[^<]*<\/sync-token>/g, '');
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const collection = `${dav.url}/${USER}/contacts/`;
    const first = await readSource(carddavSourceType, options({ url: collection }), { fetch: noSyncToken });
    assert.equal(first.run.full, true);
    assert.equal(records(first.items).length, 4);
    const state = JSON.parse(first.state ?? 'null');
    assert.equal(state.syncToken, undefined);
    assert.match(state.ctag, /^"/);
    const same = await readSource(carddavSourceType, options({ url: collection }), { fetch: noSyncToken, state: first.state });
    assert.deepEqual([same.run.full, same.items.length], [false, 0]);
    await dav.putCard(USER, PW, 'contacts', 'c7', vcard('c7', 'Emil Eck', '+49 69 7'));
    const moved = await readSource(carddavSourceType, options({ url: collection }), { fetch: noSyncToken, state: first.state });
    assert.equal(moved.run.full, true);
    assert.equal(records(moved.items).length, 5);
    assert.notEqual(JSON.parse(moved.state ?? 'null').ctag, state.ctag);
    await dav.deleteCard(USER, PW, 'contacts', 'c7');
  });

  it('asks again from the new token when the server truncates the sync-collection answer (507)', async () => {
    const collection = `${dav.url}/${USER}/contacts/`;
    const base = await readSource(carddavSourceType, options({ url: collection }));
    await dav.putCard(USER, PW, 'contacts', 'c8', vcard('c8', 'Fritz Fuchs', '+49 69 8'));
    // The first answer claims truncation (RFC 6578 §3.6) and hands back the old token: the reader
    // must ask again from it, and the second (real) answer holds the change.
    let reports = 0;
    const truncating: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== 'REPORT' || !String(init.body).includes('sync-collection') || reports++ > 0) return response;
      await response.text();
      const token = JSON.parse(base.state ?? 'null').syncToken;
      const body = `<?xml version="1.0"?><multistatus xmlns="DAV:"><response><href>/${USER}/contacts/</href><status>HTTP/1.1 507 Insufficient Storage</status></response><sync-token>${token}</sync-token></multistatus>`;
      return new Response(body, { status: 207, headers: { 'content-type': 'application/xml' } });
    };
    const next = await readSource(carddavSourceType, options({ url: collection }), { fetch: truncating, state: base.state });
    assert.equal(reports, 2);
    assert.equal(next.run.full, false);
    assert.deepEqual(summary(next.items), ['+c8.vcf Fritz Fuchs']);
    await dav.deleteCard(USER, PW, 'contacts', 'c8');
  });

  it('asks which address book when the account has several, and reads the one named', async () => {
    await dav.createAddressBook(USER, PW, 'team', 'Team');
    await dav.putCard(USER, PW, 'team', 't1', vcard('t1', 'Tina Team', '+49 711 1'));
    await assert.rejects(readSource(carddavSourceType, options()), fails('remote', /2 address books \((Kontakte, Team|Team, Kontakte)\): set addressBook/));
    const team = await readSource(carddavSourceType, options({ addressBook: 'team' }));
    assert.deepEqual(summary(team.items), ['+t1.vcf Tina Team']);
    await assert.rejects(readSource(carddavSourceType, options({ addressBook: 'Privat' })), fails('remote', /no address book "Privat"/));
  });

  it('says so when nothing listens or the URL is no CardDAV server', async () => {
    const port = await freePort();
    await assert.rejects(readSource(carddavSourceType, options({ url: `http://127.0.0.1:${port}/` })), fails('unreachable', /refused/));
    const web = createServer((_, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome</html>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const address = web.address() as AddressInfo;
      await assert.rejects(readSource(carddavSourceType, options({ url: `http://127.0.0.1:${address.port}/` })), fails('remote', /answered PROPFIND with HTTP 200: is this a CardDAV URL\?/));
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });

  it('rejects a password without a username', () => {
    const checked = carddavSourceType.check({ url: 'https://dav.example.com/', password: 'x' });
    assert.equal(checked.ok ? null : checked.field, '/username');
    assert.equal(carddavSourceType.check({ url: 'ftp://dav.example.com/' }).ok, false);
  });
});

describe('carddav source with authentication', () => {
  let dav: TestRadicale;
  before(async () => {
    dav = await startRadicale({ users: { bob: 'right-password' } });
    await dav.createAddressBook('bob', 'right-password', 'book');
    for (let i = 0; i < 6; i++) await dav.putCard('bob', 'right-password', 'book', `k${i}`, vcard(`k${i}`, `Kunde ${i}`, `+49 89 100${i}`));
  });
  after(async () => {
    await dav?.stop();
  });

  it('reads with the right password and says so on a wrong one', async () => {
    const good = await readSource(carddavSourceType, { url: `${dav.url}/`, username: 'bob', password: 'right-password' });
    assert.equal(records(good.items).length, 6);
    await assert.rejects(readSource(carddavSourceType, { url: `${dav.url}/`, username: 'bob', password: 'wrong' }), fails('auth', /username or password \(HTTP 401\)/));
  });

  it('fails the run when the server dies in the middle of it', async () => {
    let multigets = 0;
    const fetchThenKill: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'REPORT' && String(init.body).includes('addressbook-multiget') && ++multigets === 1) {
        const body = await response.text();
        await dav.kill();
        return new Response(body, { status: response.status, headers: response.headers });
      }
      return response;
    };
    const checked = carddavSourceType.check({ url: `${dav.url}/bob/book/`, username: 'bob', password: 'right-password', batchSize: 2 });
    assert.ok(checked.ok);
    const run = await carddavSourceType.open(checked.options, readContext({ fetch: fetchThenKill }));
    const seen: SourceItem[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of run.items) seen.push(item);
      })(),
      fails('unreachable', /refused|broke off|closed/),
    );
    assert.equal(seen.length, 2, 'the first batch arrived, then the run failed');
  });
});
