/**
 * The desk-phone directories: each renderer's XML is well-formed (a strict little checker below:
 * declaration, balanced tags, quoted attributes, known entities, no control characters) and uses
 * exactly the vendor's element names; and the HTTP routes over a real KeyVerifier and store with an
 * in-memory phonebook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createApiKey, KeyVerifier } from '../../auth/api-keys.ts';
import type { Contact, ContactNumber, NumberType } from '../../core/contacts/contact.ts';
import { registerErrorHandling } from '../../http/plugins/errors.ts';
import type { Store } from '../../storage/store.ts';
import { DIALECTS } from '../../../test/support/databases.ts';
import type { Phonebook } from '../phonebook.ts';
import * as cisco from './cisco-directory.ts';
import { DIRECTORY_FORMATS, DIRECTORY_TEXTS } from './directory-formats.ts';
import { directoryRoutes, DIRECTORY_REALM } from './directory-routes.ts';
import * as grandstream from './grandstream-directory.ts';
import * as snom from './snom-directory.ts';
import * as yealink from './yealink-directory.ts';
import { escapeXml } from './xml.ts';

type Node = { name: string; attributes: Record<string, string>; children: Node[]; text: string };

/** Parses the XML subset the phones read, throwing on anything not well-formed. */
function parseXml(xml: string): Node {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), 'starts with the UTF-8 declaration');
  let i = xml.indexOf('?>') + 2;
  for (const ch of xml) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) throw new Error(`control character U+${c.toString(16)}`);
  }
  const stack: Node[] = [];
  let root: Node | undefined;
  const text = (s: string) => {
    if (s.includes('>')) throw new Error(`raw > in text ${JSON.stringify(s)}`);
    return s.replace(/&[^;]*;?/g, (e) => {
      const known: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
      if (e in known) return known[e];
      if (/^&#(\d+|x[0-9a-f]+);$/i.test(e)) return String.fromCodePoint(Number(e.startsWith('&#x') ? `0x${e.slice(3, -1)}` : e.slice(2, -1)));
      throw new Error(`bad entity ${e}`);
    });
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const chunk = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length) stack[stack.length - 1].text += text(chunk);
    else if (chunk.trim()) throw new Error(`text outside the root: ${JSON.stringify(chunk)}`);
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error('unclosed tag');
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1)) throw new Error(`</${tag.slice(1)}> closes <${open?.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*\/?$/.exec(tag);
    if (!m) throw new Error(`malformed tag <${tag}>`);
    const node: Node = { name: m[1], attributes: {}, children: [], text: '' };
    for (const a of m[2].matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) node.attributes[a[1]] = text(a[2]);
    if (stack.length) stack[stack.length - 1].children.push(node);
    else if (root) throw new Error('second root element');
    else root = node;
    if (!selfClosing) stack.push(node);
  }
  if (stack.length || !root) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  return root;
}

const names = (n: Node, into = new Set<string>()) => (into.add(n.name), n.children.forEach((c) => names(c, into)), into);
const all = (n: Node, name: string): Node[] => [...(n.name === name ? [n] : []), ...n.children.flatMap((c) => all(c, name))];
const child = (n: Node, name: string) => n.children.find((c) => c.name === name);

const num = (raw: string, type: NumberType, e164: string | null = null): ContactNumber => ({ raw, e164, type, switchboard: false });
function contact(id: string, name: string, numbers: ContactNumber[], extra: Partial<Contact> = {}): Contact {
  return {
    id, tenantId: 'default', ownerUserId: null, kind: 'person', name, company: null, numbers, emails: [], notes: null, origin: 'manual',
    sourceId: null, sourceRecordId: null, forwardingTarget: false, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...extra,
  };
}

const CONTACTS: Contact[] = [
  contact('1', 'Jürgen Größmann', [num('089 445566-0', 'business', '+49894455660'), num('0171 1234567', 'mobile', '+491711234567')], { company: 'Müller & Söhne <GmbH>' }),
  contact('2', 'Ärztehaus "Süd" \u0007GbR', [num('(030) 98 76-5', 'fax')], { kind: 'company' }),
  contact('3', "O'Brien, Siobhán", [num('+353 1 234', 'home', '+3531234'), num('555', 'other')]),
  contact('4', 'Ohne Nummer', []),
];
const { labels, title } = DIRECTORY_TEXTS.de;

describe('xml escaping', () => {
  it('escapes the five specials and drops control characters', () => {
    assert.equal(escapeXml(`a&b<c>d"e'f\u0000\u001b\u0085g`), 'a&amp;b&lt;c&gt;d&quot;e&apos;fg');
    assert.equal(escapeXml('Grüße 😀'), 'Grüße 😀');
  });
});

describe('yealink directory', () => {
  it('renders YealinkIPPhoneDirectory with one labelled entry per number, UTF-8 and escaped', () => {
    const xml = yealink.render(CONTACTS, { title, labels });
    const root = parseXml(xml);
    assert.equal(root.name, 'YealinkIPPhoneDirectory');
    assert.deepEqual([...names(root)].sort(), ['DirectoryEntry', 'Name', 'Telephone', 'Title', 'YealinkIPPhoneDirectory']);
    const entries = all(root, 'DirectoryEntry').map((e) => [child(e, 'Name')!.text, child(e, 'Telephone')!.text]);
    assert.deepEqual(entries, [
      ['Jürgen Größmann, Müller & Söhne <GmbH> (Geschäftlich)', '+49894455660'],
      ['Jürgen Größmann, Müller & Söhne <GmbH> (Mobil)', '+491711234567'],
      ['Ärztehaus "Süd" GbR', '03098765'],
      ["O'Brien, Siobhán (Privat)", '+3531234'],
      ["O'Brien, Siobhán (Sonstige)", '555'],
    ]);
    assert.match(xml, /Müller &amp; Söhne &lt;GmbH&gt;/);
    assert.match(xml, /Ärztehaus &quot;Süd&quot; GbR/);
  });

  it('labels in English when asked', () => {
    const root = parseXml(yealink.render(CONTACTS.slice(0, 1), { title, labels: DIRECTORY_TEXTS.en.labels }));
    assert.deepEqual(all(root, 'Name').map((n) => n.text.replace(/.*\(/, '(')), ['(Business)', '(Mobile)']);
  });

  it('renders the YealinkIPPhoneInputScreen search form sending q', () => {
    const root = parseXml(yealink.renderSearch({ title, targetUrl: 'http://h/api/v1/directory/yealink.xml?lang=de&x=1', query: 'Mü' }));
    assert.equal(root.name, 'YealinkIPPhoneInputScreen');
    assert.deepEqual([...names(root)].sort(), ['Default', 'InputField', 'Parameter', 'Prompt', 'Title', 'URL', 'YealinkIPPhoneInputScreen']);
    assert.equal(child(root, 'URL')!.text, 'http://h/api/v1/directory/yealink.xml?lang=de&x=1');
    assert.equal(child(child(root, 'InputField')!, 'Parameter')!.text, 'q');
    assert.equal(child(child(root, 'InputField')!, 'Default')!.text, 'Mü');
  });
});

describe('snom directory', () => {
  it('renders SnomIPPhoneDirectory with the vendor names', () => {
    const root = parseXml(snom.render(CONTACTS, { title, labels }));
    assert.equal(root.name, 'SnomIPPhoneDirectory');
    assert.deepEqual([...names(root)].sort(), ['DirectoryEntry', 'Name', 'Prompt', 'SnomIPPhoneDirectory', 'Telephone', 'Title']);
    assert.equal(all(root, 'DirectoryEntry').length, 5);
    for (const t of all(root, 'Telephone')) assert.doesNotMatch(t.text, /\s/, 'no spaces: Snom dials them as %20');
  });

  it('pages at 100 lines', () => {
    const many = Array.from({ length: 150 }, (_, i) => contact(`c${i}`, `Kontakt ${i}`, [num(`${1000 + i}`, 'business')]));
    const second = parseXml(snom.render(many, { title, labels, page: 2 }));
    assert.equal(all(second, 'DirectoryEntry').length, 50);
    assert.equal(child(second, 'Prompt')!.text, '2/2');
    assert.equal(all(second, 'Name')[0].text, 'Kontakt 100');
  });

  it('renders the SnomIPPhoneInput search form with an input token in the URL', () => {
    const root = parseXml(snom.renderSearch({ title, targetUrl: 'http://h/d/snom.xml?lang=de' }));
    assert.equal(root.name, 'SnomIPPhoneInput');
    assert.deepEqual([...names(root)].sort(), ['DefaultValue', 'DisplayName', 'InputFlags', 'InputItem', 'InputToken', 'Prompt', 'SnomIPPhoneInput', 'Title', 'Url']);
    assert.equal(child(root, 'Url')!.text, `http://h/d/snom.xml?lang=de&q=${snom.SNOM_INPUT_TOKEN}`);
    assert.equal(child(child(root, 'InputItem')!, 'InputToken')!.text, snom.SNOM_INPUT_TOKEN);
  });
});

describe('grandstream phonebook', () => {
  it('renders AddressBook contacts with typed phones and split names', () => {
    const root = parseXml(grandstream.render(CONTACTS, { title, labels }));
    assert.equal(root.name, 'AddressBook');
    assert.deepEqual([...names(root)].sort(), ['AddressBook', 'Contact', 'FirstName', 'LastName', 'Phone', 'accountindex', 'phonenumber']);
    const contacts = all(root, 'Contact').map((c) => ({
      first: child(c, 'FirstName')?.text,
      last: child(c, 'LastName')?.text,
      phones: all(c, 'Phone').map((p) => [p.attributes.type, child(p, 'phonenumber')!.text, child(p, 'accountindex')!.text]),
    }));
    assert.deepEqual(contacts, [
      { first: 'Jürgen', last: 'Größmann', phones: [['Work', '+49894455660', '0'], ['Mobile', '+491711234567', '0']] },
      { first: 'Ärztehaus "Süd" GbR', last: undefined, phones: [['Fax', '03098765', '0']] },
      { first: 'Siobhán', last: "O'Brien", phones: [['Home', '+3531234', '0'], ['Other', '555', '0']] },
    ]);
  });
});

describe('cisco directory', () => {
  const many = Array.from({ length: 40 }, (_, i) => contact(`c${i}`, `Kontakt ${i}`, [num(`${1000 + i}`, 'business')]));
  const pageUrl = (p: number) => `http://h/d/cisco.xml?lang=de&page=${p}`;

  it('renders CiscoIPPhoneDirectory with at most 32 entries and paging soft keys', () => {
    const first = parseXml(cisco.render(many, { title, labels, page: 1, pageUrl, searchUrl: 'http://h/d/cisco-search.xml' }));
    assert.equal(first.name, 'CiscoIPPhoneDirectory');
    assert.deepEqual([...names(first)].sort(), ['CiscoIPPhoneDirectory', 'DirectoryEntry', 'Name', 'Position', 'Prompt', 'SoftKeyItem', 'Telephone', 'Title', 'URL']);
    assert.equal(all(first, 'DirectoryEntry').length, 32);
    assert.equal(child(first, 'Prompt')!.text, '1/2');
    const keys = all(first, 'SoftKeyItem').map((k) => [child(k, 'Name')!.text, child(k, 'URL')!.text, child(k, 'Position')!.text]);
    assert.deepEqual(keys, [
      ['Wählen', 'SoftKey:Dial', '1'],
      ['Weiter', pageUrl(2), '2'],
      ['Suchen', 'http://h/d/cisco-search.xml', '3'],
      ['Bearb.', 'SoftKey:EditDial', '4'],
      ['Ende', 'SoftKey:Exit', '5'],
    ]);
    const second = parseXml(cisco.render(many, { title, labels, page: 2, pageUrl }));
    assert.equal(all(second, 'DirectoryEntry').length, 8);
    assert.deepEqual(all(second, 'SoftKeyItem').map((k) => child(k, 'Name')!.text), ['Wählen', 'Zurück', 'Bearb.', 'Ende']);
  });

  it('renders the CiscoIPPhoneInput search form', () => {
    const root = parseXml(cisco.renderSearch({ title, targetUrl: 'http://h/d/cisco.xml?lang=de' }));
    assert.equal(root.name, 'CiscoIPPhoneInput');
    assert.deepEqual([...names(root)].sort(), ['CiscoIPPhoneInput', 'DefaultValue', 'DisplayName', 'InputFlags', 'InputItem', 'Prompt', 'QueryStringParam', 'Title', 'URL']);
    assert.equal(child(child(root, 'InputItem')!, 'QueryStringParam')!.text, 'q');
  });
});

describe('directory formats registry', () => {
  it('renders every format as well-formed XML, search forms only where declared', () => {
    for (const [id, format] of Object.entries(DIRECTORY_FORMATS)) {
      parseXml(format.render(CONTACTS, { title, labels }));
      if ('renderSearch' in format) parseXml(format.renderSearch({ title, targetUrl: `http://h/${id}.xml` }));
      assert.match(format.contentType, /charset=utf-8/);
    }
    assert.equal('renderSearch' in DIRECTORY_FORMATS.grandstream, false);
  });
});

/** The phonebook seam in memory: substring search over name, company and numbers, in insertion order. */
class MemoryPhonebook implements Pick<Phonebook, 'search'> {
  calls: Array<{ tenantId: string; query: string; limit?: number }> = [];
  #contacts: Contact[];
  constructor(contacts: Contact[]) {
    this.#contacts = contacts;
  }
  async search(tenantId: string, query: string, options: { limit?: number } = {}): Promise<Contact[]> {
    this.calls.push({ tenantId, query, limit: options.limit });
    const q = query.toLowerCase();
    return this.#contacts
      .filter((c) => c.tenantId === tenantId)
      .filter((c) => !q || `${c.name} ${c.company ?? ''} ${c.numbers.map((n) => n.raw).join(' ')}`.toLowerCase().includes(q))
      .slice(0, options.limit ?? 50);
  }
}

describe('directory routes', () => {
  let store: Store;
  let app: FastifyInstance;
  let phonebook: MemoryPhonebook;
  const keys = { agent: '', admin: '', ingest: '' };

  before(async () => {
    store = await DIALECTS[0].open();
    const now = new Date().toISOString();
    await store.tenants.create({ id: 'default', name: 'Default', defaultCountry: 'DE', areaCode: null }, now);
    for (const role of ['agent', 'admin', 'ingest'] as const) keys[role] = (await createApiKey(store, { tenantId: 'default', role, name: role })).key;
    phonebook = new MemoryPhonebook([...CONTACTS, ...Array.from({ length: 40 }, (_, i) => contact(`x${i}`, `Kunde ${i}`, [num(`${2000 + i}`, 'business')]))]);
    app = Fastify();
    registerErrorHandling(app);
    await app.register(async (scope) => directoryRoutes(scope, { keys: new KeyVerifier(store), phonebook, store }));
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await store?.close();
  });

  const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`phone:${password}`).toString('base64')}` });

  it('serves the directory with the key in the URL', async () => {
    const res = await app.inject({ url: `/api/v1/directory/${keys.agent}/yealink.xml` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
    const root = parseXml(res.body);
    assert.equal(root.name, 'YealinkIPPhoneDirectory');
    assert.equal(all(root, 'DirectoryEntry').length, 45);
    assert.equal(phonebook.calls.at(-1)!.tenantId, 'default');
  });

  it('serves the directory with HTTP Basic auth (password = key, user ignored)', async () => {
    const res = await app.inject({ url: '/api/v1/directory/snom.xml?q=gr%C3%B6%C3%9F', headers: basic(keys.admin) });
    assert.equal(res.statusCode, 200);
    const root = parseXml(res.body);
    assert.equal(root.name, 'SnomIPPhoneDirectory');
    assert.deepEqual(all(root, 'Telephone').map((t) => t.text), ['+49894455660', '+491711234567']);
    assert.equal(phonebook.calls.at(-1)!.query, 'größ');
  });

  it('answers a wrong or missing key with 401 and a Basic challenge', async () => {
    for (const res of [
      await app.inject({ url: '/api/v1/directory/cb_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/cisco.xml' }),
      await app.inject({ url: '/api/v1/directory/cisco.xml', headers: basic('wrong') }),
      await app.inject({ url: '/api/v1/directory/cisco.xml' }),
    ]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], `Basic realm="${DIRECTORY_REALM}", charset="UTF-8"`);
      assert.equal(res.json().code, 'CB_UNAUTHORIZED');
    }
  });

  it('refuses ingest keys with 403', async () => {
    const res = await app.inject({ url: `/api/v1/directory/${keys.ingest}/cisco.xml` });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'CB_FORBIDDEN');
  });

  it('answers an unknown format with a 404 problem', async () => {
    for (const file of ['polycom.xml', 'grandstream-search.xml', 'phonebook-search.xml', 'yealink.json']) {
      const res = await app.inject({ url: `/api/v1/directory/${keys.agent}/${file}` });
      assert.equal(res.statusCode, 404, file);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.json().code, 'CB_NOT_FOUND');
      assert.equal(res.json().field, '/format');
    }
  });

  it('serves Grandstream under the phonebook.xml name the phone appends', async () => {
    const res = await app.inject({ url: `/api/v1/directory/${keys.agent}/phonebook.xml` });
    assert.equal(res.statusCode, 200);
    assert.equal(parseXml(res.body).name, 'AddressBook');
  });

  it('pages Cisco with a Refresh header and soft keys that keep key, query and language', async () => {
    const res = await app.inject({ url: `/api/v1/directory/${keys.agent}/cisco.xml?lang=en&q=kunde`, headers: { host: 'cb.example:8080' } });
    assert.equal(res.statusCode, 200);
    const root = parseXml(res.body);
    assert.equal(all(root, 'DirectoryEntry').length, 32);
    const next = `http://cb.example:8080/api/v1/directory/${keys.agent}/cisco.xml?lang=en&q=kunde&page=2`;
    assert.equal(res.headers.refresh, `0; url=${next}`);
    const keysByName = Object.fromEntries(all(root, 'SoftKeyItem').map((k) => [child(k, 'Name')!.text, child(k, 'URL')!.text]));
    assert.equal(keysByName.Next, next);
    assert.equal(keysByName.Search, `http://cb.example:8080/api/v1/directory/${keys.agent}/cisco-search.xml?lang=en&q=kunde`);
    const last = await app.inject({ url: `/api/v1/directory/${keys.agent}/cisco.xml?lang=en&q=kunde&page=2` });
    assert.equal(all(parseXml(last.body), 'DirectoryEntry').length, 8);
    assert.equal(last.headers.refresh, undefined);
  });

  it('serves the search form pointing back at the directory', async () => {
    const res = await app.inject({ url: `/api/v1/directory/${keys.agent}/cisco-search.xml`, headers: { host: 'cb.example' } });
    assert.equal(res.statusCode, 200);
    const root = parseXml(res.body);
    assert.equal(root.name, 'CiscoIPPhoneInput');
    assert.equal(child(root, 'URL')!.text, `http://cb.example/api/v1/directory/${keys.agent}/cisco.xml?lang=de`);
  });

  it('uses German labels by default and English with lang=en; rejects other languages', async () => {
    const de = await app.inject({ url: `/api/v1/directory/${keys.agent}/yealink.xml?q=Gr%C3%B6` });
    assert.match(de.body, /\(Mobil\)/);
    const en = await app.inject({ url: `/api/v1/directory/${keys.agent}/yealink.xml?q=Gr%C3%B6&lang=en` });
    assert.match(en.body, /\(Mobile\)/);
    const fr = await app.inject({ url: `/api/v1/directory/${keys.agent}/yealink.xml?lang=fr` });
    assert.equal(fr.statusCode, 400);
  });
});
