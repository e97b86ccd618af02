/**
 * The salesforce reader (jsforce over ctx.fetch) against the Salesforce simulator
 * (test/simulators/salesforce): SOAP and OAuth logins, SOQL paging, every phone field, session expiry
 * mid-run, throttling, "API Enabled" missing, failures.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { SalesforceSimulator } from '../../../../test/simulators/salesforce/salesforce-simulator.ts';
import { fails, readSource, recordsById } from '../../../../test/support/source-run.ts';
import { SourceError } from '../directory-source.ts';
import { salesforceSource } from './salesforce-source.ts';

const USER = { username: 'sync@acme.example', password: 'Pa55&<word>', securityToken: 'TOKENxyz123', apiEnabled: true };

describe('salesforce source', () => {
  let sim: SalesforceSimulator;
  let loginUrl: string;
  const soap = (extra: Record<string, unknown> = {}) => ({ loginUrl, username: USER.username, password: USER.password, securityToken: USER.securityToken, ...extra });
  const isAuth = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof SourceError && err.kind === 'auth', String(err));
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /Pa55|TOKENxyz|app-secret/);
    return true;
  };

  beforeEach(async () => {
    await sim?.stop();
    sim = new SalesforceSimulator();
    sim.batchSize = 3;
    sim.users.push({ ...USER });
    loginUrl = await sim.start();
    sim.accounts.set('001A', { Id: '001A', Name: 'Acme AG', Phone: '+49 30 5000', Fax: '+49 30 5009' });
    sim.accounts.set('001B', { Id: '001B', Name: 'Globex GmbH', Phone: '+49 89 6000' });
    sim.accounts.set('001C', { Id: '001C', Name: 'No Phone Ltd' });
    sim.accounts.set('001D', { Id: '001D', Name: 'Initech', Fax: '+49 40 7009' });
    sim.contacts.set('003A', { Id: '003A', FirstName: 'Anna', LastName: 'Alle', Phone: '+49 30 5001', MobilePhone: '+49 171 1', HomePhone: '+49 30 9991', OtherPhone: '+49 30 8881', Fax: '+49 30 5002', Email: 'anna@acme.example', AccountId: '001A' });
    for (let i = 1; i <= 8; i++) sim.contacts.set(`003N${i}`, { Id: `003N${i}`, FirstName: 'Kontakt', LastName: String(i), Phone: `+49 30 600${i}`, AccountId: i % 2 ? '001B' : null });
    sim.contacts.set('003X', { Id: '003X', LastName: 'Ohne Nummer', Email: 'x@acme.example' });
  });
  after(async () => sim.stop());

  it('validates options per auth flow', () => {
    assert.equal(salesforceSource.id, 'salesforce');
    assert.deepEqual(salesforceSource.secretOptions, ['password', 'securityToken', 'clientSecret']);
    const ok = salesforceSource.check({ username: 'u', password: 'p' });
    assert.ok(ok.ok);
    assert.deepEqual([ok.options.loginUrl, ok.options.apiVersion, ok.options.auth], ['https://login.salesforce.com', '62.0', 'password']);
    const fail = (input: unknown) => {
      const checked = salesforceSource.check(input);
      return checked.ok ? null : checked.field;
    };
    assert.equal(fail({ password: 'p' }), '/username');
    assert.equal(fail({ username: 'u', password: 'p', clientId: 'c' }), '/clientSecret');
    assert.equal(fail({ auth: 'client-credentials', clientSecret: 's' }), '/clientId');
    assert.equal(fail({ auth: 'oauth-magic', username: 'u', password: 'p' }), '/auth');
    assert.equal(fail({ username: 'u', password: 'p', contacts: false, accounts: false }), '/contacts');
  });

  it('logs in by SOAP, reads Contacts and Accounts across batches with every phone field; an expired session logs in again', async () => {
    sim.onApiRequest = (_path, index) => index === 2 && sim.expireSessions();
    const run = await readSource(salesforceSource, soap());
    assert.equal(run.full, true);
    assert.equal(run.state, null);
    const byId = recordsById(run);
    assert.deepEqual(byId.get('Contact:003A'), {
      name: 'Anna Alle', company: 'Acme AG', kind: 'person', emails: ['anna@acme.example'], notes: null,
      numbers: [{ number: '+49 30 5001', type: 'business' }, { number: '+49 171 1', type: 'mobile' }, { number: '+49 30 9991', type: 'home' }, { number: '+49 30 8881', type: 'other' }, { number: '+49 30 5002', type: 'fax' }],
    });
    assert.equal(byId.get('Contact:003N2')?.company, null);
    assert.equal(byId.get('Contact:003N1')?.company, 'Globex GmbH');
    assert.deepEqual(byId.get('Account:001A'), {
      name: 'Acme AG', company: 'Acme AG', kind: 'company', emails: [], notes: null,
      numbers: [{ number: '+49 30 5000', type: 'business', switchboard: true }, { number: '+49 30 5009', type: 'fax' }],
    });
    assert.deepEqual(byId.get('Account:001D')?.numbers, [{ number: '+49 40 7009', type: 'fax' }]);
    assert.equal(byId.size, 12);
    assert.deepEqual(run.items.filter((i) => i.type === 'skipped').map((i) => 'recordId' in i && i.recordId).sort(), ['Account:001C', 'Contact:003X']);
    const queries = sim.requests.filter((r) => r.path.includes('/query') && r.status === 200);
    assert.equal(queries.length, 4 + 2, '10 contacts and 4 accounts at 3 a batch');
    assert.ok(sim.requests.some((r) => r.path === '/services/Soap/u/62.0'));
    assert.equal(sim.requests.filter((r) => r.status === 401).length, 1);
    assert.equal(sim.logins, 2, 'jsforce logged in again after the session expired');
  });

  it('a second run after a few changes reflects exactly those changes', async () => {
    const first = recordsById(await readSource(salesforceSource, soap()));
    sim.contacts.set('003N3', { Id: '003N3', FirstName: 'Kontakt', LastName: '3', Phone: '+49 30 0000', AccountId: '001B' });
    sim.contacts.delete('003N4');
    sim.contacts.set('003NEW', { Id: '003NEW', FirstName: 'Neu', LastName: 'Person', MobilePhone: '+49 160 1' });
    const second = recordsById(await readSource(salesforceSource, soap()));
    const changed = [...new Set([...first.keys(), ...second.keys()])].filter((id) => JSON.stringify(first.get(id)) !== JSON.stringify(second.get(id))).sort();
    assert.deepEqual(changed, ['Contact:003N3', 'Contact:003N4', 'Contact:003NEW']);
  });

  it('logs in with the OAuth username-password flow when a connected app is given', async () => {
    sim.connectedApp = { clientId: 'app-key', clientSecret: 'app-secret', runAs: null };
    const run = await readSource(salesforceSource, soap({ clientId: 'app-key', clientSecret: 'app-secret', accounts: false }));
    assert.equal(recordsById(run).size, 9);
    assert.ok(sim.requests.some((r) => r.path === '/services/oauth2/token' && r.status === 200));
    assert.ok(!sim.requests.some((r) => r.path.startsWith('/services/Soap')));
    await assert.rejects(readSource(salesforceSource, soap({ clientId: 'app-key', clientSecret: 'wrong' })), isAuth(/invalid client credentials/));
  });

  it('uses the client-credentials flow, renewing the token when it expires mid-run', async () => {
    sim.connectedApp = { clientId: 'app-key', clientSecret: 'app-secret', runAs: USER.username };
    sim.onApiRequest = (_path, index) => index === 1 && sim.expireSessions();
    const run = await readSource(salesforceSource, { auth: 'client-credentials', loginUrl, clientId: 'app-key', clientSecret: 'app-secret' });
    assert.equal(recordsById(run).size, 12);
    assert.equal(sim.logins, 2);
    sim.connectedApp.runAs = null;
    await assert.rejects(readSource(salesforceSource, { auth: 'client-credentials', loginUrl, clientId: 'app-key', clientSecret: 'app-secret' }), isAuth(/no client credentials user enabled/));
  });

  it('waits as Retry-After asks on 429 and 503', async () => {
    sim.throttle(1, 1, 429);
    let started = Date.now();
    assert.equal(recordsById(await readSource(salesforceSource, soap({ accounts: false }))).size, 9);
    assert.ok(Date.now() - started >= 900);
    sim.throttle(1, 1, 503);
    started = Date.now();
    assert.equal(recordsById(await readSource(salesforceSource, soap({ accounts: false }))).size, 9);
    assert.ok(Date.now() - started >= 900);
    assert.deepEqual(sim.requests.filter((r) => r.status >= 429).map((r) => r.status), [429, 503]);
  });

  it('a wrong password is an auth error with Salesforce\'s reason, never the password', async () => {
    await assert.rejects(readSource(salesforceSource, soap({ securityToken: 'stale' })), isAuth(/INVALID_LOGIN: Invalid username, password, security token/));
  });

  it('a user without "API Enabled" or an org without API access gets a clear error', async () => {
    sim.users[0].apiEnabled = false;
    await assert.rejects(readSource(salesforceSource, soap()), isAuth(/API_CURRENTLY_DISABLED.*"API Enabled"/));
    sim.connectedApp = { clientId: 'app-key', clientSecret: 'app-secret', runAs: null };
    await assert.rejects(readSource(salesforceSource, soap({ clientId: 'app-key', clientSecret: 'app-secret' })), isAuth(/API_CURRENTLY_DISABLED/));
    sim.users[0].apiEnabled = true;
    sim.orgApiEnabled = false;
    await assert.rejects(readSource(salesforceSource, soap()), isAuth(/API_DISABLED_FOR_ORG/));
  });

  it('a server that refuses every new session ends in an auth error, not a loop', async () => {
    sim.onApiRequest = () => sim.expireSessions();
    await assert.rejects(readSource(salesforceSource, soap()), isAuth(/refused every new session/));
    assert.ok(sim.logins <= 4, `${sim.logins} logins`);
  });

  it('an unreachable login server is SourceError(unreachable)', async () => {
    await sim.stop();
    await assert.rejects(readSource(salesforceSource, soap()), fails('unreachable', /Salesforce at http:\/\/127\.0\.0\.1:\d+ is unreachable/));
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    sim.onApiRequest = (_path, index) => index === 1 && controller.abort(new Error('shutdown'));
    await assert.rejects(readSource(salesforceSource, soap(), { signal: controller.signal }), /shutdown/);
  });
});
