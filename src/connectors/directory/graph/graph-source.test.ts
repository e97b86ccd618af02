/**
 * The microsoft-365 reader against the Graph simulator (test/simulators/graph): paging, every phone
 * field, token expiry mid-run, throttling, delta rounds, expired delta links, failures.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { GraphSimulator } from '../../../../test/simulators/graph/graph-simulator.ts';
import { fails, readSource, recordsById } from '../../../../test/support/source-run.ts';
import { SourceError } from '../directory-source.ts';
import { microsoft365Source } from './graph-source.ts';

const SECRET = 'sim~secret~value-123';

describe('microsoft-365 source', () => {
  let sim: GraphSimulator;
  let urls: { authorityUrl: string; graphUrl: string };
  const options = (extra: Record<string, unknown> = {}) => ({ tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', clientSecret: SECRET, ...urls, ...extra });

  beforeEach(async () => {
    await sim?.stop();
    sim = new GraphSimulator({ tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', clientSecret: SECRET, pageSize: 3 });
    urls = await sim.start();
    for (let i = 1; i <= 8; i++) sim.upsertUser({ id: `u${i}`, displayName: `User ${i}`, companyName: 'Contoso', mail: `user${i}@contoso.com`, businessPhones: [`+49 30 1000${i}`] });
    sim.upsertUser({ id: 'u-all', displayName: 'Anna Alle', givenName: 'Anna', surname: 'Alle', companyName: 'Contoso', mail: 'anna@contoso.com', businessPhones: ['+49 30 2000', '+49 30 2001'], mobilePhone: '+49 171 2000', faxNumber: '+49 30 2009' });
    sim.upsertUser({ id: 'u-nophone', displayName: 'Room 4.12', mail: 'room412@contoso.com' });
    sim.upsertOrgContact({ id: 'c1', displayName: 'Bernd Extern', companyName: 'Fabrikam', mail: 'bernd@fabrikam.com', phones: [
      { type: 'business', number: '+49 89 300' }, { type: 'businessFax', number: '+49 89 309' }, { type: 'mobile', number: '+49 160 300' },
      { type: 'home', number: '+49 89 777' }, { type: 'homeFax', number: '+49 89 778' }, { type: 'otherFax', number: '+49 89 779' }, { type: 'pager', number: '+49 89 555' },
    ] });
    sim.upsertOrgContact({ id: 'c2', givenName: 'Carla', surname: 'Klein', phones: [{ type: 'business', number: '+43 1 400' }] });
  });
  after(async () => sim.stop());

  it('has a stable type id and validates options: defaults filled, one collection needed, unknown options named', () => {
    assert.equal(microsoft365Source.id, 'microsoft-365');
    const ok = microsoft365Source.check({ tenantId: 't', clientId: 'c', clientSecret: 's' });
    assert.ok(ok.ok);
    assert.equal(ok.options.graphUrl, 'https://graph.microsoft.com');
    assert.equal(ok.options.authorityUrl, 'https://login.microsoftonline.com');
    assert.deepEqual(microsoft365Source.check({ tenantId: 't', clientId: 'c', clientSecret: 's', users: false, orgContacts: false }), { ok: false, field: '/users', message: 'choose at least one of users, orgContacts or mailbox' });
    const unknown = microsoft365Source.check({ tenantId: 't', clientId: 'c', clientSecret: 's', colour: 'blue' });
    assert.equal(!unknown.ok && unknown.field, '/colour');
    assert.deepEqual(microsoft365Source.secretOptions, ['clientSecret']);
  });

  it('reads users and organizational contacts across pages with every phone field; a token expiring mid-run is renewed', async () => {
    sim.onApiRequest = (_path, index) => index === 2 && sim.expireTokens();
    const run = await readSource(microsoft365Source, options());
    assert.equal(run.full, true);
    const byId = recordsById(run);
    assert.equal(byId.size, 11);
    assert.deepEqual(byId.get('users:u-all'), {
      name: 'Anna Alle', company: 'Contoso', kind: 'person', emails: ['anna@contoso.com'], notes: null,
      numbers: [{ number: '+49 30 2000', type: 'business' }, { number: '+49 30 2001', type: 'business' }, { number: '+49 171 2000', type: 'mobile' }, { number: '+49 30 2009', type: 'fax' }],
    });
    assert.deepEqual(byId.get('contacts:c1')?.numbers, [
      { number: '+49 89 300', type: 'business' }, { number: '+49 89 309', type: 'fax' }, { number: '+49 160 300', type: 'mobile' },
      { number: '+49 89 777', type: 'home' }, { number: '+49 89 778', type: 'fax' }, { number: '+49 89 779', type: 'fax' }, { number: '+49 89 555', type: 'other' },
    ]);
    assert.equal(byId.get('contacts:c2')?.name, 'Carla Klein');
    assert.deepEqual(run.items.filter((i) => i.type === 'skipped'), [{ type: 'skipped', recordId: 'users:u-nophone', reason: 'no phone number' }]);
    const userPages = sim.requests.filter((r) => r.path === '/v1.0/users/delta' && r.status === 200).length;
    assert.equal(userPages, 4, '10 users at 3 a page');
    assert.equal(sim.requests.filter((r) => r.status === 401).length, 1, 'one request met the expired token');
    assert.equal(sim.tokensIssued, 2, 'one new token after expiry');
    assert.equal(run.progress.at(-1), 12);
    assert.ok(run.state && JSON.parse(run.state).links.users.includes('$deltatoken='));
  });

  it('a second run follows the delta links and yields only the changes', async () => {
    const first = await readSource(microsoft365Source, options());
    sim.upsertUser({ id: 'u3', displayName: 'User 3', companyName: 'Contoso', businessPhones: ['+49 30 99999'] });
    sim.upsertUser({ id: 'u-new', displayName: 'Neu Person', mobilePhone: '+49 172 1' });
    sim.deleteUser('u5');
    sim.deleteUser('u6', 'deleted');
    sim.upsertUser({ id: 'u7', displayName: 'User 7' }); // last number removed
    sim.deleteOrgContact('c2');
    const second = await readSource(microsoft365Source, options(), { state: first.state });
    assert.equal(second.full, false);
    assert.deepEqual(second.items.map((i) => `${i.type} ${'recordId' in i ? i.recordId : ''}`).sort(), [
      'record users:u-new', 'record users:u3', 'removed contacts:c2', 'removed users:u5', 'removed users:u6', 'removed users:u7',
    ]);
    assert.deepEqual(recordsById(second).get('users:u3')?.numbers, [{ number: '+49 30 99999', type: 'business' }]);
    const third = await readSource(microsoft365Source, options(), { state: second.state });
    assert.deepEqual([third.full, third.items.length], [false, 0]);
  });

  for (const status of [400, 410] as const) {
    it(`an expired delta link (${status}) makes the next run a full one`, async () => {
      const first = await readSource(microsoft365Source, options());
      sim.expireDeltaTokens(status);
      const second = await readSource(microsoft365Source, options(), { state: first.state });
      assert.equal(second.full, true);
      assert.equal(recordsById(second).size, 11);
      const third = await readSource(microsoft365Source, options(), { state: second.state });
      assert.equal(third.full, false);
    });
  }

  it('a state from other options is not used', async () => {
    const first = await readSource(microsoft365Source, options({ orgContacts: false }));
    const second = await readSource(microsoft365Source, options(), { state: first.state });
    assert.equal(second.full, true);
  });

  it('waits as Retry-After asks on 429, and gives up on a wait beyond its bound', async () => {
    sim.throttle(2, 1);
    const started = Date.now();
    const run = await readSource(microsoft365Source, options({ orgContacts: false }));
    assert.ok(Date.now() - started >= 1900, 'two waits of a second');
    assert.equal(recordsById(run).size, 9);
    assert.equal(sim.requests.filter((r) => r.status === 429).length, 2);

    sim.throttle(1, 3600);
    await assert.rejects(readSource(microsoft365Source, options()), fails('remote', /wait 3600 s/));
  });

  it('reads a mailbox contacts folder, paged by $skip, always in full', async () => {
    sim.setMailbox('empfang@contoso.com', [
      { id: 'm1', displayName: 'Dora Privat', emailAddresses: [{ name: 'Dora', address: 'dora@example.org' }], businessPhones: ['+49 40 1'], homePhones: ['+49 40 2', '+49 40 3'], mobilePhone: '+49 151 4', personalNotes: 'Lieferantin' },
      ...Array.from({ length: 6 }, (_, i) => ({ id: `m${i + 2}`, displayName: `Kontakt ${i + 2}`, businessPhones: [`+49 40 10${i}`] })),
    ]);
    const run = await readSource(microsoft365Source, options({ users: false, orgContacts: false, mailbox: 'empfang@contoso.com', pageSize: 3 }));
    assert.equal(run.full, true);
    assert.equal(run.state, null);
    assert.deepEqual(recordsById(run).get('mailbox:m1'), {
      name: 'Dora Privat', company: null, kind: 'person', emails: ['dora@example.org'], notes: 'Lieferantin',
      numbers: [{ number: '+49 40 1', type: 'business' }, { number: '+49 151 4', type: 'mobile' }, { number: '+49 40 2', type: 'home' }, { number: '+49 40 3', type: 'home' }],
    });
    assert.equal(recordsById(run).size, 7);
    assert.equal(sim.requests.filter((r) => r.path.endsWith('/contacts')).length, 3);
  });

  it('a wrong secret is an auth error that names the cause, never the secret', async () => {
    await assert.rejects(readSource(microsoft365Source, options({ clientSecret: 'wrong-secret-xyz' })), (err: unknown) => {
      assert.ok(err instanceof SourceError && err.kind === 'auth', String(err));
      assert.match(err.message, /AADSTS7000215: Invalid client secret/);
      assert.doesNotMatch(err.message, /wrong-secret-xyz|Trace ID/);
      return true;
    });
    await assert.rejects(readSource(microsoft365Source, options({ tenantId: 'fabrikam.com' })), fails('auth', /AADSTS90002/));
  });

  it('a token Graph keeps refusing after a renewal is an auth error', async () => {
    sim.onApiRequest = () => sim.expireTokens();
    await assert.rejects(readSource(microsoft365Source, options()), fails('auth', /InvalidAuthenticationToken/));
    assert.equal(sim.tokensIssued, 2);
  });

  it('a missing application permission is an auth error naming the permission', async () => {
    await sim.stop();
    sim = new GraphSimulator({ tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', clientSecret: SECRET, permissions: ['User.Read.All'] });
    urls = await sim.start();
    await assert.rejects(readSource(microsoft365Source, options()), fails('auth', /OrgContact\.Read\.All/));
  });

  it('an unreachable endpoint is SourceError(unreachable)', async () => {
    await sim.stop();
    await assert.rejects(readSource(microsoft365Source, options()), fails('unreachable', /Microsoft Entra ID at http:\/\/127\.0\.0\.1:\d+ is unreachable/));
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    sim.onApiRequest = (_path, index) => index === 1 && controller.abort(new Error('shutdown'));
    await assert.rejects(readSource(microsoft365Source, options(), { signal: controller.signal }), /shutdown/);
  });
});
