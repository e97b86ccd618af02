import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { readSource, records } from '../../../../test/support/source-run.ts';
import { SourceError, type SourceItem } from '../directory-source.ts';
import { csvSource } from './csv-source.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const upload = (name: string) => createReadStream(fixture(name)) as AsyncIterable<Uint8Array>;
const bytes = (text: string | Buffer) => (async function* () { yield Buffer.from(text); })();
const read = (name: string, options: object = {}) => readSource(csvSource, options, { upload: upload(name) });
const contactOf = (items: SourceItem[], i: number) => {
  const r = records(items)[i];
  assert.ok(r && r.type === 'record');
  return r.contact;
};

describe('CSV source: encodings and delimiters', () => {
  test('German Excel: Windows-1252 with semicolons, umlauts intact, typed numbers, -0 switchboard row', async () => {
    const { items } = await read('excel-de-1252.csv');
    const first = contactOf(items, 0);
    assert.equal(first.name, 'Jürgen Größer');
    assert.equal(first.company, 'Müller & Söhne GmbH');
    assert.deepEqual(first.numbers, [
      { number: '089 445566-12', type: 'business' },
      { number: '0171 2345678', type: 'mobile' },
      { number: '089 445566-99', type: 'fax' },
    ]);
    assert.deepEqual(first.emails, ['j.groesser@mueller-soehne.de']);
    assert.equal(first.notes, 'Rückruf ab 14 Uhr');
    assert.deepEqual(contactOf(items, 1).numbers.map((n) => n.type), ['business', 'home']);
    const company = contactOf(items, 2);
    assert.equal(company.name, 'Zentrale Müller & Söhne');
    assert.equal(company.kind, 'company');
    const skipped = items.filter((i) => i.type === 'skipped');
    assert.deepEqual(skipped, [{ type: 'skipped', reason: 'no phone number', line: 5 }]);
  });

  test('Outlook (English): UTF-8 with BOM, quoted notes with a line break and doubled quotes, Company Main Phone as switchboard', async () => {
    const { items } = await read('outlook-en-bom.csv');
    const john = contactOf(items, 0);
    assert.equal(john.name, 'John Q. Smith');
    assert.equal(john.notes, 'Prefers calls\r\nafter 10am, "urgent" only');
    assert.deepEqual(john.numbers, [
      { number: '+1 212 555 0100', type: 'business' },
      { number: '+1 917 555 0101', type: 'mobile' },
      { number: '+1 212 555 0000', type: 'business', switchboard: true },
    ]);
    assert.deepEqual(john.emails, ['john@acme.example', 'js@home.example']);
    const jane = records(items)[1];
    assert.equal(jane.type === 'record' && jane.line, 4, 'the line after a record spanning two lines');
  });

  test('Outlook (German): UTF-8 without BOM, commas, Telefon Firma as switchboard, a semicolon inside a field', async () => {
    const { items } = await read('outlook-de.csv');
    const c = contactOf(items, 0);
    assert.equal(c.name, 'Käthe Schröder');
    assert.deepEqual(c.numbers.map((n) => [n.type, n.switchboard ?? false]), [['business', false], ['mobile', false], ['business', true]]);
    assert.equal(c.notes, 'Notiz mit ; Semikolon');
  });

  test('Google Contacts: labelled phone pairs give the type, ::: separates several values', async () => {
    const { items } = await read('google.csv');
    const maria = contactOf(items, 0);
    assert.equal(maria.company, 'Globex');
    assert.deepEqual(maria.numbers, [
      { number: '+34 612 345 678', type: 'mobile' },
      { number: '+34 91 123 45 67', type: 'business' },
      { number: '+34 91 123 45 68', type: 'business' },
    ]);
    assert.deepEqual(maria.emails, ['maria@globex.example']);
    assert.deepEqual(contactOf(items, 1).numbers, [{ number: '+34 93 555 12 34', type: 'home' }]);
  });

  test('Excel Unicode text: UTF-16 LE with BOM, tabs', async () => {
    const { items } = await read('excel-unicode-utf16le.txt');
    assert.equal(contactOf(items, 0).name, 'Łukasz Kowalski');
    assert.equal(contactOf(items, 1).name, 'Zoë Ærø');
    assert.deepEqual(contactOf(items, 1).numbers, [{ number: '+45 20 12 34 56', type: 'mobile' }]);
  });

  test('ISO-8859-1 with pipes and an id column: ids are record ids, a repeated id is delivered twice (the engine skips the later)', async () => {
    const { items } = await read('export-latin1-pipe.csv');
    assert.deepEqual(records(items).map((r) => r.type === 'record' && [r.recordId, r.contact.name]), [
      ['C-1', 'René Lévesque'],
      ['C-2', 'Björn Ågren'],
      ['C-1', 'Duplicate Row'],
    ]);
  });

  test('explicit encoding and delimiter win over detection', async () => {
    const { items } = await read('excel-de-1252.csv', { encoding: 'utf-8', delimiter: ';' });
    assert.match(contactOf(items, 0).name, /J\uFFFDrgen/, 'decoded as UTF-8 as asked, so the ü is lost');
  });
});

describe('CSV source: columns', () => {
  test('an explicit mapping names the columns; unmapped fields still use the aliases', async () => {
    const csv = 'Kunde,Durchwahl,Zentrale,Kdnr,E-Mail\nMeier AG,030 1234567,030 12345-0,K17,info@meier.example\n';
    const { items } = await readSource(csvSource, { mapping: { name: 'Kunde', business: 'Durchwahl', switchboard: 'Zentrale' }, recordIdColumn: 'Kdnr' }, { upload: bytes(csv) });
    const [r] = records(items);
    assert.ok(r.type === 'record');
    assert.equal(r.recordId, 'K17');
    assert.equal(r.contact.name, 'Meier AG');
    assert.deepEqual(r.contact.numbers, [{ number: '030 1234567', type: 'business' }, { number: '030 12345-0', type: 'business', switchboard: true }]);
    assert.deepEqual(r.contact.emails, ['info@meier.example']);
  });

  test('a mapped column missing from the file fails the run naming it and the columns there are', async () => {
    await assert.rejects(readSource(csvSource, { mapping: { name: 'Kunde' } }, { upload: bytes('Name,Telefon\nA,030 1\n') }), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.kind, 'malformed');
      assert.match(err.message, /Line 1: the column "Kunde" \(mapping of name\) is not in the file; its columns are: Name, Telefon/);
      return true;
    });
  });

  test('the default record id is stable for the same name, company and first number, and differs otherwise', async () => {
    const a = await readSource(csvSource, {}, { upload: bytes('Name,Firma,Telefon,Notiz\nAnna,X,030 1234567,eins\n') });
    const b = await readSource(csvSource, {}, { upload: bytes('Notiz;Telefon;Firma;Name\nzwei;030/123 45 67;X;anna\n') });
    const c = await readSource(csvSource, {}, { upload: bytes('Name,Firma,Telefon\nAnna,Y,030 1234567\n') });
    const id = (r: typeof a) => (records(r.items)[0] as { recordId: string }).recordId;
    assert.equal(id(a), id(b));
    assert.notEqual(id(a), id(c));
  });

  test('rows without name or number are reported with their line; a record id column with an empty cell too', async () => {
    const csv = 'id,Name,Telefon\n1,Anna,030 1111111\n2,,030 2222222\n3,Carl,\n,Dora,030 4444444\n\n5,Emil,030 5555555\n';
    const { items } = await readSource(csvSource, { recordIdColumn: 'id' }, { upload: bytes(csv) });
    assert.deepEqual(items.filter((i) => i.type === 'skipped'), [
      { type: 'skipped', reason: 'no name', line: 3 },
      { type: 'skipped', reason: 'no phone number', line: 4 },
      { type: 'skipped', reason: 'no record id', line: 5 },
    ]);
    assert.deepEqual(records(items).map((r) => r.type === 'record' && [r.recordId, r.line]), [['1', 2], ['5', 7]]);
  });

  test('with a record id column, rows come unread with a fingerprint that changes with the row and with the column plan', async () => {
    const csv = 'id;Name;Telefon\n1;Anna;030 1111111\n2;Ben;030 2222222\n';
    const fingerprints = async (text: string, options: object = { recordIdColumn: 'id' }) => {
      const { raw } = await readSource(csvSource, options, { upload: bytes(text) });
      return raw.map((i) => (i.type === 'row' ? `${i.recordId} ${i.fingerprint}` : `not a row: ${i.type}`));
    };
    const [a1, b1] = await fingerprints(csv);
    assert.match(a1, /^1 /);
    assert.match(b1, /^2 /);
    const [a2, b2] = await fingerprints('id;Name;Telefon\n1;Anna;030 1111111\n2;Ben;030 2222229\n');
    assert.equal(a2, a1, 'an unchanged row keeps its fingerprint');
    assert.notEqual(b2, b1, 'a changed cell changes it');
    const [a3] = await fingerprints(csv, { recordIdColumn: 'id', mapping: { business: 'Telefon', name: 'Name' } });
    assert.notEqual(a3, a1, 'another mapping reads the same row differently');
    const [a4] = await fingerprints('id;Name;Mobil\n1;Anna;030 1111111\n');
    assert.notEqual(a4.split(' ')[1], a1.split(' ')[1], 'another header too');
  });

  test('a file without a name or number column fails at line 1', async () => {
    await assert.rejects(readSource(csvSource, {}, { upload: bytes('Foo,Bar\n1,2\n') }), /Line 1: no name column/);
    await assert.rejects(readSource(csvSource, {}, { upload: bytes('Name,Bar\n1,2\n') }), /Line 1: no phone number column/);
    await assert.rejects(readSource(csvSource, {}, { upload: bytes('') }), /The file is empty/);
  });
});

describe('CSV source: broken files', () => {
  test('an unclosed quote fails with the line where its record starts, not the end of the file', async () => {
    await assert.rejects(read('broken-quote.csv'), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.message, 'Line 5: a quoted field is not closed');
      assert.equal(err.line, 5);
      return true;
    });
  });

  test('text after a closing quote names its line', async () => {
    await assert.rejects(readSource(csvSource, {}, { upload: bytes('Name,Telefon\nAnna,030 1\n"Bert"x,030 2\n') }), /Line 3: text follows a closing quote/);
  });

  test('mixed line endings (hand-edited files) split into the right records', async () => {
    const { items } = await readSource(csvSource, {}, { upload: bytes('Name,Telefon\r\nAnna,030 1111111\nBert,030 2222222\rCarl,030 3333333\r\n') });
    assert.deepEqual(records(items).map((r) => r.type === 'record' && [r.contact.name, r.line]), [['Anna', 2], ['Bert', 3], ['Carl', 4]]);
  });
});

describe('CSV source: options', () => {
  test('check fills defaults, names bad fields, and keeps credentials consistent', () => {
    const ok = csvSource.check({ url: 'https://example.com/a.csv', username: 'u', password: 'p' });
    assert.ok(ok.ok);
    assert.equal(ok.options.delimiter, 'auto');
    assert.equal(ok.options.encoding, 'auto');
    const bad = csvSource.check({ url: 'ftp://x' });
    assert.ok(!bad.ok && bad.field === '/url');
    const noUser = csvSource.check({ url: 'https://x/a.csv', password: 'p' });
    assert.ok(!noUser.ok && noUser.field === '/username');
    const delimiter = csvSource.check({ delimiter: ':' });
    assert.ok(!delimiter.ok && delimiter.field === '/delimiter');
    const unknown = csvSource.check({ colour: 'red' });
    assert.ok(!unknown.ok && unknown.field === '/colour');
    assert.deepEqual(csvSource.secretOptions, ['password', 'token']);
  });
});

describe('CSV source by URL', () => {
  let server: Server;
  let base: string;
  const seen: Array<string | undefined> = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/secret.csv' && req.headers.authorization !== 'Basic ' + Buffer.from('anna:right').toString('base64')) {
        res.writeHead(401, { 'www-authenticate': 'Basic' }).end();
      } else if (req.url === '/token.csv' && req.headers.authorization !== 'Bearer t0k3n') {
        res.writeHead(401).end();
      } else if (req.url === '/cut.csv') {
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '100000' });
        res.write('Name,Telefon\nAnna,030 1111111\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (req.url === '/missing.csv') {
        res.writeHead(404).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/csv' }).end(readFileSync(fixture('excel-de-1252.csv')));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('basic auth and bearer tokens are sent; the file is read', async () => {
    const basic = await readSource(csvSource, { url: `${base}/secret.csv`, username: 'anna', password: 'right' });
    assert.equal(records(basic.items).length, 3);
    const bearer = await readSource(csvSource, { url: `${base}/token.csv`, token: 't0k3n' });
    assert.equal(records(bearer.items).length, 3);
  });

  test('failures say what happened and what to check', async () => {
    const fails = async (options: object, pattern: RegExp, kind: SourceError['kind']) =>
      assert.rejects(readSource(csvSource, options), (err: unknown) => {
        assert.ok(err instanceof SourceError, String(err));
        assert.equal(err.kind, kind);
        assert.match(err.message, pattern);
        return true;
      });
    await fails({ url: `${base}/secret.csv`, username: 'anna', password: 'wrong' }, /^The server answered 401 Unauthorized: check the username and password/, 'auth');
    await fails({ url: `${base}/missing.csv` }, /404 Not Found: check the URL/, 'remote');
    await fails({ url: `${base}/cut.csv` }, /The connection to 127\.0\.0\.1:\d+ broke after \d+ bytes/, 'unreachable');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await fails({ url: `http://127.0.0.1:${port}/a.csv` }, /Could not reach 127\.0\.0\.1:\d+: the connection was refused/, 'unreachable');
  });
});
