import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidv7 } from './ids.ts';

test('uuidv7: RFC 9562 layout, the time in the first 48 bits, version 7, variant 10', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
  const id = uuidv7(now);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
});

test('uuidv7: unique, and sorted by time', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 100)));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort((a, b) => (a.slice(0, 13) < b.slice(0, 13) ? -1 : a.slice(0, 13) > b.slice(0, 13) ? 1 : 0)), ids);
});
