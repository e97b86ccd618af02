/**
 * The web UI in a real browser (Debian's Chromium driven by playwright-core) against the real server
 * (`callbridge serve` on a fresh SQLite data directory): an admin signs in after `callbridge users
 * password`, an agent gets the screen pop of a call posted meanwhile without reloading, the journal
 * filters and shows a call's transfer chain and deliveries, a synced contact is copied to manual, an
 * action runs from the pop and its preview follows the editor, sources and deliveries show their
 * errors, the language switches and is remembered. Every page is photographed (web-harness.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/store.ts';
import { callEvents as events, PASSWORD, WebHarness } from './web-harness.ts';

const h = new WebHarness();
let ingestKey = '';
const apiCall = (method: string, path: string, body?: unknown, key?: string) => h.api(method, path, body, key);
const shot = (page: Parameters<WebHarness['shot']>[0], name: string) => h.shot(page, name);
const signIn = (login: string) => h.signIn(login);

describe('web UI in Chromium', () => {
  before(async () => {
    await h.start();
    await apiCall('PUT', '/api/v1/users', [
      { extension: '200', name: 'Ada Admin', email: 'ada@example.com' },
      { extension: '201', name: 'Anna Schmidt', email: 'anna@example.com' },
      { extension: '202', name: 'Jan Meyer', email: null },
    ]);
    h.setPassword('200', 'admin');
    h.setPassword('anna@example.com', 'agent');
    ingestKey = (await apiCall('POST', '/api/v1/keys', { name: 'PBX', role: 'ingest' })).key;
    // A synced contact, as a source would write it: straight into the store the server runs on.
    const store = await openStore({ databaseUrl: `sqlite:${join(h.dataDir, 'callbridge.db')}`, dataDir: h.dataDir });
    const now = new Date().toISOString();
    await store.contacts.save({
      id: 'synced-erika', tenantId: 'default', ownerUserId: null, kind: 'person', name: 'Erika Mustermann', company: 'Muster AG',
      numbers: [{ raw: '030 1234567', e164: '+49301234567', type: 'business', switchboard: false }], emails: ['erika@muster.example'],
      notes: null, origin: 'synced', sourceId: 'crm', sourceRecordId: '42', forwardingTarget: false, createdAt: now, updatedAt: now,
    });
    await store.close();
    // The server picks synced changes up from the change feed within a second or so.
    let known = false;
    for (let i = 0; i < 50 && !known; i++) {
      known = (await apiCall('GET', '/api/v1/lookup?number=0301234567')).match?.name === 'Erika Mustermann';
      if (!known) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(known, 'the server sees the synced contact');
    // A webhook that cannot be reached (`.invalid` never resolves): its deliveries fail, attempt by attempt.
    await apiCall('POST', '/api/v1/webhooks', { name: 'Ticket system', url: 'https://hooks.invalid/callbridge', eventTypes: ['call.ended', 'call.missed'] });
    // Yesterday's call from Erika: the screen pop counts it.
    const earlier = events('earlier-1', '030 1234567', '201', new Date(Date.now() - 86_400_000).toISOString());
    await apiCall('POST', '/api/v1/events', [earlier.ringing, earlier.answered, earlier.ended], ingestKey);
    const transferred = events('transfer-1', '+45 32 12 34 56', '200', new Date(Date.now() - 3_600_000).toISOString());
    await apiCall('POST', '/api/v1/events', Object.values(transferred), ingestKey);
    const missed = events('missed-1', '0171 5550123', '202', new Date(Date.now() - 1_800_000).toISOString());
    await apiCall('POST', '/api/v1/events', [missed.ringing, { ...missed.ended, cause: 'noAnswer' }], ingestKey);
    // A tenant-wide action: the agent's pop offers it as a button.
    await apiCall('POST', '/api/v1/actions', { name: 'Open in CRM', ownerUserId: null, execution: 'client', target: { type: 'url', url: 'https://crm.example.test/search?phone=${number}' } });
  });

  afterEach((t) => h.explain(t));
  after(() => h.close());

  it('serves the app at every client route, hashed assets for a year, and API 404s as problems', async () => {
    const index = await fetch(`${h.url}/journal/some-call`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type')!, /text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy')!, /default-src 'self'/);
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const js = await fetch(h.url + asset);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control')!, /max-age=31536000.*immutable/);
    const missing = await fetch(`${h.url}/api/v1/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'CB_NOT_FOUND');
    assert.equal((await fetch(`${h.url}/assets/nope.js`)).status, 404);
  });

  it('signs an admin in; a wrong password is refused on the page', async () => {
    const context = await h.context();
    const page = await context.newPage();
    await page.goto(h.url);
    await page.getByLabel('E-mail or extension').fill('200');
    await page.getByLabel('Password').fill('not the password');
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Live calls' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/live');
    const cookies = await context.cookies();
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [['cb_session', true, 'Lax']]);
    await context.close();
  });

  it("pops an incoming call on the agent's screen without a reload, and shows it live to the admin", async () => {
    const agent = await signIn('anna@example.com');
    const admin = await signIn('ada@example.com');
    await admin.page.goto(`${h.url}/live`);
    await admin.page.getByText('● Live').waitFor();
    await agent.page.getByRole('heading', { name: 'Live calls' }).waitFor();
    await agent.page.getByText('● Live').waitFor();
    // The agent's tab is in the background, notifications allowed: a recording stand-in for Notification.
    await agent.page.evaluate(`(() => {
      window.__shown = [];
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      window.Notification = class { static permission = 'granted'; constructor(title, options) { window.__shown.push(title + ' | ' + options.body); } };
    })()`);
    const call = events('pop-1', '030 1234567', '201', new Date().toISOString());
    await apiCall('POST', '/api/v1/events', [call.ringing], ingestKey);

    const pop = agent.page.getByTestId('screen-pop');
    await pop.waitFor();
    await pop.getByText('Erika Mustermann').waitFor();
    await pop.getByText('Muster AG').waitFor();
    await pop.getByText('030 1234567').waitFor();
    await pop.getByText('1 earlier call').waitFor();
    await pop.getByText('for extension 201').waitFor();
    assert.deepEqual(await agent.page.evaluate('window.__shown'), ['Incoming call: Erika Mustermann | Muster AG']);
    await admin.page.getByTestId('live-calls').getByText('Erika Mustermann').waitFor();
    await shot(agent.page, 'screen-pop');
    await shot(admin.page, 'live');

    // Run the action from the pop: its URL, filled with the caller's number, opens in a new tab.
    await agent.context.route('https://crm.example.test/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>CRM</title>' }));
    const [crm] = await Promise.all([agent.context.waitForEvent('page'), pop.getByRole('button', { name: 'Open in CRM' }).click()]);
    await crm.waitForURL(/crm\.example\.test\/search\?phone=.*301234567/);
    await crm.close();

    await apiCall('POST', '/api/v1/events', [call.answered], ingestKey);
    await pop.getByText('Talking').waitFor();
    // A call for another extension does not pop for Anna.
    const other = events('pop-2', '0171 5550123', '202', new Date().toISOString());
    await apiCall('POST', '/api/v1/events', [other.ringing], ingestKey);
    await admin.page.getByTestId('live-calls').getByText('0171 5550123').waitFor();
    assert.equal(await agent.page.getByTestId('screen-pop').count(), 1);
    await apiCall('POST', '/api/v1/events', [call.ended, { ...other.ended, cause: 'noAnswer' }], ingestKey);
    await admin.page.getByText('No calls right now').waitFor();
    await agent.context.close();
    await admin.context.close();
  });

  it('filters the journal and shows a call with its transfer chain and timeline', async () => {
    const { context, page } = await signIn('200');
    await page.goto(`${h.url}/journal`);
    const table = page.getByTestId('journal');
    await table.getByText('Erika Mustermann').first().waitFor();
    await table.getByText('+45 32 12 34 56').waitFor();
    await shot(page, 'journal');
    await page.locator('select[name=outcome]').selectOption('missed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/outcome=missed/);
    // The unfiltered rows stay until the filtered page has arrived (the missed call is on both).
    await table.getByText('Erika Mustermann').first().waitFor({ state: 'detached' });
    await table.getByText('0171 5550123').first().waitFor();
    assert.equal(await table.getByText('Erika Mustermann').count(), 0, 'answered calls are filtered out');
    await page.getByRole('button', { name: 'Reset' }).click();
    await table.getByText('+45 32 12 34 56').click();
    await page.getByText('Transfer chain').waitFor();
    await page.locator('.chain').getByText('202').waitFor();
    const timeline = page.getByTestId('timeline');
    for (const type of ['call.ringing', 'call.answered', 'call.transferred', 'call.ended']) await timeline.getByText(type, { exact: true }).waitFor();
    // The deliveries the call caused, and the actions to start for it.
    await page.getByTestId('call-deliveries').getByText('call.ended').waitFor();
    await page.locator('.header-actions').getByRole('button', { name: 'Open in CRM' }).waitFor();
    await shot(page, 'call-detail');
    await context.close();
  });

  it('copies a synced contact to manual and edits the copy', async () => {
    const { context, page } = await signIn('200');
    await page.goto(`${h.url}/phonebook`);
    await page.getByRole('searchbox').fill('Muster');
    const synced = page.locator('tr', { has: page.locator('.sm-S') }).filter({ hasText: 'Erika Mustermann' });
    await synced.waitFor();
    await shot(page, 'phonebook');
    await synced.getByRole('button', { name: 'Copy to manual' }).click();
    const editor = page.locator('form.modal');
    await editor.waitFor();
    await editor.locator('input[name=company]').fill('Muster AG (Zentrale)');
    await editor.getByLabel('Switchboard').check();
    await shot(page, 'contact-editor');
    await editor.getByRole('button', { name: 'Save' }).click();
    const manual = page.locator('tr', { has: page.locator('.sm-M') }).filter({ hasText: 'Erika Mustermann' });
    await manual.getByText('Muster AG (Zentrale)').waitFor();
    await manual.getByText('Switchboard').waitFor();
    // The synced original stays as it was.
    await synced.waitFor();
    const all = await apiCall('GET', '/api/v1/contacts?q=Erika');
    assert.deepEqual(all.items.map((c: { badge: string; company: string }) => `${c.badge} ${c.company}`).sort(), ['M Muster AG (Zentrale)', 'S Muster AG']);
    await context.close();
  });

  it('edits an action and shows the preview change with a real call', async () => {
    const { context, page } = await signIn('200');
    await page.getByRole('link', { name: 'Actions' }).click();
    const row = page.getByTestId('actions').locator('tr', { hasText: 'Open in CRM' });
    await row.waitFor();
    await shot(page, 'actions');
    await row.getByRole('button', { name: 'Edit' }).click();
    const preview = page.getByTestId('action-preview');
    await page.getByRole('combobox', { name: 'Preview with' }).selectOption({ label: (await page.getByRole('option', { name: /Erika Mustermann/ }).first().textContent())! });
    await preview.filter({ hasText: /phone=.*301234567/ }).waitFor();
    await page.locator('input[name=url]').fill('https://crm.example.test/contacts/${name}');
    await preview.filter({ hasText: /contacts\/Erika/ }).waitFor();
    assert.match((await preview.textContent()) ?? '', /^https:\/\/crm\.example\.test\/contacts\/Erika(%20|\+)Mustermann$/);
    await shot(page, 'action-editor');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('actions').getByText('https://crm.example.test/contacts/${name}').waitFor();
    await context.close();
  });

  it('shows settings, users and API keys to admins', async () => {
    const { context, page } = await signIn('200');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('select[name=defaultCountry]').waitFor();
    assert.equal(await page.locator('select[name=defaultCountry]').inputValue(), 'DE');
    await page.locator('input[name=areaCode]').fill('30');
    await page.locator('input[name=retentionDays]').fill('90');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    assert.equal((await apiCall('GET', '/api/v1/settings')).areaCode, '30');
    assert.equal((await apiCall('GET', '/api/v1/settings')).retentionDays, 90);
    await shot(page, 'settings');
    await page.getByRole('link', { name: 'Users & extensions' }).click();
    const users = page.getByTestId('users');
    await users.locator('tr', { hasText: 'Ada Admin' }).getByText('Admin', { exact: true }).waitFor();
    await users.locator('tr', { hasText: 'Anna Schmidt' }).getByText('Agent', { exact: true }).waitFor();
    await users.locator('tr', { hasText: 'Jan Meyer' }).getByText('No sign-in').waitFor();
    await shot(page, 'users');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByPlaceholder('PBX webhook').fill('CRM plugin');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.locator('code.secret').textContent();
    assert.match(secret ?? '', /^cb_[a-z0-9]{10}_/);
    await page.getByTestId('keys').getByText('CRM plugin').waitFor();
    await shot(page, 'keys');
    await context.close();
  });

  it('shows a source that failed in plain words, and syncs it on demand', async () => {
    // `.invalid` never resolves: the run fails, and the page must say why.
    await apiCall('POST', '/api/v1/sources', { type: 'csv', name: 'CRM export', url: 'https://crm.invalid/contacts.csv', interval: 'off' });
    const { context, page } = await signIn('200');
    await page.getByRole('link', { name: 'Sources' }).click();
    const row = page.getByTestId('sources').locator('tr', { hasText: 'CRM export' });
    await row.getByText('Not synced yet').waitFor();
    await row.getByRole('button', { name: 'Sync now' }).click();
    await row.getByText('Failed', { exact: true }).waitFor();
    const error = (await row.getByTestId('source-error').textContent()) ?? '';
    assert.match(error, /crm\.invalid/);
    await shot(page, 'sources');
    await context.close();
  });

  it('shows a PBX connection that cannot connect, with the reason', async () => {
    // Nothing listens on port 1: the AMI connection fails and says why.
    await apiCall('POST', '/api/v1/connectors', { type: 'asterisk-ami', name: 'Office Asterisk', host: '127.0.0.1', port: 1, username: 'callbridge', secret: 'ami-secret-123' });
    const { context, page } = await signIn('200');
    await page.getByRole('link', { name: 'PBX connections' }).click();
    const row = page.getByTestId('connections').locator('tr', { hasText: 'Office Asterisk' });
    await row.locator('.error-text').waitFor();
    await page.getByText('Click-to-dial test').waitFor();
    await shot(page, 'connections');
    await context.close();
  });

  it('lists webhook deliveries with their attempt log', async () => {
    const { context, page } = await signIn('200');
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByTestId('webhooks').getByText('Ticket system').waitFor();
    // A row of the webhook that was attempted at least once (the page follows the worker by itself).
    const row = page.getByTestId('deliveries').locator('tbody > tr', { hasText: 'Ticket system' }).filter({ hasText: /×[1-9]/ }).first();
    await row.waitFor();
    await row.click();
    await page.getByTestId('attempts').getByText('#1').waitFor();
    await shot(page, 'integrations');
    await context.close();
  });

  it('switches to German, formats for it and remembers the choice', async () => {
    const { context, page } = await signIn('201');
    assert.equal(await page.getByRole('link', { name: 'API keys' }).count(), 0, 'agents see no admin pages');
    await page.getByRole('button', { name: 'DE', exact: true }).click();
    await page.getByRole('link', { name: 'Anrufjournal' }).click();
    await page.getByRole('heading', { name: 'Anrufjournal' }).waitFor();
    const first = page.getByTestId('journal').locator('tbody tr').first();
    // German dates (01.12.2026, 14:05) and units (2 Min. 29 s).
    assert.match((await first.locator('td').first().textContent()) ?? '', /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
    await page.getByTestId('journal').getByText('Min.').first().waitFor();
    await shot(page, 'journal-de');
    await page.reload();
    await page.getByRole('heading', { name: 'Anrufjournal' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    await context.close();
  });
});
