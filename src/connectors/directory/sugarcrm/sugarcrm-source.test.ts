/**
 * The sugarcrm reader against the SugarCRM simulator (test/simulators/sugarcrm): password grant,
 * offset paging to next_offset -1, every phone field, token refresh mid-run, throttling, failures.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { SugarSimulator } from '../../../../test/simulators/sugarcrm/sugarcrm-simulator.ts';
import { fails, readSource, recordsById } from '../../../../test/support/source-run.ts';
import { SourceError } from '../directory-source.ts';
import { sugarcrmSource } from './sugarcrm-source.ts';

describe('sugarcrm source', () => {
  let sim: SugarSimulator;
  let url: string;
  const options = (extra: Record<string, unknown> = {}) => ({ url, username: 'sync', password: 'sugar-Pa55', pageSize: 3, ...extra });

  beforeEach(async () => {
    await sim?.stop();
    sim = new SugarSimulator();
    sim.users.set('sync', 'sugar-Pa55');
    sim.platforms.add('callbridge');
    url = await sim.start();
    sim.modules.Contacts.set('c-all', {
      id: 'c-all', first_name: 'Anna', last_name: 'Alle', account_name: 'Acme AG', phone_work: '+49 30 1', phone_mobile: '+49 171 2', phone_home: '+49 30 3', phone_other: '+49 30 4', phone_fax: '+49 30 5',
      email1: 'anna@acme.example', email: [{ email_address: 'old@acme.example', primary_address: false, invalid_email: true }, { email_address: 'private@example.org', primary_address: false }, { email_address: 'anna@acme.example', primary_address: true }],
    });
    for (let i = 1; i <= 7; i++) sim.modules.Contacts.set(`c${i}`, { id: `c${i}`, first_name: 'Kontakt', last_name: String(i), phone_work: `+49 40 ${i}` });
    sim.modules.Contacts.set('c-none', { id: 'c-none', first_name: 'Ohne', last_name: 'Nummer' });
    sim.modules.Accounts.set('a1', { id: 'a1', name: 'Acme AG', phone_office: '+49 30 100', phone_alternate: '+49 30 200', phone_fax: '+49 30 109', email1: 'info@acme.example' });
    sim.modules.Accounts.set('a2', { id: 'a2', name: 'Globex', phone_office: '+49 89 1' });
  });
  after(async () => sim.stop());

  it('validates options', () => {
    assert.equal(sugarcrmSource.id, 'sugarcrm');
    assert.deepEqual(sugarcrmSource.secretOptions, ['password', 'clientSecret']);
    const ok = sugarcrmSource.check({ url: 'https://acme.sugarondemand.com', username: 'u', password: 'p' });
    assert.ok(ok.ok);
    assert.deepEqual([ok.options.clientId, ok.options.clientSecret, ok.options.platform, ok.options.pageSize], ['sugar', '', 'callbridge', 200]);
    const bad = sugarcrmSource.check({ url: 'acme.sugarondemand.com', username: 'u', password: 'p' });
    assert.equal(!bad.ok && bad.field, '/url');
    const none = sugarcrmSource.check({ url: 'https://x', username: 'u', password: 'p', contacts: false, accounts: false });
    assert.equal(!none.ok && none.field, '/contacts');
  });

  it('reads Contacts and Accounts across pages with every phone field; an expired token is refreshed mid-run', async () => {
    sim.onApiRequest = (_path, index) => index === 1 && sim.expireTokens();
    const run = await readSource(sugarcrmSource, options());
    assert.equal(run.full, true);
    const byId = recordsById(run);
    assert.deepEqual(byId.get('Contacts:c-all'), {
      name: 'Anna Alle', company: 'Acme AG', kind: 'person', notes: null, emails: ['anna@acme.example', 'private@example.org'],
      numbers: [{ number: '+49 30 1', type: 'business' }, { number: '+49 171 2', type: 'mobile' }, { number: '+49 30 3', type: 'home' }, { number: '+49 30 4', type: 'other' }, { number: '+49 30 5', type: 'fax' }],
    });
    assert.deepEqual(byId.get('Accounts:a1'), {
      name: 'Acme AG', company: 'Acme AG', kind: 'company', notes: null, emails: ['info@acme.example'],
      numbers: [{ number: '+49 30 100', type: 'business', switchboard: true }, { number: '+49 30 200', type: 'business' }, { number: '+49 30 109', type: 'fax' }],
    });
    assert.equal(byId.size, 10);
    assert.deepEqual(run.items.filter((i) => i.type === 'skipped'), [{ type: 'skipped', recordId: 'Contacts:c-none', reason: 'no phone number' }]);
    assert.equal(sim.requests.filter((r) => r.path === '/rest/v11/Contacts' && r.status === 200).length, 3, '9 contacts at 3 a page');
    assert.deepEqual(sim.requests.filter((r) => r.grant).map((r) => `${r.grant} ${r.status}`), ['password 200', 'refresh_token 200']);
  });

  it('logs in again when the refresh token is refused too', async () => {
    sim.onApiRequest = (_path, index) => index === 1 && sim.expireTokens({ refresh: true });
    const run = await readSource(sugarcrmSource, options({ accounts: false }));
    assert.equal(recordsById(run).size, 8);
    assert.deepEqual(sim.requests.filter((r) => r.grant).map((r) => `${r.grant} ${r.status}`), ['password 200', 'refresh_token 400', 'password 200']);
  });

  it('a second run after a few changes reflects exactly those changes', async () => {
    const first = recordsById(await readSource(sugarcrmSource, options()));
    sim.modules.Contacts.set('c2', { id: 'c2', first_name: 'Kontakt', last_name: '2', phone_work: '+49 40 222', phone_mobile: '+49 170 2' });
    sim.modules.Contacts.delete('c3');
    sim.modules.Accounts.set('a3', { id: 'a3', name: 'Initech', phone_office: '+49 40 9' });
    const second = recordsById(await readSource(sugarcrmSource, options()));
    const changed = [...new Set([...first.keys(), ...second.keys()])].filter((id) => JSON.stringify(first.get(id)) !== JSON.stringify(second.get(id))).sort();
    assert.deepEqual(changed, ['Accounts:a3', 'Contacts:c2', 'Contacts:c3']);
  });

  it('waits as Retry-After asks on 429', async () => {
    sim.throttle(1, 1);
    const started = Date.now();
    assert.equal(recordsById(await readSource(sugarcrmSource, options({ accounts: false }))).size, 8);
    assert.ok(Date.now() - started >= 900);
    assert.equal(sim.requests.filter((r) => r.status === 429).length, 1);
  });

  it('a wrong password or an unregistered platform is an auth error with a readable reason, never the password', async () => {
    await assert.rejects(readSource(sugarcrmSource, options({ password: 'wrong-pass-42' })), (err: unknown) => {
      assert.ok(err instanceof SourceError && err.kind === 'auth', String(err));
      assert.match(err.message, /need_login: You must specify a valid username and password/);
      assert.doesNotMatch(err.message, /wrong-pass-42/);
      return true;
    });
    await assert.rejects(readSource(sugarcrmSource, options({ platform: 'unregistered' })), fails('auth', /Admin > Configure API Platforms/));
  });

  it('a token refused right after renewal is an auth error', async () => {
    sim.onApiRequest = () => sim.expireTokens();
    await assert.rejects(readSource(sugarcrmSource, options()), fails('auth', /invalid_grant: The access token provided is invalid/));
  });

  it('an unreachable instance is SourceError(unreachable)', async () => {
    await sim.stop();
    await assert.rejects(readSource(sugarcrmSource, options()), fails('unreachable', /SugarCRM at http:\/\/127\.0\.0\.1:\d+ is unreachable/));
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    sim.onApiRequest = (_path, index) => index === 1 && controller.abort(new Error('shutdown'));
    await assert.rejects(readSource(sugarcrmSource, options(), { signal: controller.signal }), /shutdown/);
  });
});
