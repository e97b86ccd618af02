/**
 * The vCard reader over exports as Outlook (2.1), Apple Contacts (3.0) and Nextcloud (4.0) write
 * them (fixtures/), over every way a byte stream can be cut into chunks, and over broken files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SourceItem } from '../directory-source.ts';
import { readCards, VcardSyntaxError } from './vcard-lines.ts';
import { cardToItem } from './vcard-mapping.ts';
import { components, parseProperty, unescapeText } from './vcard-parser.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function items(bytes: Uint8Array, size = 65536): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const card of readCards(chunked(bytes, size))) out.push(cardToItem(card));
  return out;
}

describe('vCard parser', () => {
  it('reads an Outlook 2.1 export: quoted-printable, Windows-1252, bare types, a photo', async () => {
    const [juergen, nameless] = await items(fixture('outlook-2.1.vcf'));
    assert.equal(juergen.type, 'record');
    assert.equal(juergen.line, 1);
    assert.match(juergen.recordId, /^sha256:[0-9a-f]{32}$/, 'no UID: a hash of the card');
    assert.deepEqual(juergen.contact, {
      name: 'Jürgen Müller',
      company: 'Bäckerei Müller GmbH',
      kind: 'person',
      numbers: [
        { number: '+49 (89) 445566-12', type: 'business' },
        { number: '0171 2345678', type: 'mobile' },
        { number: '+49 89 445566-99', type: 'fax' },
      ],
      emails: ['juergen@baeckerei.example'],
      notes: 'Bestellt immer freitags. Bitte Straße und Hausnummer prüfen.\nZweite Zeile',
    });
    assert.deepEqual(nameless, { type: 'skipped', recordId: nameless.recordId, line: 18, reason: 'no name (FN, N and ORG are empty)' });
  });

  it('reads an Apple 3.0 export: groups, lower-case types, escapes, company cards, contact groups', async () => {
    const [anna, company, group] = await items(fixture('apple-3.0.vcf'));
    assert.deepEqual(anna, {
      type: 'record',
      recordId: '5A1F6E2C-0B1D-4F7A-9B5E-1C2D3E4F5A6B',
      line: 1,
      contact: {
        name: 'Dr. Anna Maria Beispiel',
        company: 'Beispiel GmbH',
        kind: 'person',
        numbers: [
          { number: '+49 89 445566-12', type: 'other' },
          { number: '+49 171 9876543', type: 'mobile' },
          { number: '089 11 22 33', type: 'home' },
          { number: '+49 89 445566-99', type: 'fax' },
        ],
        emails: ['anna@beispiel.example'],
        notes: 'Kundin seit 2019, Rabatt 5 %; bevorzugt\nvormittags anrufen',
      },
    });
    assert.deepEqual(company.type === 'record' && company.contact, {
      name: 'Beispiel GmbH',
      company: 'Beispiel GmbH',
      kind: 'company',
      numbers: [{ number: '+49 89 445566-0', type: 'business', switchboard: true }],
      emails: [],
      notes: null,
    });
    assert.deepEqual(group, { type: 'skipped', recordId: 'group-1', line: 25, reason: 'a contact group, not a contact' });
  });

  it('reads a 4.0 card: tel: URIs, quoted type lists, folding, KIND:org', async () => {
    const [tomas, org] = await items(fixture('nextcloud-4.0.vcf'));
    assert.equal(tomas.type === 'record' && tomas.recordId, 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1');
    assert.deepEqual(tomas.type === 'record' && tomas.contact, {
      name: 'Tomás Øster-Lund',
      company: null,
      kind: 'person',
      numbers: [
        { number: '+44-7700-900123', type: 'mobile' },
        { number: '+44-20-7946-0958', type: 'business' },
      ],
      emails: ['tomas@example.org'],
      notes: 'A very long note that was folded by the writer because it is longer than seventy-five octets per line, as RFC 6350 asks.',
    });
    assert.equal(org.type === 'record' && org.contact.kind, 'company');
    assert.match(org.type === 'record' ? org.recordId : '', /^sha256:/);
  });

  it('gives the same cards however the bytes are cut into chunks', async () => {
    for (const name of ['outlook-2.1.vcf', 'apple-3.0.vcf', 'nextcloud-4.0.vcf']) {
      const bytes = fixture(name);
      const whole = await items(bytes);
      for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(await items(bytes, size), whole, `${name} in chunks of ${size}`);
      const lf = Buffer.from(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      assert.deepEqual((await items(lf)).map((i) => i.type === 'record' && i.contact), whole.map((i) => i.type === 'record' && i.contact), `${name} with LF`);
    }
  });

  it('derives the name from N when FN is missing, and reads a UTF-8 BOM', async () => {
    const card = '\ufeffBEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John;Q.;Mr.;Jr.\r\nTEL;TYPE=work,voice:+1 555 0100\r\nEND:VCARD\r\n';
    const [item] = await items(Buffer.from(card, 'utf8'));
    assert.equal(item.type === 'record' && item.contact.name, 'Mr. John Q. Doe Jr.');
    assert.equal(item.type === 'record' && item.contact.numbers[0].type, 'business');
  });

  it('fails on a cut-off file and on a file that is not a vCard, naming the line', async () => {
    const cut = fixture('apple-3.0.vcf').subarray(0, 400);
    await assert.rejects(items(cut), (err: unknown) => err instanceof VcardSyntaxError && err.line === 1 && /no END:VCARD/.test(err.message));
    await assert.rejects(items(Buffer.from('Name;Telefon\nAnna;123\n')), (err: unknown) => err instanceof VcardSyntaxError && /not a vCard file/.test(err.message));
    assert.deepEqual(await items(Buffer.from('')), []);
  });

  it('parses parameters and escapes', () => {
    const p = parseProperty('item2.tel;TYPE="work,voice";pref=1;X-LABEL="a:b;c":+1 555');
    assert.equal(p?.name, 'TEL');
    assert.deepEqual(p?.params.get('TYPE'), ['work', 'voice']);
    assert.deepEqual(p?.params.get('X-LABEL'), ['a:b;c']);
    assert.equal(p?.raw, '+1 555');
    assert.equal(parseProperty('no colon here'), null);
    assert.equal(unescapeText('a\\,b\\;c\\nd\\\\e'), 'a,b;c\nd\\e');
    assert.deepEqual(components('Doe\\;Smith;John;;'), ['Doe;Smith', 'John', '', '']);
  });
});
