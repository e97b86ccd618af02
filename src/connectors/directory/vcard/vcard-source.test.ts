/**
 * The `vcard` source over a local HTTP server (basic and bearer auth, 401, 404, a connection cut in
 * the middle of the file, 20,000 cards streamed) and from a file path.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../../../test/support/ports.ts';
import { fails, readSource, records } from '../../../../test/support/source-run.ts';
import { vcardSourceType } from './vcard-source.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const card = (i: number) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c${i}\r\nFN:Person ${i}\r\nTEL;TYPE=WORK:+49 89 ${100000 + i}\r\nEND:VCARD\r\n`;
const MANY = 20_000;

let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const authz = req.headers.authorization ?? '';
    if (req.url === '/basic.vcf') {
      if (authz !== 'Basic ' + Buffer.from('anna:s3cret').toString('base64')) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      return void res.writeHead(200, { 'content-type': 'text/vcard' }).end(card(1) + card(2));
    }
    if (req.url === '/bearer.vcf') {
      if (authz !== 'Bearer tok-123') return void res.writeHead(401).end();
      return void res.writeHead(200, { 'content-type': 'text/vcard' }).end(card(3));
    }
    if (req.url === '/many.vcf') {
      res.writeHead(200, { 'content-type': 'text/vcard' });
      let i = 0;
      const more = () => {
        while (i < MANY) {
          const block = Array.from({ length: 100 }, () => card(i++)).join('');
          if (!res.write(block)) return void res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    if (req.url === '/cut.vcf') {
      res.writeHead(200, { 'content-type': 'text/vcard', 'content-length': '100000' });
      res.write(Array.from({ length: 50 }, (_, i) => card(i)).join(''));
      return void setTimeout(() => res.socket?.destroy(), 50);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('vcard source', () => {
  it('downloads with basic auth and with a bearer token', async () => {
    const basic = await readSource(vcardSourceType, { url: `${base}/basic.vcf`, username: 'anna', password: 's3cret' });
    assert.equal(basic.run.full, true);
    assert.deepEqual(records(basic.items).map((r) => [r.recordId, r.contact.name]), [['c1', 'Person 1'], ['c2', 'Person 2']]);
    const bearer = await readSource(vcardSourceType, { url: `${base}/bearer.vcf`, token: 'tok-123' });
    assert.deepEqual(records(bearer.items).map((r) => r.recordId), ['c3']);
  });

  it('streams a big file card by card', async () => {
    const { items, progress } = await readSource(vcardSourceType, { url: `${base}/many.vcf` });
    assert.equal(records(items).length, MANY);
    assert.equal(progress.at(-1), MANY);
    assert.ok(progress.length > 10, 'progress while reading');
  });

  it('says what went wrong: wrong password, no such file, nothing listening, a cut connection', async () => {
    await assert.rejects(readSource(vcardSourceType, { url: `${base}/basic.vcf`, username: 'anna', password: 'wrong' }), fails('auth', /HTTP 401/));
    await assert.rejects(readSource(vcardSourceType, { url: `${base}/nothing.vcf` }), fails('remote', /HTTP 404.*check the URL/));
    const port = await freePort();
    await assert.rejects(readSource(vcardSourceType, { url: `http://127.0.0.1:${port}/x.vcf` }), fails('unreachable', /refused/));
    await assert.rejects(readSource(vcardSourceType, { url: `${base}/cut.vcf` }), fails('unreachable', /broke off|closed/));
  });

  it('reads a file by path and reports a broken one with its line', async () => {
    const { items } = await readSource(vcardSourceType, { path: `${FIXTURES}apple-3.0.vcf` });
    assert.deepEqual(items.map((i) => i.type), ['record', 'record', 'skipped']);
    await assert.rejects(readSource(vcardSourceType, { path: `${FIXTURES}missing.vcf` }), fails('unreachable', /ENOENT/));
    await assert.rejects(readSource(vcardSourceType, { path: new URL('./vcard-source.ts', import.meta.url).pathname }), fails('malformed', /not a vCard file/));
  });

  it('reads an uploaded file, and asks for one when there is none', async () => {
    async function* upload() {
      yield Buffer.from(card(7).slice(0, 20));
      yield Buffer.from(card(7).slice(20));
    }
    const { items } = await readSource(vcardSourceType, {}, { upload: upload() });
    assert.deepEqual(records(items).map((r) => r.recordId), ['c7']);
    await assert.rejects(readSource(vcardSourceType, {}), fails('remote', /upload the file/));
  });

  it('skips a second card with the same UID', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/callbridge-vcard-'));
    const { writeFile, rm } = await import('node:fs/promises');
    try {
      await writeFile(`${dir}/dup.vcf`, card(1) + card(2) + card(1));
      const { items } = await readSource(vcardSourceType, { path: `${dir}/dup.vcf` });
      assert.deepEqual(items.map((i) => i.type), ['record', 'record', 'skipped']);
      assert.equal(items[2].type === 'skipped' && items[2].reason, 'the same UID as the card at line 1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checks options before anything runs', () => {
    const field = (input: unknown) => {
      const c = vcardSourceType.check(input);
      return c.ok ? null : c.field;
    };
    assert.equal(field({}), null, 'uploaded');
    assert.equal(field({ username: 'x' }), '/url');
    assert.equal(field({ url: `${base}/a.vcf`, path: '/a.vcf' }), '/url');
    assert.equal(field({ url: 'ftp://x/a.vcf' }), '/url');
    assert.equal(field({ path: '/a.vcf', username: 'x' }), '/path');
    assert.equal(field({ url: `${base}/a.vcf`, password: 'x' }), '/username');
    assert.equal(field({ url: `${base}/a.vcf` }), null);
  });
});
