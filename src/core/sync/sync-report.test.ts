import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRunAt } from './sync-interval.ts';
import { describeSkipped, ReportBuilder, SKIPPED_LISTED } from './sync-report.ts';

describe('ReportBuilder', () => {
  it('counts every skipped item and lists the first ones, with the duration', () => {
    const b = new ReportBuilder('run-1', 'manual', 1_000);
    for (let i = 0; i < SKIPPED_LISTED + 5; i++) b.skip({ line: i + 2, reason: 'no name' });
    b.read = 500;
    const r = b.done({ added: 3, changed: 2, removed: 1, unchanged: 389 }, 3_500);
    assert.equal(r.skipped, SKIPPED_LISTED + 5);
    assert.equal(r.skippedItems.length, SKIPPED_LISTED);
    assert.deepEqual([r.ok, r.error, r.durationMs, r.added, r.changed, r.removed, r.unchanged, r.read], [true, null, 2_500, 3, 2, 1, 389, 500]);
    assert.equal(r.startedAt, new Date(1_000).toISOString());
  });

  it('a failed run reports the error and no changes', () => {
    const r = new ReportBuilder('run-2', 'scheduled', 0).failed('Line 4: a quoted field is not closed', 10);
    assert.deepEqual([r.ok, r.error, r.added, r.removed], [false, 'Line 4: a quoted field is not closed', 0, 0]);
  });

  it('describes skipped items by line, else by record id', () => {
    assert.equal(describeSkipped({ line: 12, reason: 'no phone number' }), 'line 12: no phone number');
    assert.equal(describeSkipped({ recordId: 'cn=x', reason: 'no name' }), 'record cn=x: no name');
  });
});

describe('nextRunAt', () => {
  it('adds the interval; off or disabled sources have no next run', () => {
    assert.equal(nextRunAt('15m', true, 0), new Date(15 * 60_000).toISOString());
    assert.equal(nextRunAt('1d', true, 0), new Date(86_400_000).toISOString());
    assert.equal(nextRunAt('off', true, 0), null);
    assert.equal(nextRunAt('1h', false, 0), null);
  });
});
