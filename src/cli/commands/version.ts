import { readFileSync } from 'node:fs';
import { defineCommand } from '../command.ts';

/** The version in package.json, read when asked for (so other commands never pay for it). */
export function callbridgeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

export const version = defineCommand({
  name: 'version',
  summary: 'Print the version of Callbridge and of the Node.js running it',
  flags: {},
  async run(_input, io) {
    io.out(`callbridge ${callbridgeVersion()} (node ${process.version})`);
    return 0;
  },
});
