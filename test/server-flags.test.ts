/**
 * The server's Node flags (bench/support/profile.ts SERVER_NODE_FLAGS, what the benchmarks measure)
 * are the ones every documented way of starting it passes: `npm start`, the Docker image and the
 * systemd unit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SERVER_NODE_FLAGS } from '../bench/support/profile.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

it('npm start, the Dockerfile and the systemd unit start the server with the benchmarked Node flags, and npm run bench runs with them', () => {
  const { start, bench } = JSON.parse(read('package.json')).scripts as Record<string, string>;
  const entrypoint = /^ENTRYPOINT (.+)$/m.exec(read('Dockerfile'))?.[1] ?? '';
  const execStart = /^ExecStart=(.+)$/m.exec(read('deploy/callbridge.service'))?.[1] ?? '';
  const flags = SERVER_NODE_FLAGS.join(' ');
  assert.match(start, new RegExp(`node ${flags} bin/callbridge\\.js serve`), `package.json start passes ${flags}`);
  assert.match(execStart, new RegExp(`/node ${flags} .*callbridge\\.js serve$`), `callbridge.service ExecStart passes ${flags}`);
  assert.match(bench, new RegExp(`^node .*${flags} bench/run\\.ts$`), `npm run bench runs with ${flags}`);
  for (const flag of SERVER_NODE_FLAGS) {
    assert.ok((JSON.parse(entrypoint) as string[]).includes(flag), `Dockerfile ENTRYPOINT passes ${flag}`);
  }
});
