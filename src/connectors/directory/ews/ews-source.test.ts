/**
 * The exchange-ews reader against the EWS simulator (test/simulators/ews): FindItem paging with
 * IndexedPageItemView, every phone key, another mailbox's folder, ErrorServerBusy back-off, Basic
 * authentication and its limits, failures.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { EwsSimulator } from '../../../../test/simulators/ews/ews-simulator.ts';
import { fails, readSource, recordsById } from '../../../../test/support/source-run.ts';
import { SourceError } from '../directory-source.ts';
import { exchangeEwsSource } from './ews-source.ts';

const USER = 'empfang@example.com';

describe('exchange-ews source', () => {
  let sim: EwsSimulator;
  let url: string;
  const options = (extra: Record<string, unknown> = {}) => ({ url, username: USER, password: 'ews-Pa55', pageSize: 3, ...extra });

  beforeEach(async () => {
    await sim?.stop();
    sim = new EwsSimulator();
    sim.users.set(USER, 'ews-Pa55');
    sim.users.set('chef@example.com', 'other');
    url = await sim.start();
    sim.mailboxes.set(USER, {
      readers: [],
      contacts: [
        {
          id: 'AAMk-all', displayName: 'Anna Alle', companyName: 'Acme AG', emails: { EmailAddress1: 'anna@acme.example', EmailAddress2: 'SMTP:anna.private@example.org' },
          phones: { BusinessPhone: '+49 30 1', BusinessPhone2: '+49 30 2', CompanyMainPhone: '+49 30 0', MobilePhone: '+49 171 1', CarPhone: '+49 171 2', HomePhone: '+49 30 3', HomePhone2: '+49 30 4', BusinessFax: '+49 30 9', HomeFax: '+49 30 8', OtherFax: '+49 30 7', OtherTelephone: '+49 30 6', Pager: '+49 30 5' },
        },
        ...Array.from({ length: 6 }, (_, i) => ({ id: `AAMk-${i}`, givenName: 'Kontakt', surname: String(i), phones: { BusinessPhone: `+49 40 ${i}` } })),
        { id: 'AAMk-dl', displayName: 'Vertrieb (Verteiler)', distributionList: true },
        { id: 'AAMk-none', displayName: 'Ohne Nummer', emails: { EmailAddress1: 'x@example.com' } },
      ],
    });
    sim.mailboxes.set('chef@example.com', { readers: [USER], contacts: [{ id: 'AAMk-chef', displayName: 'Privatkontakt', phones: { MobilePhone: '+49 172 9' } }] });
  });
  after(async () => sim.stop());

  it('validates options', () => {
    assert.equal(exchangeEwsSource.id, 'exchange-ews');
    assert.deepEqual(exchangeEwsSource.secretOptions, ['password']);
    const ok = exchangeEwsSource.check({ url: 'https://mail.example.com/EWS/Exchange.asmx', username: 'u', password: 'p' });
    assert.ok(ok.ok);
    assert.deepEqual([ok.options.exchangeVersion, ok.options.pageSize], ['Exchange2013', 100]);
    const bad = exchangeEwsSource.check({ url: 'https://x', username: 'u', password: 'p', exchangeVersion: 'Exchange2003' });
    assert.equal(!bad.ok && bad.field, '/exchangeVersion');
  });

  it('reads the contacts folder page by page with every phone key; distribution lists are left out', async () => {
    const run = await readSource(exchangeEwsSource, options());
    assert.equal(run.full, true);
    const byId = recordsById(run);
    assert.deepEqual(byId.get('AAMk-all'), {
      name: 'Anna Alle', company: 'Acme AG', kind: 'person', notes: null, emails: ['anna@acme.example', 'anna.private@example.org'],
      numbers: [
        { number: '+49 30 1', type: 'business' }, { number: '+49 30 2', type: 'business' }, { number: '+49 30 0', type: 'business', switchboard: true },
        { number: '+49 171 1', type: 'mobile' }, { number: '+49 171 2', type: 'mobile' }, { number: '+49 30 3', type: 'home' }, { number: '+49 30 4', type: 'home' },
        { number: '+49 30 9', type: 'fax' }, { number: '+49 30 8', type: 'fax' }, { number: '+49 30 7', type: 'fax' }, { number: '+49 30 6', type: 'other' },
      ],
    });
    assert.equal(byId.get('AAMk-3')?.name, 'Kontakt 3');
    assert.equal(byId.size, 7);
    assert.deepEqual(run.items.filter((i) => i.type === 'skipped'), [{ type: 'skipped', recordId: 'AAMk-none', reason: 'no phone number' }]);
    assert.deepEqual(sim.requests.map((r) => r.offset), [0, 3, 6], '9 items at 3 a page');
  });

  it('reads another mailbox\'s folder when allowed, and says so when not', async () => {
    const run = await readSource(exchangeEwsSource, options({ mailbox: 'chef@example.com' }));
    assert.deepEqual([...recordsById(run).keys()], ['AAMk-chef']);
    await assert.rejects(readSource(exchangeEwsSource, options({ mailbox: 'nobody@example.com' })), fails('remote', /ErrorNonExistentMailbox/));
    sim.mailboxes.get('chef@example.com')!.readers.length = 0;
    await assert.rejects(readSource(exchangeEwsSource, options({ mailbox: 'chef@example.com' })), fails('auth', /ErrorAccessDenied/));
  });

  it('a second run after a few changes reflects exactly those changes', async () => {
    const first = recordsById(await readSource(exchangeEwsSource, options()));
    const folder = sim.mailboxes.get(USER)!.contacts;
    folder[2] = { id: 'AAMk-1', givenName: 'Kontakt', surname: '1', phones: { BusinessPhone: '+49 40 111' } };
    folder.splice(3, 1);
    folder.push({ id: 'AAMk-new', displayName: 'Neu', phones: { MobilePhone: '+49 170 1' } });
    const second = recordsById(await readSource(exchangeEwsSource, options()));
    const changed = [...new Set([...first.keys(), ...second.keys()])].filter((id) => JSON.stringify(first.get(id)) !== JSON.stringify(second.get(id))).sort();
    assert.deepEqual(changed, ['AAMk-1', 'AAMk-2', 'AAMk-new']);
  });

  it('waits out ErrorServerBusy for BackOffMilliseconds, and gives up on a back-off beyond its bound', async () => {
    sim.busy(1, 800);
    const started = Date.now();
    assert.equal(recordsById(await readSource(exchangeEwsSource, options())).size, 7);
    assert.ok(Date.now() - started >= 750);
    assert.equal(sim.requests.filter((r) => r.status === 500).length, 1);
    sim.busy(1, 300_000);
    await assert.rejects(readSource(exchangeEwsSource, options()), fails('remote', /wait 300 s/));
  });

  it('a wrong password is an auth error; a server without Basic is named as such', async () => {
    await assert.rejects(readSource(exchangeEwsSource, options({ password: 'wrong-ews-pw' })), (err: unknown) => {
      assert.ok(err instanceof SourceError && err.kind === 'auth', String(err));
      assert.match(err.message, /refused the user name or password \(HTTP 401\)/);
      assert.doesNotMatch(err.message, /wrong-ews-pw/);
      return true;
    });
    sim.basicEnabled = false;
    await assert.rejects(readSource(exchangeEwsSource, options()), fails('auth', /offers Negotiate, NTLM.*not supported/));
  });

  it('an unreachable server is SourceError(unreachable)', async () => {
    await sim.stop();
    await assert.rejects(readSource(exchangeEwsSource, options()), fails('unreachable', /Exchange at http:\/\/127\.0\.0\.1:\d+ is unreachable/));
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    sim.busy(1, 5_000);
    setTimeout(() => controller.abort(new Error('shutdown')), 100);
    const started = Date.now();
    await assert.rejects(readSource(exchangeEwsSource, options(), { signal: controller.signal }), /shutdown/);
    assert.ok(Date.now() - started < 2_000, 'the back-off wait ends with the run');
  });
});
