/**
 * docs/CONFIGURATION.md against the code: every `CALLBRIDGE_…` name in the source (src/, bin/, the
 * test support that reads one) is documented there, nothing documented is gone from the code, and
 * every configuration key and `serve` flag has its row.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { serve } from '../src/cli/commands/serve.ts';
import { GENERAL_FLAGS, STORE_FLAGS } from '../src/cli/command.ts';
import { loadConfig } from '../src/config/config.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DOC = readFileSync(join(ROOT, 'docs/CONFIGURATION.md'), 'utf8');
const NAME = /CALLBRIDGE_[A-Z0-9_]*[A-Z0-9]/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'fixtures' ? [] : files(path);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every CALLBRIDGE_ name in the source, with the first file that uses it. */
function namesInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of ['src', 'bin', 'test/support']) {
    for (const file of files(join(ROOT, dir))) {
      for (const [name] of readFileSync(file, 'utf8').matchAll(NAME)) if (!found.has(name)) found.set(name, file.slice(ROOT.length));
    }
  }
  return found;
}

describe('docs/CONFIGURATION.md', () => {
  const source = namesInSource();

  it('finds the variables the code reads (the scan itself works)', () => {
    for (const name of ['CALLBRIDGE_PORT', 'CALLBRIDGE_DATABASE_URL', 'CALLBRIDGE_SECRET_KEY', 'CALLBRIDGE_LOG_PERSONAL_DATA', 'CALLBRIDGE_API_KEY']) assert.ok(source.has(name), name);
  });

  it('documents every CALLBRIDGE_ variable in the source', () => {
    const missing = [...source].filter(([name]) => !DOC.includes(`\`${name}\``)).map(([name, file]) => `${name} (read in ${file})`);
    assert.deepEqual(missing, [], `add these to docs/CONFIGURATION.md: ${missing.join(', ')}`);
  });

  it('documents no variable the code does not read', () => {
    const stale = [...new Set([...DOC.matchAll(NAME)].map(([name]) => name))].filter((name) => !source.has(name));
    assert.deepEqual(stale, [], `docs/CONFIGURATION.md names variables no code reads: ${stale.join(', ')}`);
  });

  it('has a row for every configuration key', () => {
    for (const key of Object.keys(loadConfig({}, {}))) assert.match(DOC, new RegExp(`^\\| \`${key}\` \\|`, 'm'), `configuration key ${key}`);
  });

  it('documents every flag of callbridge serve', () => {
    for (const flag of Object.keys({ ...serve.flags, ...STORE_FLAGS, ...GENERAL_FLAGS })) assert.match(DOC, new RegExp(`^\\| \`--${flag}\\b`, 'm'), `--${flag}`);
  });
});
