import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERRORS } from './errors.ts';

it('docs/errors.md lists exactly the registry codes with their statuses', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(CB_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
  const registry = Object.entries(ERRORS).map(([code, e]) => [code, e.status]);
  assert.deepEqual(rows.sort(), registry.sort());
});
