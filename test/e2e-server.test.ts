/**
 * The new user's path, as processes: `callbridge serve` on an empty data directory prints an admin
 * key once; `callbridge keys create` makes an ingest key; a call posted and acknowledged survives
 * `kill -9` and a restart; the restart prints no new key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { CLI, serveProcesses } from './support/serve-process.ts';

const { dataDir, serve } = serveProcesses('callbridge-e2e-');

it('keeps an acknowledged call across kill -9 and prints the admin key only on the first start', async () => {
  const first = await serve();
  const adminKey = /^\s+(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})$/m.exec(first.output())?.[1];
  assert.ok(adminKey, `first start prints an admin key:\n${first.output()}`);

  const created = spawnSync(process.execPath, [CLI, 'keys', 'create', '--name', 'pbx', '--role', 'ingest', '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  const ingestKey = created.stdout.trim().split('\n').at(-1)!;
  assert.match(ingestKey, /^cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32}$/);

  const common = { callId: 'e2e-1', direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201' };
  const events = [
    { ...common, type: 'call.ringing', timestamp: '2026-11-21T09:00:00Z' },
    { ...common, type: 'call.answered', timestamp: '2026-11-21T09:00:05Z' },
    { ...common, type: 'call.ended', cause: 'normal', timestamp: '2026-11-21T09:01:35Z' },
  ];
  for (const event of events) {
    const res = await fetch(`${first.url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' }, body: JSON.stringify(event) });
    assert.equal(res.status, 200);
  }
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  const second = await serve();
  assert.equal(/cb_[a-z0-9]{10}_/.test(second.output()), false, 'no new key on restart');
  const res = await fetch(`${second.url}/api/v1/calls`, { headers: { authorization: `Bearer ${adminKey}` } });
  assert.equal(res.status, 200);
  const { items } = (await res.json()) as { items: any[] };
  assert.equal(items.length, 1);
  assert.deepEqual(
    { outcome: items[0].outcome, answeredBy: items[0].answeredBy, ringSeconds: items[0].ringSeconds, talkSeconds: items[0].talkSeconds },
    { outcome: 'answered', answeredBy: '201', ringSeconds: 5, talkSeconds: 90 },
  );
  second.child.kill('SIGTERM');
  const code = await new Promise((r) => second.child.once('exit', r));
  assert.equal(code, 0, 'SIGTERM shuts down cleanly');
});
