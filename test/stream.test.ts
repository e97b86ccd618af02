/**
 * The live call stream over a real socket: changes arrive as Server-Sent Events, filtered by
 * extension, and a reconnect with Last-Event-ID gets what it missed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SseParser } from '../src/cli/sse-client.ts';
import { forEachDialect } from './support/databases.ts';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';

type Message = { id: string; event: string; data: any };

/** Reads SSE messages from a fetch response until `count` arrived or the time is up. */
async function readMessages(res: Response, count: number, ms = 5_000): Promise<Message[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const messages: Message[] = [];
  const parser = new SseParser();
  const deadline = Date.now() + ms;
  try {
    while (messages.length < count && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
      if (!chunk || chunk.done) break;
      // The CLI's spec-following parser (src/cli/sse-client.ts) reads the stream as a browser would.
      for (const m of parser.feed(decoder.decode(chunk.value, { stream: true }))) messages.push({ id: m.id, event: m.event, data: JSON.parse(m.data) });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return messages;
}

forEachDialect('call stream', (dialect) => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await openApp(dialect);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => t.close());

  const post = (body: unknown) =>
    fetch(`${base}/api/v1/events`, { method: 'POST', headers: { ...auth(t.keys.ingest), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('streams the changes of calls for one extension, live', async () => {
    const res = await fetch(`${base}/api/v1/calls/stream?extension=201`, { headers: auth(t.keys.agent) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const reading = readMessages(res, 3);
    const other = inboundAnswered('for-202').map((e) => ({ ...e, extension: '202' }));
    assert.equal((await post(other)).status, 200);
    assert.equal((await post(inboundAnswered('for-201'))).status, 200);
    const messages = await reading;
    assert.deepEqual(messages.map((m) => m.event), ['call.ringing', 'call.answered', 'call.ended']);
    assert.ok(messages.every((m) => m.data.pbxCallId === 'for-201'));
    assert.equal(messages[2].data.outcome, 'answered');
    const ids = messages.map((m) => Number(m.id));
    assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'ids increase');
  });

  it('resumes after Last-Event-ID with the calls changed meanwhile', async () => {
    const first = await fetch(`${base}/api/v1/calls/stream`, { headers: auth(t.keys.agent) });
    const reading = readMessages(first, 1);
    await post([inboundAnswered('resume-a')[0]]);
    const [seen] = await reading;
    assert.equal(seen.data.pbxCallId, 'resume-a');
    await post(inboundAnswered('resume-a').slice(1));
    await post(inboundAnswered('resume-b'));
    const again = await fetch(`${base}/api/v1/calls/stream`, { headers: { ...auth(t.keys.agent), 'last-event-id': seen.id } });
    const missed = await readMessages(again, 2, 2_000);
    assert.deepEqual(missed.map((m) => m.data.pbxCallId).sort(), ['resume-a', 'resume-b']);
    assert.ok(missed.every((m) => m.data.state === 'ended' && Number(m.id) > Number(seen.id)));
  });

  it('refuses a stream without a key and a malformed Last-Event-ID', async () => {
    assert.equal((await fetch(`${base}/api/v1/calls/stream`)).status, 401);
    const bad = await fetch(`${base}/api/v1/calls/stream`, { headers: { ...auth(t.keys.agent), 'last-event-id': 'abc' } });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { field: string }).field, '/lastEventId');
  });
});

forEachDialect('call stream shutdown', (dialect) => {
  it('ends open streams when the server closes, so close() does not hang', async () => {
    const t = await openApp(dialect);
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/api/v1/calls/stream`, { headers: auth(t.keys.agent) });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const closed = t.close().then(() => 'closed');
    const outcome = await Promise.race([closed, new Promise((r) => setTimeout(() => r('hung'), 5_000))]);
    assert.equal(outcome, 'closed');
    await reader.cancel().catch(() => {});
  });
});
