/**
 * The Integrations page's editors in a real browser against the real server (web-harness.ts): a
 * webhook created through the page delivering to a local receiver, its refused first attempt a dead
 * letter in the attempt log, replayed and delivered; a CRM connection from a preset with its dry-run
 * lookup, journaling preview and mappings; the employee-integration URLs — each checked through the API.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { acceptNextDialog, EMPTY, startReceiver } from './receiver.ts';
import { signatureHeaders } from '../../src/delivery/webhook-signature.ts';
import { callEvents, WebHarness } from './web-harness.ts';

const h = new WebHarness();
const receiver = await startReceiver();
const { base, received } = receiver;
let ingestKey = '';

describe('web UI integrations editors in Chromium', () => {
  before(async () => {
    await h.start();
    await h.api('PUT', '/api/v1/users', [
      { extension: '200', name: 'Ada Admin', email: 'ada@example.com' },
    ]);
    h.setPassword('200', 'admin');
    ingestKey = (await h.api('POST', '/api/v1/keys', { name: 'PBX', role: 'ingest' })).key;
    // Deliveries, CRM requests and actions to loopback are blocked unless the tenant allows them.
    await h.api('PATCH', '/api/v1/settings', { deliveryAllowList: ['127.0.0.1'] });
  });

  afterEach((t) => h.explain(t, () => `receiver got: ${received.map((r) => `${r.method} ${r.url}`).join(', ')}`));
  after(async () => {
    await h.close();
    receiver.close();
  });

  it('creates a webhook, logs its attempts to a local receiver and replays the dead letter', async () => {
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const form = page.getByRole('form', { name: 'Add webhook' });
    await form.locator('input[name=name]').fill('Local receiver');
    await form.locator('input[name=url]').fill(`${base}/hook`);
    await form.getByLabel('call.missed').uncheck();
    // Extension 202 has no sign-in: no screen pop covers the page.
    await form.locator('input[name=extensions]').fill('202');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    // The signing secret, once.
    assert.match((await page.getByTestId('webhook-secret').locator('code').textContent()) ?? '', /^whsec_/);
    await h.shot(page, 'webhook-created');
    const hook = page.getByTestId('webhooks').locator('tr', { hasText: 'Local receiver' });
    await hook.getByText('only extensions 202').waitFor();
    const [stored] = (await h.api('GET', '/api/v1/webhooks')).items;
    assert.deepEqual(stored.eventTypes, ['call.ended']);
    assert.deepEqual(stored.filters, { extension: ['202'] });

    // The receiver refuses the first delivery with 400: a permanent failure, a dead letter at once.
    const call = callEvents('hooked-1', '+49 30 555000', '202', new Date(Date.now() - 600_000).toISOString());
    await h.api('POST', '/api/v1/events', [call.ringing, call.answered, call.ended], ingestKey);
    await page.getByRole('button', { name: 'Dead letter', exact: true }).click();
    const dead = page.getByTestId('deliveries').locator('tbody > tr', { hasText: 'Local receiver' }).first();
    await dead.waitFor();
    await dead.click();
    await page.getByTestId('attempts').getByText('400', { exact: true }).waitFor();
    assert.equal(received.filter((r) => r.url === '/hook').length, 1);
    await h.shot(page, 'dead-letters');

    receiver.state.hookStatus = 200;
    await dead.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Send 1 selected again' }).click();
    await page.getByRole('button', { name: 'Delivered', exact: true }).click();
    const delivered = page.getByTestId('deliveries').locator('tbody > tr', { hasText: 'Local receiver' }).first();
    await delivered.waitFor({ timeout: 20_000 });
    await delivered.click();
    await page.getByTestId('attempts').getByText('#2').waitFor();
    assert.equal(received.filter((r) => r.url === '/hook').length, 2);
    assert.match(received.at(-1)!.body, /hooked-1/);

    await hook.getByRole('button', { name: 'Disable' }).click();
    await hook.getByText('Disabled', { exact: true }).waitFor();
    assert.equal((await h.api('GET', `/api/v1/webhooks/${stored.id}`)).enabled, false);
    acceptNextDialog(page);
    await hook.getByRole('button', { name: 'Delete' }).click();
    await hook.waitFor({ state: 'detached' });
    assert.equal((await h.api('GET', '/api/v1/webhooks')).items.length, 0);
    await context.close();
  });

  it('edits a webhook: name, URL, events, filters, enabled, parallel deliveries and a new signing secret', async () => {
    receiver.state.hookStatus = 200;
    const created = await h.api('POST', '/api/v1/webhooks', { name: 'CRM sync', url: `${base}/hook-a`, eventTypes: ['call.ended'] });
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Integrations' }).click();
    const hook = () => page.getByTestId('webhooks').locator('tr', { hasText: 'CRM sync' });
    await hook().getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit webhook' });
    assert.equal(await form.locator('input[name=url]').inputValue(), `${base}/hook-a`);
    assert.equal(await form.getByLabel('call.ended').isChecked(), true);
    assert.equal(await form.getByLabel('call.missed').isChecked(), false);
    await form.locator('input[name=name]').fill('CRM sync (sales)');
    await form.locator('input[name=url]').fill(`${base}/hook-b`);
    await form.getByLabel('call.answered').check();
    await form.getByLabel('Inbound').check();
    await form.getByLabel('Queue calls').check();
    await form.locator('input[name=extensions]').fill('200, 201');
    await form.locator('input[name=queues]').fill('sales');
    await form.locator('input[name=maxConcurrency]').fill('2');
    await form.getByLabel('Enabled').uncheck();
    await form.getByLabel('New signing secret').check();
    await h.shot(page, 'webhook-edit');
    await form.getByRole('button', { name: 'Save' }).click();
    // The new secret, once; the old one no longer signs.
    const secret = (await page.getByTestId('webhook-secret').locator('code').textContent())!;
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    await hook().getByText('only queues sales').waitFor();
    const stored = await h.api('GET', `/api/v1/webhooks/${created.id}`);
    assert.equal(stored.name, 'CRM sync (sales)');
    assert.equal(stored.url, `${base}/hook-b`);
    assert.deepEqual(stored.eventTypes, ['call.ended', 'call.answered']);
    assert.deepEqual(stored.filters, { direction: ['inbound'], kind: ['queue'], extension: ['200', '201'], queue: ['sales'] });
    assert.equal(stored.enabled, false);
    assert.equal(stored.maxConcurrency, 2);

    // Opened again, the form shows what is stored; the filters go, the webhook is enabled again.
    await hook().getByRole('button', { name: 'Edit' }).click();
    assert.equal(await form.locator('input[name=extensions]').inputValue(), '200, 201');
    assert.equal(await form.locator('input[name=queues]').inputValue(), 'sales');
    assert.equal(await form.getByLabel('Enabled').isChecked(), false);
    await form.getByLabel('Inbound').uncheck();
    await form.getByLabel('Queue calls').uncheck();
    await form.locator('input[name=extensions]').fill('');
    await form.locator('input[name=queues]').fill('');
    await form.getByLabel('Enabled').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    const again = await h.api('GET', `/api/v1/webhooks/${created.id}`);
    assert.deepEqual(again.filters, {});
    assert.equal(again.enabled, true);

    // A call now reaches the new URL, signed with the new secret.
    const call = callEvents('edited-1', '+49 30 555111', '202', new Date(Date.now() - 300_000).toISOString());
    await h.api('POST', '/api/v1/events', [call.ringing, call.answered, call.ended], ingestKey);
    let delivery = received.find((r) => r.url === '/hook-b' && r.body.includes('edited-1'));
    for (let i = 0; i < 300 && !delivery; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      delivery = received.find((r) => r.url === '/hook-b' && r.body.includes('edited-1'));
    }
    assert.ok(delivery, 'the webhook delivered to its new URL');
    const headers = signatureHeaders(secret, String(delivery.headers['webhook-id']), Number(delivery.headers['webhook-timestamp']), delivery.body);
    assert.equal(delivery.headers['webhook-signature'], headers['webhook-signature'], 'signed with the secret the page showed');
    acceptNextDialog(page);
    await hook().getByRole('button', { name: 'Delete' }).click();
    await hook().waitFor({ state: 'detached' });
    await context.close();
  });

  it('creates a CRM connection from a preset, tests a lookup, maps extensions and deletes it', async () => {
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('button', { name: 'Pipedrive' }).click();
    const dialog = page.getByRole('form', { name: 'CRM connection' });
    assert.equal(await dialog.locator('select[name=preset]').inputValue(), 'pipedrive');
    await dialog.locator('input[name=baseUrl]').fill(base);
    await dialog.locator('input[name=apiKey]').fill('pd-token-123');
    await h.shot(page, 'crm-editor');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('crm').locator('tr', { hasText: 'Pipedrive' }).first();
    await row.waitFor();
    const [stored] = (await h.api('GET', '/api/v1/crm/connections')).items;
    assert.equal(stored.options.preset, 'pipedrive');
    assert.deepEqual(stored.secretsSet, ['apiKey']);

    // The dry-run lookup reaches the CRM (the local receiver) with the number and the key.
    await row.getByRole('button', { name: 'Test & mappings' }).click();
    const before = received.length;
    await page.getByTestId('crm-test').locator('input[name=number]').fill('+49 30 1234567');
    await page.getByRole('button', { name: 'Look up' }).click();
    // Read as words, not JSON: the CRM answered and knows nobody.
    const result = page.getByTestId('crm-result');
    await result.getByText('Not found: the CRM has no record with 030 1234567.').waitFor();
    await result.getByText(/^The answer took \d+ ms\.$|^The answer took [\d.]+ s\.$/).waitFor();
    assert.doesNotMatch((await result.textContent())!, /[{}"]|outcome/);
    const lookup = received.slice(before).find((r) => r.url.startsWith('/v1/persons/search'));
    assert.ok(lookup, JSON.stringify(received.slice(before)));
    assert.match(decodeURIComponent(lookup.url), /\+?49301234567/);
    assert.equal(lookup.headers['x-api-token'], 'pd-token-123', "the preset's header carries the stored key");

    // A number the CRM knows: the record it found.
    receiver.state.crmBody = JSON.stringify({ success: true, data: { items: [{ item: { id: 4711, name: 'Erika Mustermann', organization: { name: 'Muster AG' }, primary_email: 'erika@muster.example', phones: ['+49301234567'] } }] } });
    await page.getByRole('button', { name: 'Look up' }).click();
    await result.getByText('Found: the CRM knows 030 1234567.').waitFor();
    const found = await result.locator('dl').evaluate((dl) => [...dl.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`));
    assert.deepEqual(found.slice(0, 3), ['Name: Erika Mustermann', 'Company: Muster AG', 'E-mail: erika@muster.example']);
    assert.ok(found.includes('Id in the CRM: 4711'), found.join(' | '));
    await result.scrollIntoViewIfNeeded();
    await h.shot(page, 'crm-test');
    // The same result in German, as the page switches language.
    await page.getByRole('button', { name: 'DE', exact: true }).click();
    await result.getByText('Gefunden: Das CRM kennt 030 1234567.').waitFor();
    await result.getByText('Firma', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'EN', exact: true }).click();

    // A CRM that refuses: why, in plain words, and the CRM's own answer.
    receiver.state.crmStatus = 401;
    await page.getByRole('button', { name: 'Look up' }).click();
    await result.getByText('The lookup failed.').waitFor();
    await result.getByText(/^The CRM refused the request or could not be reached\./).waitFor();
    await result.getByText(/^Reason: .*401/).waitFor();
    receiver.state.crmStatus = 200;
    receiver.state.crmBody = EMPTY;

    // The journaling preview of a stored call (the webhook test's) shows the request and sends nothing.
    const sent = received.length;
    await page.getByTestId('crm-test').locator('select[name=callId]').selectOption({ label: (await page.getByRole('option', { name: /555000/ }).textContent())! });
    await page.getByRole('button', { name: 'Preview (nothing is sent)' }).click();
    await result.getByText('This call would be journaled as an answered inbound call. Nothing was sent; these are the requests:').waitFor();
    await result.locator('.request-preview').first().getByText('POST', { exact: true }).waitFor();
    assert.match((await result.locator('.request-preview code').first().textContent())!, new RegExp(`^${base}/`));
    assert.equal(received.length, sent, 'a preview sends nothing');
    await result.scrollIntoViewIfNeeded();
    await h.shot(page, 'crm-journal-preview');

    const mappings = page.getByTestId('crm-mappings');
    await mappings.getByRole('button', { name: 'Add mapping' }).click();
    await mappings.getByLabel('Extension').fill('200');
    await mappings.getByLabel('CRM user id').fill('pd-user-7');
    await mappings.getByLabel('Log calls').selectOption('answered');
    await mappings.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').first().waitFor();
    assert.deepEqual((await h.api('GET', `/api/v1/crm/connections/${stored.id}/mappings`)).items, [{ extension: '200', crmUserId: 'pd-user-7', logCalls: 'answered' }]);

    await row.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await dialog.locator('input[name=apiKey]').inputValue(), '');
    await dialog.locator('input[name=name]').fill('Pipedrive Sales');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('crm').getByText('Pipedrive Sales').waitFor();
    acceptNextDialog(page);
    await page.getByTestId('crm').locator('tr', { hasText: 'Pipedrive Sales' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('crm').waitFor({ state: 'detached' });
    assert.equal((await h.api('GET', '/api/v1/crm/connections')).items.length, 0);
    await context.close();
  });

  it('saves the employee-integration URLs and method', async () => {
    const { context, page } = await h.signIn('200');
    await page.getByRole('link', { name: 'Integrations' }).click();
    const form = page.getByRole('form', { name: 'Employee integration' });
    await form.locator('select[name=method]').selectOption('POST');
    await form.locator('input[name=url-incoming]').fill(`${base}/employee/incoming`);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const stored = await h.api('GET', '/api/v1/integrations/employee');
    assert.equal(stored.method, 'POST');
    assert.equal(stored.urls.incoming, `${base}/employee/incoming`);
    assert.equal(stored.urls.ended, '');
    await page.reload();
    assert.equal(await form.locator('input[name=url-incoming]').inputValue(), `${base}/employee/incoming`);
    await form.scrollIntoViewIfNeeded();
    await h.shot(page, 'integrations-employee');
    await context.close();
  });
});
