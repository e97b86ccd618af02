/**
 * The admin editors in a real browser against the real server (web-harness.ts): phonebook sources
 * created from their type's schema form, edited, synced and deleted, with the reasons of skipped rows;
 * PBX connections added, edited, dialled and deleted — each checked through the API too; and the
 * agent's favourite action started by the screen pop by itself once the agent switched that on.
 * Webhooks, CRM connections and the employee integration: web-integrations.test.ts.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { acceptNextDialog, startReceiver } from './receiver.ts';
import { callEvents, WebHarness } from './web-harness.ts';

const h = new WebHarness();
const receiver = await startReceiver();
const { base, received } = receiver;
let ingestKey = '';

describe('web UI admin editors in Chromium', () => {
  before(async () => {
    await h.start();
    await h.api('PUT', '/api/v1/users', [
      { extension: '200', name: 'Ada Admin', email: 'ada@example.com' },
      { extension: '201', name: 'Anna Schmidt', email: 'anna@example.com' },
    ]);
    h.setPassword('200', 'admin');
    h.setPassword('201', 'agent');
    ingestKey = (await h.api('POST', '/api/v1/keys', { name: 'PBX', role: 'ingest' })).key;
    // Deliveries, CRM requests and actions to loopback are blocked unless the tenant allows them.
    await h.api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] });
  });

  afterEach((t) => h.explain(t));
  after(async () => {
    await h.close();
    receiver.close();
  });

  it('creates, edits, syncs and deletes a phonebook source from its type schema', async () => {
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('button', { name: 'Add source' }).click();
    const dialog = page.getByRole('form', { name: 'Phonebook source' });
    await dialog.locator('select[name=type]').selectOption('csv');
    await dialog.locator('input[name=name]').fill('Team list');
    await dialog.locator('select[name=interval]').selectOption('off');
    await dialog.locator('input[name=url]').fill('https://crm.invalid/team.csv');
    await dialog.locator('input[name=username]').fill('sync');
    assert.equal(await dialog.locator('input[name=password]').getAttribute('type'), 'password');
    await dialog.locator('input[name=password]').fill('csv-secret-1');
    await h.shot(page, 'source-editor');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('sources').locator('tr', { hasText: 'Team list' });
    await row.waitFor();
    const stored = (await h.api('GET', '/api/v1/sources')).items.find((s: { name: string }) => s.name === 'Team list');
    assert.equal(stored.options.url, 'https://crm.invalid/team.csv');
    assert.ok(stored.secretsSet.includes('password'), 'the password is stored sealed');
    assert.equal(stored.options.password, undefined, 'and never returned');

    // Editing: the stored secret is never prefilled, and left empty it stays.
    await row.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await dialog.locator('input[name=password]').inputValue(), '');
    assert.match((await dialog.locator('input[name=password]').getAttribute('placeholder')) ?? '', /Stored/);
    await dialog.locator('input[name=name]').fill('Team list (Berlin)');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const renamed = page.getByTestId('sources').locator('tr', { hasText: 'Team list (Berlin)' });
    await renamed.waitFor();
    const edited = await h.api('GET', `/api/v1/sources/${stored.id}`);
    assert.equal(edited.name, 'Team list (Berlin)');
    assert.ok(edited.secretsSet.includes('password'), 'the empty password field kept the stored one');

    // Sync now: `.invalid` never resolves, so the run fails and the page says why.
    await renamed.getByRole('button', { name: 'Sync now' }).click();
    await renamed.getByText('Failed', { exact: true }).waitFor();
    assert.match((await renamed.getByTestId('source-error').textContent()) ?? '', /crm\.invalid/);

    acceptNextDialog(page);
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Source deleted.').waitFor();
    await renamed.waitFor({ state: 'detached' });
    assert.equal((await h.api('GET', '/api/v1/sources')).items.length, 0);
    await context.close();
  });

  it('lists why rows of the last run were skipped', async () => {
    const source = await h.api('POST', '/api/v1/sources', { type: 'csv', name: 'Upload list' });
    const res = await fetch(`${h.url}/api/v1/sources/${source.id}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'text/csv' },
      body: 'Name,Phone\nErika Mustermann,+49 30 1234567\n,\n',
    });
    assert.ok(res.ok, await res.text());
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Sources' }).click();
    const row = page.getByTestId('sources').locator('tr', { hasText: 'Upload list' });
    await row.getByText(/1 added/).waitFor();
    const report = (await h.api('GET', `/api/v1/sources/${source.id}`)).status.lastReport;
    assert.ok(report.skipped >= 1, JSON.stringify(report));
    await row.getByTestId('skipped').locator('summary').click();
    await row.getByTestId('skipped').getByText(report.skippedItems[0].reason).waitFor();
    await h.shot(page, 'sources-report');
    await context.close();
  });

  it('uploads a file to a CSV source from its page, with the report, and says why a broken file changed nothing', async () => {
    await h.api('POST', '/api/v1/sources', { type: 'csv', name: 'Office list', interval: 'off' });
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Sources' }).click();
    const row = page.getByTestId('sources').locator('tr', { hasText: 'Office list' });
    await row.getByRole('button', { name: 'Upload file' }).click();
    const dialog = page.getByRole('form', { name: 'Upload a file' });
    await dialog.getByText('Upload a file to “Office list”').waitFor();
    const csv = 'Name,Company,Phone\nErika Mustermann,Muster AG,+49 30 1234567\nMax Muster,,+49 40 7654321\n,,\n';
    await dialog.locator('input[name=file]').setInputFiles({ name: 'office.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('button', { name: 'Upload and sync' }).click();
    const report = dialog.getByTestId('upload-report');
    await report.getByText(/^The file was synced in /).waitFor();
    await report.getByText('3 read · 2 added · 0 changed · 0 removed · 1 skipped').waitFor();
    await report.locator('summary').click();
    await h.shot(page, 'source-upload');
    assert.equal((await h.api('GET', `/api/v1/lookup?number=${encodeURIComponent('+49 40 7654321')}`)).match?.name, 'Max Muster');
    // The list behind shows the run too.
    await row.getByText(/2 added/).waitFor();

    // A quote that is never closed: the run fails, nothing changes, and the dialog says so.
    await dialog.locator('input[name=file]').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('Name,Phone\n"Erika,+49 30 1234567\n') });
    await dialog.getByRole('button', { name: 'Upload and sync' }).click();
    const error = dialog.getByTestId('upload-error');
    await error.getByText('The file could not be read, so nothing was changed.').waitFor();
    assert.match((await error.textContent())!, /Reason: Line \d+: a quoted field is not closed/);
    await h.shot(page, 'source-upload-error');
    assert.equal((await h.api('GET', `/api/v1/lookup?number=${encodeURIComponent('+49 40 7654321')}`)).match?.name, 'Max Muster', 'nothing was removed');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Sources that read no files have no upload.
    await h.api('POST', '/api/v1/sources', { type: 'carddav', name: 'Shared address book', interval: 'off', url: 'https://dav.invalid/', username: 'u', password: 'p' });
    await page.reload();
    await page.getByTestId('sources').locator('tr', { hasText: 'Shared address book' }).getByRole('button', { name: 'Sync now' }).waitFor();
    assert.equal(await page.getByTestId('sources').locator('tr', { hasText: 'Shared address book' }).getByRole('button', { name: 'Upload file' }).count(), 0);
    await context.close();
  });

  it('adds, edits and deletes a PBX connection from its options schema', async () => {
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'PBX connections' }).click();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const dialog = page.getByRole('form', { name: 'PBX connection' });
    await dialog.locator('input[name=name]').fill('Branch Asterisk');
    await dialog.locator('input[name=host]').fill('127.0.0.1');
    // Nothing listens on port 1: the connection fails and says why.
    await dialog.locator('input[name=port]').fill('1');
    await dialog.locator('input[name=username]').fill('callbridge');
    await dialog.locator('input[name=secret]').fill('ami-secret-456');
    await dialog.locator('textarea[name=trunkContexts]').fill('from-telekom\nfrom-sipgate');
    await h.shot(page, 'connection-editor');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('connections').locator('tr', { hasText: 'Branch Asterisk' });
    await row.locator('.error-text').waitFor();
    const [stored] = (await h.api('GET', '/api/v1/connectors')).items;
    assert.deepEqual(stored.options.trunkContexts, ['from-telekom', 'from-sipgate']);
    assert.deepEqual(stored.secretsSet, ['secret']);

    await row.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await dialog.locator('input[name=secret]').inputValue(), '');
    assert.equal(await dialog.locator('input[name=port]').inputValue(), '1');
    await dialog.locator('input[name=originateContext]').fill('from-office');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // The editor closes once the server took the change.
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await h.api('GET', `/api/v1/connectors/${stored.id}`)).options.originateContext, 'from-office');

    // The click-to-dial test goes to the API and reports its answer (no connection is up).
    await page.locator('form', { hasText: 'Click-to-dial test' }).locator('input[inputmode=tel]').fill('+49 30 1234567');
    await page.getByRole('button', { name: 'Dial' }).click();
    await page.locator('.toast-error').waitFor();

    acceptNextDialog(page);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await h.api('GET', '/api/v1/connectors')).items.length, 0);
    await context.close();
  });

  it("runs the agent's favourite by itself when a call rings, once the agent switched it on", async () => {
    // A tenant-wide action is every user's favourite while it is their only one.
    await h.api('POST', '/api/v1/actions', { name: 'Open in CRM', ownerUserId: null, execution: 'client', target: { type: 'url', url: `${base}/crm?phone=\${number}` } });
    const { context, page } = await h.signIn('201');
    await page.getByRole('link', { name: 'Actions' }).click();
    const toggle = page.getByLabel('Run my favourite by itself');
    assert.equal(await toggle.isChecked(), false);
    // The switch shows what the server stored, so it turns on once the PUT has answered.
    await toggle.click();
    await page.locator('input[name=autoRunFavourite]:checked').waitFor();
    // Stored server-side: the session (any browser) says so.
    const me = (await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()))) as { preferences: unknown };
    assert.deepEqual(me.preferences, { autoRunFavourite: true });
    await h.shot(page, 'actions-auto-run');

    const opened = context.waitForEvent('page');
    const call = callEvents('auto-1', '+49 30 7777777', '201', new Date().toISOString());
    await h.api('POST', '/api/v1/events', [call.ringing], ingestKey);
    await page.getByTestId('screen-pop').waitFor();
    const tab = await opened;
    await tab.waitForLoadState();
    assert.match(decodeURIComponent(tab.url()), new RegExp(`^${base}/crm\\?phone=\\+?49307777777$`));
    assert.ok(received.some((r) => r.url.startsWith('/crm?phone=')), 'the CRM page was opened');
    const pop = page.getByTestId('screen-pop');
    await pop.getByTestId('pop-auto-run').getByText('Open in CRM started by itself').waitFor();

    // Reloaded while the call still rings: the pop comes back, the favourite does not run again.
    const tabs: unknown[] = [];
    context.on('page', (p) => tabs.push(p));
    await page.reload();
    await pop.getByTestId('pop-auto-run').getByText('Your favourite already ran for this call').waitFor();
    await h.shot(page, 'screen-pop-auto-run');
    // A second tab of the same browser pops the call too, and leaves it at that.
    const second = await context.newPage();
    await second.goto(`${h.url}/live`);
    await second.getByTestId('screen-pop').getByTestId('pop-auto-run').getByText('Your favourite already ran for this call').waitFor();
    assert.equal(tabs.length, 1, 'only the second tab was opened, by the test');
    assert.equal(received.filter((r) => r.url.startsWith('/crm?phone=')).length, 1, 'the CRM page was opened once');
    await second.close();

    // The next call runs it again: once per call, not once per browser.
    const opened2 = context.waitForEvent('page');
    const next = callEvents('auto-2', '+49 30 8888888', '201', new Date().toISOString());
    await h.api('POST', '/api/v1/events', [next.ringing], ingestKey);
    const tab2 = await opened2;
    await tab2.waitForLoadState();
    assert.match(decodeURIComponent(tab2.url()), /phone=\+?49308888888$/);
    await page.getByTestId('screen-pop').filter({ hasText: '888' }).getByTestId('pop-auto-run').getByText('Open in CRM started by itself').waitFor();
    await context.close();
  });
});
