import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KnownRecords } from './known-records.ts';
import { HashedRun, SEEN, sortBatch, type StageItem } from './sort-batch.ts';

/** A record hash as the engine makes them: bound to the record id. */
const h = (id: string, version: number) => hash('sha256', `${id}\u0000${version}`, 'base64url').slice(0, 22);

describe('KnownRecords', () => {
  it('takes each known hash once, tells delivered from unseen, and lists the unseen keys', () => {
    const known = new KnownRecords(3);
    for (const id of ['a', 'b', 'c']) assert.equal(known.add(h(id, 1)), true);
    assert.equal(known.size, 3);
    assert.equal(known.take(h('a', 1)), true);
    assert.equal(known.take(h('a', 1)), false, 'a second time');
    assert.equal(known.take(h('a', 2)), false, 'not known');
    assert.equal(known.delivered(h('a', 1)), true);
    assert.equal(known.delivered(h('b', 1)), false);
    assert.equal(known.delivered(h('x', 1)), undefined);
    assert.equal(known.unseen, 2);
    assert.deepEqual(known.unseenKeys().sort(), [h('b', 1), h('c', 1)].map((x) => x.slice(0, 10)).sort());
    assert.equal(known.isUnseen(h('b', 1)), true);
    assert.equal(known.isUnseen(h('a', 1)), false);
  });

  it('refuses a second hash with the same key, and strings that are not hashes of ours', () => {
    const known = new KnownRecords(4);
    assert.equal(known.add('AAAAAAAAAAxxxxxxxxxxxx'), true);
    assert.equal(known.add('AAAAAAAAAAyyyyyyyyyyyy'), false, 'same first 10 characters');
    assert.equal(known.add('short'), false);
    assert.equal(known.add('AAAA+AAAAAAAAAAAAAAAAA'), false, 'not base64url');
    assert.equal(known.add('ÄAAAAAAAAAAAAAAAAAAAAA'), false);
    assert.equal(known.size, 1);
  });

  it('adds hashes given back to back in one string, and refuses text that is not such hashes', () => {
    const known = new KnownRecords(4);
    assert.equal(known.addPacked(h('a', 1) + h('b', 1) + h('c', 1), 22), true);
    assert.equal(known.size, 3);
    assert.equal(known.take(h('b', 1)), true);
    assert.equal(new KnownRecords(4).addPacked(h('a', 1) + 'x', 22), false, 'not a whole number of hashes');
    assert.equal(new KnownRecords(4).addPacked(h('a', 1) + h('a', 1), 22), false, 'a key twice');
    assert.equal(new KnownRecords(4).addPacked('', 22), true);
  });

  it('finds every key when many share their probe slot', () => {
    // Keys that differ in their first five characters only: the same starting slot in a small table.
    const hashes = Array.from({ length: 200 }, (_, i) => `${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}AAA` + 'BBBBB' + 'x'.repeat(12));
    const known = new KnownRecords(hashes.length);
    for (const x of hashes) assert.equal(known.add(x), true);
    for (const x of hashes) assert.equal(known.take(x), true, x);
    assert.equal(known.unseen, 0);
  });

  it('grows past the size it was given, keeping what was delivered', () => {
    const known = new KnownRecords();
    for (let i = 0; i < 5_000; i++) assert.equal(known.add(h(`r${i}`, 1)), true);
    assert.equal(known.take(h('r7', 1)), true);
    for (let i = 5_000; i < 20_000; i++) assert.equal(known.add(h(`r${i}`, 1)), true);
    assert.equal(known.size, 20_000);
    assert.equal(known.delivered(h('r7', 1)), true);
    for (let i = 0; i < 20_000; i++) if (i !== 7) assert.equal(known.take(h(`r${i}`, 1)), true);
    assert.equal(known.unseen, 0);
  });
});

describe('HashedRun', () => {
  const fields = (name: string) => ({ name, company: null, kind: 'person' as const, numbers: [], emails: [], notes: null });

  it('sorts every run as sortBatch over a map of record ids does, with a set of hashes and without one', () => {
    // Last run: ids k0…k29 at version 0. This run: records of known and new ids at version 0
    // (unchanged) or another, repeated ids, incremental removals, cut into batches anywhere.
    const item = fc.record({ id: fc.oneof(fc.integer({ min: 0, max: 29 }).map((i) => `k${i}`), fc.integer({ min: 0, max: 9 }).map((i) => `n${i}`)), version: fc.integer({ min: 0, max: 2 }), removed: fc.integer({ min: 0, max: 9 }).map((r) => r === 0) });
    const run = fc.record({ lastRun: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 30 }), items: fc.array(item, { maxLength: 60 }), cuts: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 60 }) });
    fc.assert(
      fc.property(run, ({ lastRun, items, cuts }) => {
        const stageItems: StageItem[] = items.map((x, line) => (x.removed ? { type: 'removed', recordId: x.id, line } : { type: 'record', recordId: x.id, line, hash: h(x.id, x.version), source: () => fields(x.id) }));
        const batches: StageItem[][] = [];
        for (let i = 0, c = 0; i < stageItems.length; c++) {
          const size = cuts[c % Math.max(cuts.length, 1)] ?? 4;
          batches.push(stageItems.slice(i, i + size));
          i += size;
        }
        const last = new Map(lastRun.map((i) => [`k${i}`, h(`k${i}`, 0)]));

        // The reference: sortBatch over the map.
        const map = new Map(last);
        const seen = new Set<string>();
        const expected = batches.map((b) => sortBatch(b, seen, map));
        const expectedMissing = [...map].filter(([, v]) => v !== SEEN).map(([id]) => id).sort();

        // By hash: unchanged records found as they are read, the rest sorted through the view.
        const known = new KnownRecords(last.size);
        for (const v of last.values()) assert.equal(known.add(v), true);
        const hashed = new HashedRun(known);
        const seen2 = new Set<string>();
        const actual = batches.map((b) => {
          let unchanged = 0;
          const rest = b.filter((x) => {
            if (x.type === 'removed') return (hashed.removed(x.recordId), true);
            if (!hashed.unchanged(x.recordId, x.hash)) return true;
            unchanged++;
            return false;
          });
          const lookedUp = new Map(rest.filter((x) => last.has(x.recordId)).map((x) => [x.recordId, last.get(x.recordId)!]));
          const sorted = sortBatch(rest, seen2, hashed.view(lookedUp));
          return { ...sorted, unchanged: sorted.unchanged + unchanged };
        });
        const actualMissing = [...last].filter(([, v]) => known.isUnseen(v)).map(([id]) => id).sort();

        // Without a set (an incremental run): every record is sorted by sortBatch, batch for batch as over the map.
        const bare = new HashedRun(null);
        const seen3 = new Set<string>();
        const incremental = batches.map((b) => {
          for (const x of b) if (x.type === 'removed') bare.removed(x.recordId);
          else assert.equal(bare.unchanged(x.recordId, x.hash), false);
          return sortBatch(b, seen3, bare.view(new Map(b.filter((x) => last.has(x.recordId)).map((x) => [x.recordId, last.get(x.recordId)!]))));
        });

        const plain = (s: (typeof expected)[number]) => ({ ...s, records: s.records.map((r) => [r.recordId, r.line, r.hash]), was: [...s.was] });
        // Unchanged records may be counted in another batch: compare the run's total.
        const total = (all: typeof expected) => all.reduce((n, s) => n + s.unchanged, 0);
        assert.equal(total(actual), total(expected));
        assert.deepEqual(actual.map((s) => ({ ...plain(s), unchanged: 0 })), expected.map((s) => ({ ...plain(s), unchanged: 0 })));
        assert.deepEqual(actualMissing, expectedMissing);
        assert.deepEqual(incremental.map(plain), expected.map(plain));
        assert.equal(known.unseen, expectedMissing.length);
      }),
      { numRuns: 3_000 },
    );
  });
});
