/**
 * The newcomer's Asterisk path, as processes: a running `callbridge serve`, one `connectors add`
 * command pointing at an Asterisk (a fake one replaying a real recording), and the call appearing in
 * `callbridge calls tail`; `connectors list` shows the connection up.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { FakeAmiServer } from './support/fake-ami-server.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin/callbridge.js');
const RECORDING = join(ROOT, 'src/connectors/pbx/asterisk-ami/fixtures/07-inbound-blind-transfer.ami');
const dataDir = mkdtempSync(join(tmpdir(), 'callbridge-e2e-ami-'));
const children: ChildProcess[] = [];
const ami = new FakeAmiServer({ secret: 'the-ami-secret', plan: { recording: RECORDING, replay: { kind: 'paced', speed: 20 }, replayAfterChannelList: true } });

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await ami.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8' });
}

function follow(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

async function until(what: string, test: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('connects an Asterisk with one command and shows its calls in calls tail', async () => {
  const { port } = await ami.start();
  const server = follow(['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn']);
  await until('the server', () => /listening on http/.test(server.output()) && /cb_[a-z0-9]{10}_\S+/.test(server.output()));
  const url = /listening on (http:\/\/\S+)/.exec(server.output())![1];
  const adminKey = /(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})/.exec(server.output())![1];

  const tail = follow(['calls', 'tail', '--url', url, '--key', adminKey]);
  await until('calls tail to connect', () => /following calls/.test(tail.output()));

  const secretFile = join(dataDir, 'ami.secret');
  writeFileSync(secretFile, 'the-ami-secret\n');
  const added = run(['connectors', 'add', 'asterisk-ami', '--name', 'office', '--host', '127.0.0.1', '--port', String(port), '--username', 'callbridge', '--secret-file', secretFile]);
  assert.equal(added.status, 0, added.stderr);

  await until('the transferred call to end in calls tail', () => /call\.ended/.test(tail.output()), 30_000);
  const lines = tail.output().split('\n').filter((l) => l.includes('call.'));
  assert.ok(lines.some((l) => l.includes('call.ringing') && l.includes('+4930123456')), tail.output());
  assert.ok(lines.some((l) => /transfer 201 → 203/.test(l)), tail.output());

  // The server reports its connections' status to the store every second or so.
  let listed = run(['connectors', 'list']);
  await until('connectors list to show the connection up', () => {
    listed = run(['connectors', 'list']);
    return /office\s+asterisk-ami\s+default\s+yes\s+connected/.test(listed.stdout);
  }, 10_000);
  assert.equal(listed.status, 0, listed.stderr);
  assert.equal(listed.stdout.includes('the-ami-secret'), false);
  const shown = run(['connectors', 'show', 'office']);
  assert.equal(shown.stdout.includes('the-ami-secret'), false);
  assert.match(shown.stdout, /"host": "127.0.0.1"/);
});
