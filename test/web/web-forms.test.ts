/**
 * The forms generated from the options schemas the API serves (sources, PBX connections, CRM
 * connections) in a real browser against the real server (web-harness.ts), in English and German:
 * every type is shown by its name, never its id; every option has a label in the page's language,
 * never the option's camelCase id or its English words in the German page; and every option the
 * schema describes has help in that language.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { WebHarness } from './web-harness.ts';

const h = new WebHarness();

type Field = { label: string; help: string | null };
type Schema = { properties?: Record<string, { description?: string }> };

/** Each option input of the open form, by option name: its label and its help (aria-describedby). */
function fieldsOf(form: Locator): Promise<Record<string, Field>> {
  // The test project has no DOM types: the slice of the elements this reads.
  type Input = { name: string; labels: ArrayLike<{ textContent: string | null }> | null; getAttribute(name: string): string | null };
  type Root = { querySelectorAll(selector: string): Iterable<Input>; ownerDocument: { getElementById(id: string): { textContent: string | null } | null } };
  return form.getByTestId('schema-fields').evaluate((root) => {
    const out: Record<string, { label: string; help: string | null }> = {};
    const r = root as unknown as Root;
    for (const el of r.querySelectorAll('input[name], select[name], textarea[name]')) {
      const help = el.getAttribute('aria-describedby');
      out[el.name] = { label: (el.labels?.[0]?.textContent ?? '').trim(), help: help ? (r.ownerDocument.getElementById(help)?.textContent ?? '').trim() : null };
    }
    return out;
  });
}

/** The type picker's choices: value → the text people see. */
function typeChoices(form: Locator): Promise<Record<string, string>> {
  return form.locator('select[name=type] option').evaluateAll((options) => Object.fromEntries(options.map((o) => [(o as unknown as { value: string }).value, (o.textContent ?? '').trim()])));
}

/** The fields of every type the form's type picker offers. */
async function everyType(form: Locator): Promise<Record<string, Record<string, Field>>> {
  const out: Record<string, Record<string, Field>> = {};
  for (const type of Object.keys(await typeChoices(form))) {
    await form.locator('select[name=type]').selectOption(type);
    out[type] = await fieldsOf(form);
  }
  return out;
}

/** The CRM editor of each preset button: the type's name on the form and its fields. */
async function crmForms(page: Page, presets: string[], formName: string, cancel: string) {
  const out: Record<string, { typeName: string; fields: Record<string, Field> }> = {};
  for (const preset of presets) {
    await page.getByRole('button', { name: preset, exact: true }).click();
    const form = page.getByRole('form', { name: formName });
    out[preset] = { typeName: (await form.locator('.form-grid .field > span').nth(1).textContent())!.trim(), fields: await fieldsOf(form) };
    await form.getByRole('button', { name: cancel }).click();
  }
  return out;
}

/** What the page would show for an option without a text of its own: "timeoutSeconds" → "Timeout seconds". */
const fromId = (name: string) => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** German and English forms of one type: German words throughout, help where the schema describes. */
function assertTranslated(what: string, schema: Schema, en: Record<string, Field>, de: Record<string, Field>): void {
  const names = Object.keys(schema.properties ?? {});
  assert.deepEqual(Object.keys(de).sort(), names.slice().sort(), `${what}: a field per option`);
  for (const name of names) {
    const where = `${what} ${name}`;
    for (const field of [en[name], de[name]]) {
      assert.ok(field.label.length > 1, `${where}: a label`);
      assert.notEqual(field.label, name, `${where}: not the option id`);
    }
    assert.notEqual(de[name].label, en[name].label, `${where}: a German label (${de[name].label})`);
    assert.notEqual(de[name].label, fromId(name), `${where}: not made from the id`);
    if (schema.properties![name].description) {
      assert.ok(en[name].help && de[name].help, `${where}: help in both languages`);
      assert.notEqual(de[name].help, en[name].help, `${where}: German help`);
      assert.notEqual(de[name].help, schema.properties![name].description, `${where}: not the schema's English`);
    }
  }
}

describe('web UI option forms in Chromium', () => {
  before(async () => {
    await h.start();
    await h.api('PUT', '/api/v1/users', [{ extension: '200', name: 'Ada Admin', email: 'ada@example.com' }]);
    h.setPassword('200', 'admin');
    await h.api('POST', '/api/v1/sources', { type: 'csv', name: 'Team list', interval: 'off' });
    await h.api('POST', '/api/v1/connectors', { type: 'asterisk-ami', name: 'Office', enabled: false, host: '127.0.0.1', username: 'cb', secret: 'ami-secret-1' });
  });

  afterEach((t) => h.explain(t));
  after(() => h.close());

  it('names every source, PBX and CRM type and labels every option in English and German, with help', async () => {
    const sourceTypes = (await h.api('GET', '/api/v1/sources')).types as { type: string; options: Schema }[];
    const pbxTypes = (await h.api('GET', '/api/v1/connectors')).types as { type: string; options: Schema }[];
    const crmTypes = (await h.api('GET', '/api/v1/crm/connections')).types as { type: string; options: Schema }[];
    const { context, page } = await h.signIn('200');

    // English.
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByTestId('sources').locator('tr', { hasText: 'Team list' }).getByText('CSV by URL or file').waitFor();
    await page.getByRole('button', { name: 'Add source' }).click();
    let form = page.getByRole('form', { name: 'Phonebook source' });
    assert.deepEqual(await typeChoices(form), {
      csv: 'CSV by URL or file',
      ldap: 'LDAP / Active Directory',
      'microsoft-365': 'Microsoft 365 (Graph)',
      'exchange-ews': 'Exchange on-premises (EWS)',
      salesforce: 'Salesforce',
      sugarcrm: 'SugarCRM',
      vcard: 'vCard by URL or file',
      carddav: 'CardDAV address book',
    });
    const sourcesEn = await everyType(form);
    assert.deepEqual(sourcesEn.csv.timeoutSeconds, { label: 'Timeout (seconds)', help: 'The longest a download may take.' });
    await form.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'PBX connections' }).click();
    await page.getByTestId('connections').locator('tr', { hasText: 'Office' }).getByText('Asterisk (AMI)').waitFor();
    await page.getByRole('button', { name: 'Add connection' }).click();
    form = page.getByRole('form', { name: 'PBX connection' });
    assert.deepEqual(await typeChoices(form), { 'asterisk-ami': 'Asterisk (AMI)' });
    const pbxEn = await everyType(form);
    await form.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'Integrations' }).click();
    const crmEn = await crmForms(page, ['Salesforce', 'REST'], 'CRM connection', 'Cancel');
    assert.equal(crmEn.REST.typeName, 'REST CRM by template');

    // German.
    await page.getByRole('button', { name: 'DE', exact: true }).click();
    await page.getByRole('link', { name: 'Quellen' }).click();
    await page.getByTestId('sources').locator('tr', { hasText: 'Team list' }).getByText('CSV per URL oder Datei').waitFor();
    await page.getByRole('button', { name: 'Quelle hinzufügen' }).click();
    form = page.getByRole('form', { name: 'Telefonbuch-Quelle' });
    const namesDe = await typeChoices(form);
    assert.equal(namesDe.csv, 'CSV per URL oder Datei');
    assert.equal(namesDe['exchange-ews'], 'Exchange lokal (EWS)');
    assert.equal(namesDe.carddav, 'CardDAV-Adressbuch');
    for (const [id, name] of Object.entries(namesDe)) assert.notEqual(name, id, `the type ${id} has a name`);
    await form.locator('select[name=type]').selectOption('ldap');
    // The choices of an option are words too.
    assert.deepEqual(await form.locator('select[name=scope] option').allTextContents(), ['Der ganze Teilbaum', 'Nur direkte Einträge darunter', 'Nur der Basiseintrag']);
    await form.locator('select[name=type]').selectOption('csv');
    await h.shot(page, 'source-editor-de');
    const sourcesDe = await everyType(form);
    assert.deepEqual(sourcesDe.csv.url, { label: 'Adresse der Datei (URL)', help: 'http(s)-Adresse der Datei. Leer lassen, um die Datei stattdessen auf der Seite Quellen hochzuladen.' });
    for (const t of sourceTypes) assertTranslated(`source ${t.type}`, t.options, sourcesEn[t.type], sourcesDe[t.type]);
    await form.getByRole('button', { name: 'Abbrechen' }).click();

    await page.getByRole('link', { name: 'Telefonanlagen' }).click();
    await page.getByRole('button', { name: 'Verbindung hinzufügen' }).click();
    form = page.getByRole('form', { name: 'TK-Anlagen-Verbindung' });
    const pbxDe = await everyType(form);
    assert.equal(pbxDe['asterisk-ami'].host.label, 'Hostname oder IP-Adresse');
    for (const t of pbxTypes) assertTranslated(`PBX ${t.type}`, t.options, pbxEn[t.type], pbxDe[t.type]);
    await form.getByRole('button', { name: 'Abbrechen' }).click();

    await page.getByRole('link', { name: 'Integrationen' }).click();
    const crmDe = await crmForms(page, ['Salesforce', 'REST'], 'CRM-Verbindung', 'Abbrechen');
    assert.equal(crmDe.REST.typeName, 'REST-CRM per Vorlage');
    const byType: Record<string, 'Salesforce' | 'REST'> = { salesforce: 'Salesforce', rest: 'REST' };
    for (const t of crmTypes) assertTranslated(`CRM ${t.type}`, t.options, crmEn[byType[t.type]].fields, crmDe[byType[t.type]].fields);
    await context.close();
  });
});
