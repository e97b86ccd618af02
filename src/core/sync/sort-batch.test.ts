import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SEEN, sortBatch, type StageItem } from './sort-batch.ts';

const fields = (name: string) => ({ name, company: null, kind: 'person' as const, numbers: [], emails: [], notes: null });
const record = (recordId: string, hash: string, line: number): StageItem => ({ type: 'record', recordId, hash, line, source: () => fields(recordId) });

it('sorts a batch against last run: unchanged, changed, new, duplicates, removed; batches carry over', () => {
  const known = new Map([['a', 'h1'], ['b', 'h2'], ['c', 'h3']]);
  const seen = new Set<string>();
  const first = sortBatch([record('a', 'h1', 1), record('b', 'new', 2), record('x', 'hx', 3), record('x', 'hx2', 4), { type: 'removed', recordId: 'c', line: null }, { type: 'removed', recordId: 'never', line: null }], seen, known);
  assert.equal(first.unchanged, 1);
  assert.deepEqual(first.records.map((r) => [r.recordId, r.hash, r.line, r.source]), [['b', 'new', 2, fields('b')], ['x', 'hx', 3, fields('x')]]);
  assert.deepEqual(first.duplicates, [{ recordId: 'x', line: 4 }]);
  assert.deepEqual(first.removed, [{ recordId: 'c', line: null }]);
  assert.deepEqual([...first.was], [['b', 'h2'], ['c', 'h3']]);
  assert.deepEqual([...known], [['a', SEEN], ['b', SEEN], ['c', SEEN]]);
  // A later batch: every id met before is a duplicate, known or not.
  const second = sortBatch([record('a', 'h1', 5), record('x', 'hx', 6), record('y', 'hy', 7)], seen, known);
  assert.deepEqual(second.duplicates, [{ recordId: 'a', line: 5 }, { recordId: 'x', line: 6 }]);
  assert.deepEqual(second.records.map((r) => r.recordId), ['y']);
  assert.equal(second.was.size, 0);
});

it('reads a record only when it is new or changed', () => {
  let reads = 0;
  const item = (recordId: string, hash: string): StageItem => ({ type: 'record', recordId, hash, line: 1, source: () => (reads++, fields(recordId)) });
  sortBatch([item('a', 'same'), item('b', 'other')], new Set(), new Map([['a', 'same'], ['b', 'was']]));
  assert.equal(reads, 1);
});
