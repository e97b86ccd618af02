import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { followEventStream, SseParser, StreamRefusedError, type SseMessage } from './sse-client.ts';

describe('SseParser', () => {
  it('dispatches on a blank line, with id, event and multi-line data', () => {
    const parser = new SseParser();
    const messages = parser.feed('id: 7\nevent: call.ringing\ndata: {"a":\ndata: 1}\n\n');
    assert.deepEqual(messages, [{ id: '7', event: 'call.ringing', data: '{"a":\n1}' }]);
    assert.equal(parser.lastEventId, '7');
  });

  it('handles any split of the input, including CRLF split across chunks', () => {
    const text = '\uFEFFretry: 1500\r\n\r\n: keep-alive\r\n\r\nid: 1\r\nevent: a\r\ndata: x\r\n\r\nid: 2\rdata:y\r\r';
    const expected = [
      { id: '1', event: 'a', data: 'x' },
      { id: '2', event: 'message', data: 'y' },
    ];
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const got: SseMessage[] = [];
      for (let i = 0; i < text.length; i += size) got.push(...parser.feed(text.slice(i, i + size)));
      assert.deepEqual(got, expected, `chunk size ${size}`);
      assert.equal(parser.retryMs, 1500);
    }
  });

  it('does not dispatch without data, but remembers the id; ignores unknown fields', () => {
    const parser = new SseParser('3');
    assert.deepEqual(parser.feed('id: 4\nfoo: bar\n\nretry: soon\ndata\n\n'), [{ id: '4', event: 'message', data: '' }]);
    assert.equal(parser.retryMs, undefined);
  });

  it('drops a half-received message on reset, its id too', () => {
    const parser = new SseParser();
    parser.feed('id: 9\ndata: a\n\nid: 10\ndata: half\n');
    assert.equal(parser.lastEventId, '9', 'an id counts once its message is complete');
    parser.reset();
    assert.deepEqual(parser.feed('data: b\n\n'), [{ id: '9', event: 'message', data: 'b' }]);
  });
});

type Handler = (res: ServerResponse, headers: IncomingHttpHeaders, url: string) => void;

async function withServer(handlers: Handler[], fn: (url: URL) => Promise<void>): Promise<void> {
  let n = 0;
  const server = createServer((req, res) => handlers[Math.min(n++, handlers.length - 1)](res, req.headers, req.url ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream?x=1`));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).flushHeaders();

describe('followEventStream', () => {
  it('reconnects after a drop with Last-Event-ID and the server-given retry delay', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const stop = new AbortController();
    const got: string[] = [];
    const disconnects: number[] = [];
    await withServer(
      [
        (res, headers) => {
          seen.push(headers);
          sse(res);
          res.end('retry: 20\n\nid: 1\nevent: e\ndata: one\n\nid: 2\nevent: e\ndata: two\n\nid: 3\ndata: cut off');
        },
        (res) => res.writeHead(503).end(),
        (res, headers) => {
          seen.push(headers);
          sse(res);
          res.write('id: 3\nevent: e\ndata: three\n\n');
        },
      ],
      (url) =>
        followEventStream({
          url,
          headers: { authorization: 'Bearer k' },
          signal: stop.signal,
          onDisconnect: (_reason, ms) => disconnects.push(ms),
          onMessage: (m) => {
            got.push(`${m.id}:${m.data}`);
            if (m.id === '3') stop.abort();
          },
        }),
    );
    assert.deepEqual(got, ['1:one', '2:two', '3:three']);
    assert.equal(seen[0]['last-event-id'], undefined);
    assert.equal(seen[0].authorization, 'Bearer k');
    assert.equal(seen[0].accept, 'text/event-stream');
    assert.equal(seen[1]['last-event-id'], '2');
    assert.deepEqual(disconnects, [20, 40], 'the delay doubles while attempts fail');
  });

  it('gives up on a 401 with the body, and on a response that is not an event stream', async () => {
    const stop = new AbortController();
    await withServer([(res) => res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"detail":"bad key"}')], async (url) => {
      const err = await followEventStream({ url, signal: stop.signal, onMessage: () => {} }).catch((e: unknown) => e);
      assert.ok(err instanceof StreamRefusedError);
      assert.equal(err.status, 401);
      assert.match(err.body, /bad key/);
    });
    await withServer([(res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')], async (url) => {
      const err = await followEventStream({ url, signal: stop.signal, onMessage: () => {} }).catch((e: unknown) => e);
      assert.ok(err instanceof StreamRefusedError);
      assert.match(err.message, /text\/html/);
    });
  });

  it('reconnects when the connection goes silent, and resolves when aborted', async () => {
    const stop = new AbortController();
    const reasons: string[] = [];
    let connects = 0;
    await withServer([(res) => sse(res)], (url) =>
      followEventStream({
        url,
        signal: stop.signal,
        idleTimeoutMs: 50,
        retryMs: 1,
        onMessage: () => {},
        onConnect: () => {
          if (++connects === 2) stop.abort();
        },
        onDisconnect: (reason) => reasons.push(reason),
      }),
    );
    assert.equal(connects, 2);
    assert.match(reasons[0], /nothing received/);
  });
});
