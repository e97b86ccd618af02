import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { lazyChildLogger } from './lazy-logger.ts';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { lines, parent: pino({ level }, stream) };
}

test('a per-request logger creates its child only when something is logged at an enabled level, with the bindings', async () => {
  const { lines, parent } = capture('info');
  let children = 0;
  const counting = Object.create(parent, { child: { value: (...a: Parameters<typeof parent.child>) => (children++, parent.child(...a)) } });
  const log = lazyChildLogger(counting, { reqId: 'req-1' }, {});
  log.debug({ x: 1 }, 'not enabled');
  assert.equal(children, 0, 'a disabled level creates nothing');
  assert.equal((log as unknown as pino.Logger).isLevelEnabled('debug'), false);
  assert.equal(log.level, 'info');
  log.warn({ status: 500 }, 'request failed');
  log.info('second');
  assert.equal(children, 1, 'one child, made once');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines.map((l) => [l.reqId, l.msg, l.status]), [['req-1', 'request failed', 500], ['req-1', 'second', undefined]]);
});
