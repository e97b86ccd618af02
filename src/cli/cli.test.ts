/**
 * The CLI as users run it: `node bin/callbridge.js …` in a child process, against a fresh SQLite data
 * directory. Checks output, exit codes and what ends up in the store.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeyVerifier } from '../auth/api-keys.ts';
import { openStore } from '../storage/store.ts';
import { bootstrap } from '../compose.ts';
import { allFlags } from './args.ts';
import { COMMANDS } from './main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'bin/callbridge.js');
const SYSTEM_NODE = '/usr/bin/node';
const KEY = /^cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32}$/;

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** The environment without CALLBRIDGE_* settings of whoever runs the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CALLBRIDGE_')) env[k] = v;
  return { ...env, ...extra };
}

function start(args: string[], options: { node?: string; env?: Record<string, string> } = {}): { child: ChildProcess; done: Promise<Run>; stdout: () => string; stderr: () => string } {
  const child = spawn(options.node ?? NODE, [BIN, ...args], { cwd: ROOT, env: cleanEnv(options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

function cli(args: string[], options: { node?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return start(args, options).done;
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lines = (text: string) => text.trimEnd().split('\n');

describe('callbridge against a fresh data directory', () => {
  let dir: string;
  let db: string[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-'));
    db = ['--data-dir', dir];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate reports what ran, then that nothing is left', async () => {
    const first = await cli(['migrate', ...db]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /ran\s+001-initial/);
    const second = await cli(['migrate', ...db]);
    assert.match(second.stdout, /up to date/);
  });

  it('keys create for a tenant that does not exist fails with a clear message and no stack', async () => {
    const r = await cli(['keys', 'create', '--name', 'x', '--role', 'admin', ...db]);
    assert.equal(r.code, 1);
    assert.equal(lines(r.stderr).length, 1);
    assert.match(r.stderr, /tenant "default" does not exist.*callbridge tenants create default/);
    const debug = await cli(['keys', 'create', '--name', 'x', '--role', 'admin', '--debug', ...db]);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /\n\s+at /, '--debug prints the stack');
  });

  it('tenants create validates, creates, refuses a duplicate; tenants list shows them', async () => {
    for (const bad of [['Bad_Id'], ['acme', '--country', 'XX'], ['acme', '--area-code', '30a']]) {
      const r = await cli(['tenants', 'create', ...bad, ...db]);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    }
    assert.equal((await cli(['tenants', 'create', 'default', ...db])).code, 0);
    const acme = await cli(['tenants', 'create', 'acme', '--name', 'ACME GmbH', '--country', 'de', '--area-code', '030', ...db]);
    assert.equal(acme.code, 0, acme.stderr);
    const again = await cli(['tenants', 'create', 'acme', ...db]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    const list = await cli(['tenants', 'list', ...db]);
    assert.match(list.stdout, /^acme\s+ACME GmbH\s+DE\s+30\s/m);
    assert.match(list.stdout, /^default\s+default\s+DE\s+-\s/m);
  });

  it('keys create prints the key alone on the last line; list shows it without secret or hash; revoke ends it', async () => {
    const created = await cli(['keys', 'create', '--name', 'CRM sync', '--role', 'agent', '--tenant', 'acme', ...db]);
    assert.equal(created.code, 0, created.stderr);
    const out = lines(created.stdout);
    assert.ok(out.length > 1, 'details come before the key');
    const key = out.at(-1)!;
    assert.match(key, KEY);
    const prefix = key.split('_')[1];

    const store = await openStore({ dataDir: dir });
    try {
      const verifier = new KeyVerifier(store, 0);
      assert.deepEqual(await verifier.verify(key), { keyId: (await store.apiKeys.findByPrefix(prefix))!.id, tenantId: 'acme', role: 'agent', extension: null });

      const list = await cli(['keys', 'list', ...db]);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+PREFIX\s+NAME\s+ROLE\s+EXT\s+TENANT\s+CREATED\s+LAST USED\s+REVOKED$/m);
      assert.match(list.stdout, new RegExp(`\\s${prefix}\\s+CRM sync\\s+agent\\s+acme\\s`));
      assert.ok(!list.stdout.includes(key.split('_').slice(2).join('_')), 'the secret is not shown');
      assert.ok(!list.stdout.includes(createHash('sha256').update(key).digest('hex')), 'the hash is not shown');
      assert.match((await cli(['keys', 'list', '--tenant', 'default', ...db])).stdout, /No API keys for tenant default/);

      const revoked = await cli(['keys', 'revoke', prefix, ...db]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /Revoked API key/);
      assert.equal(await verifier.verify(key), undefined, 'a revoked key no longer verifies');
      assert.match((await cli(['keys', 'list', ...db])).stdout, new RegExp(`${prefix}.*\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z$`, 'm'));
      assert.match((await cli(['keys', 'revoke', key, ...db])).stdout, /already revoked/);
      const unknown = await cli(['keys', 'revoke', 'nope', ...db]);
      assert.equal(unknown.code, 1);
    } finally {
      await store.close();
    }
  });

  it('keys create refuses a role that does not exist', async () => {
    const r = await cli(['keys', 'create', '--name', 'x', '--role', 'root', ...db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--role must be one of admin, agent, ingest/);
  });

  it('users import imports a good file and, for a bad one, lists every problem and imports nothing', async () => {
    const good = join(dir, 'good.csv');
    writeFileSync(good, '\uFEFFNebenstelle;Name;E-Mail\r\n201;"Schmidt; Anna";anna@example.com\r\n202;Jan Meyer;\r\n');
    const first = await cli(['users', 'import', good, ...db]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /2 users.*2 created, 0 updated/);

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'extension,name,email\n201,Anna Schmidt-Neu,\n2x3,Bert,\n204,,\n205,Eva,eva@\n');
    const r = await cli(['users', 'import', bad, ...db]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /3 problems; nothing was imported/);
    assert.match(r.stderr, /line 3: extension "2x3"/);
    assert.match(r.stderr, /line 4: the name is empty/);
    assert.match(r.stderr, /line 5: "eva@" is not an email address/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);

    const store = await openStore({ dataDir: dir });
    try {
      const users = await store.users.list('default');
      assert.deepEqual(
        users.map((u) => [u.extension, u.name, u.email]),
        [
          ['201', 'Schmidt; Anna', 'anna@example.com'],
          ['202', 'Jan Meyer', null],
        ],
        'the valid first row of the bad file was not imported either',
      );
    } finally {
      await store.close();
    }

    const update = join(dir, 'update.csv');
    writeFileSync(update, 'ext,name\n202,Jan Meyer-Schulz\n203,Neu\n');
    assert.match((await cli(['users', 'import', update, ...db])).stdout, /1 created, 1 updated/);
    const missing = await cli(['users', 'import', join(dir, 'missing.csv'), ...db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
  });
});

describe('callbridge command line', () => {
  it('--help works on every command and group and lists every flag', async () => {
    const runs: Promise<void>[] = [];
    for (const entry of COMMANDS) {
      const commands = 'commands' in entry ? entry.commands : [entry];
      if ('commands' in entry) {
        runs.push(
          cli([entry.name, '--help']).then((r) => {
            assert.equal(r.code, 0, entry.name);
            for (const c of commands) assert.ok(r.stdout.includes(c.name), `${entry.name} --help lists ${c.name}`);
          }),
        );
      }
      for (const command of commands) {
        runs.push(
          cli([...command.name.split(' '), '--help']).then((r) => {
            assert.equal(r.code, 0, `${command.name} --help: ${r.stderr}`);
            assert.ok(r.stdout.includes(`Usage: callbridge ${command.name}`), command.name);
            for (const flag of Object.keys(allFlags(command))) assert.ok(r.stdout.includes(`--${flag}`), `${command.name} --help shows --${flag}`);
          }),
        );
      }
    }
    runs.push(
      cli(['--help']).then((r) => {
        assert.equal(r.code, 0);
        for (const entry of COMMANDS) assert.ok(r.stdout.includes(entry.name));
      }),
    );
    await Promise.all(runs);
  });

  it('an unknown flag exits 2, names the flag, suggests the right one and points at --help', async () => {
    const r = await cli(['keys', 'create', '--nmae', 'x', '--role', 'admin']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown flag --nmae \(did you mean --name\?\)/);
    assert.match(r.stderr, /callbridge keys create --help/);
    assert.equal(r.stdout, '');
  });

  it('other command-line mistakes exit 2 with a message that says what to do', async () => {
    const cases: [string[], RegExp][] = [
      [['kees', 'list'], /unknown command "kees" \(did you mean "keys"\?\)/],
      [['keys', 'lst'], /did you mean "keys list"/],
      [['keys', 'create', '--role', 'admin'], /--name is required/],
      [['keys', 'create', '--name'], /--name needs a value/],
      [['keys', 'revoke'], /missing <id-or-prefix>/],
      [['tenants', 'list', 'extra'], /unexpected argument "extra"/],
      [['tenants', 'list', '--debug=yes'], /--debug takes no value/],
      [['calls', 'tail'], /CALLBRIDGE_API_KEY/],
      [['keys'], /which one\? create, list, revoke/],
      [[], /which command/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const r = await cli(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.stderr, message, args.join(' '));
      }),
    );
  });

  it('--version and version print the version', async () => {
    for (const args of [['--version'], ['version']]) {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^callbridge \d+\.\d+\.\d+ \(node v\d+/);
    }
  });
});

describe('calls tail', () => {
  const call = (state: string, extra: object) => ({
    id: 'c1',
    tenantId: 'default',
    direction: 'inbound',
    from: { raw: '030123456', e164: '+4930123456', withheld: false },
    to: { raw: '5551000', e164: '+4930555100', withheld: false },
    state,
    outcome: null,
    extension: '201',
    extensionsRang: ['201'],
    ringSeconds: null,
    talkSeconds: null,
    transfers: [],
    caller: null,
    queue: null,
    lastEventAt: new Date().toISOString(),
    ...extra,
  });
  const frame = (id: number, event: string, data: object) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  it('prints one line per change, resumes with Last-Event-ID after a drop, and stops on SIGINT', async () => {
    const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (requests.length === 1) {
        res.end('retry: 10\n\n' + frame(1, 'call.ringing', call('ringing', {})) + frame(2, 'call.answered', call('answered', { ringSeconds: 8 })));
      } else {
        res.write(frame(3, 'call.ended', call('ended', { outcome: 'answered', ringSeconds: 8, talkSeconds: 65 })));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const tail = start(['calls', 'tail', '--url', url, '--extension', '201'], { env: { CALLBRIDGE_API_KEY: 'cb_test' } });
      await until(() => lines(tail.stdout()).length === 3, 'three lines');
      tail.child.kill('SIGINT');
      const r = await tail.done;
      assert.equal(r.code, 0, r.stderr);
      const out = lines(r.stdout);
      assert.match(out[0], /^\d\d:\d\d:\d\d {2}call\.ringing +inbound +\+4930123456 → \+4930555100 +ext 201 +ringing$/);
      assert.match(out[1], /call\.answered .* answered +ring 8s$/);
      assert.match(out[2], /call\.ended .* answered +ring 8s {2}talk 1m05s$/);
      assert.match(r.stderr, /reconnected/);
      assert.equal(requests[0].url, '/api/v1/calls/stream?extension=201');
      assert.equal(requests[0].headers.authorization, 'Bearer cb_test');
      assert.equal(requests[1].headers['last-event-id'], '2');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('fails with exit 1 and a hint when the server refuses the key', async () => {
    const server = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"detail":"Unknown key"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await cli(['calls', 'tail', '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--key', 'cb_x']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /did not accept the API key \(401: Unknown key\)/);
    } finally {
      server.close();
    }
  });
});

describe('callbridge serve', () => {
  it('starts, prints where it listens, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-serve-'));
    try {
      const serve = start(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'silent']);
      await until(() => /listening on http:\/\/\S+/.test(serve.stdout()), 'the listening line', 20_000);
      const url = /listening on (http:\/\/[^\s]+)/.exec(serve.stdout())![1];
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      serve.child.kill('SIGTERM');
      const r = await serve.done;
      assert.equal(r.code, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const systemNodeIsOld =
  existsSync(SYSTEM_NODE) && spawnSync(SYSTEM_NODE, ['-p', 'typeof process.features.typescript'], { encoding: 'utf8' }).stdout.trim() !== 'string';

describe('bin/callbridge.js under a Node without type stripping', { skip: !systemNodeIsOld && `${SYSTEM_NODE} is missing or can run TypeScript itself` }, () => {
  it('re-executes itself with the bundled Node 24', async () => {
    const r = await cli(['--version'], { node: SYSTEM_NODE });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^callbridge \d+\.\d+\.\d+ \(node v24\./);
  });

  it('passes the exit code and output through', async () => {
    const r = await cli(['keys', 'create', '--bogus'], { node: SYSTEM_NODE });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown flag --bogus/);
  });

  it('forwards SIGTERM to the re-executed CLI, which stops cleanly', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const tail = start(['calls', 'tail', '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`], {
        node: SYSTEM_NODE,
        env: { CALLBRIDGE_API_KEY: 'cb_test' },
      });
      await until(() => tail.stderr().includes('following calls'), 'the tail to connect');
      tail.child.kill('SIGTERM'); // the launcher's pid: only it gets the signal
      const r = await tail.done;
      assert.equal(r.code, 0, r.stderr);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('users password', () => {
  const run = (dir: string, args: string[], input: string) =>
    spawnSync(NODE, [BIN, 'users', 'password', ...args, '--data-dir', dir], { cwd: ROOT, env: cleanEnv(), input, encoding: 'utf8' });

  it('creates the first admin with --name, and a refused password creates nobody', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-cli-password-'));
    try {
      // As after the first `serve`: the default tenant exists, no user yet.
      const first = await openStore({ dataDir: dir });
      await bootstrap(first, 'DE');
      await first.close();
      const unknown = run(dir, ['200', '--role', 'admin'], 'a long admin password\n');
      assert.notEqual(unknown.status, 0);
      assert.match(unknown.stderr, /no user with extension 200.*--name/);
      const short = run(dir, ['200', '--role', 'admin', '--name', 'Ada Admin'], 'short\n');
      assert.notEqual(short.status, 0);
      assert.match(short.stderr, /nothing was changed/);
      const made = run(dir, ['200', '--role', 'admin', '--name', 'Ada Admin'], 'a long admin password\n');
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, /Ada Admin \(extension 200\) may now sign in as admin/);
      const store = await openStore({ dataDir: dir });
      try {
        const users = await store.users.list('default');
        assert.deepEqual(users.map((u) => [u.extension, u.name]), [['200', 'Ada Admin']]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
