import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fetch } from 'undici';
import { responseBytes } from './response-body.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const SIZE = 1 << 20;
let url = '';
const server = createServer((_req, res) => res.end(Buffer.alloc(SIZE, 'x')));
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await tick();
  }
}

async function total(bytes: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of bytes) n += chunk.byteLength;
  return n;
}

it('a body kept without its Response ends empty after a garbage collection (why responseBytes exists)', async () => {
  const body = await (async () => (await fetch(url)).body!)();
  await collectGarbage();
  assert.equal(await total(body as AsyncIterable<Uint8Array>), 0);
});

it('responseBytes keeps the body through garbage collections before the first read', async () => {
  const bytes = await (async () => responseBytes((await fetch(url)) as unknown as Response, (err) => err))();
  await collectGarbage();
  assert.equal(await total(bytes), SIZE);
});

it('stopping early cancels the download; a broken body goes through onError', async () => {
  const bytes = responseBytes((await fetch(url)) as unknown as Response, (err) => err);
  for await (const _ of bytes) break;
  const broken = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(SIZE) });
    res.write(Buffer.alloc(1000));
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  try {
    const seen: number[] = [];
    const failing = responseBytes((await fetch(`http://127.0.0.1:${(broken.address() as AddressInfo).port}/`)) as unknown as Response, (_err, received) => {
      seen.push(received);
      return new Error(`broke after ${received} bytes`);
    });
    await assert.rejects(total(failing), /broke after 1000 bytes/);
    assert.deepEqual(seen, [1000]);
  } finally {
    broken.closeAllConnections();
    await new Promise<void>((r) => broken.close(() => r()));
  }
});
