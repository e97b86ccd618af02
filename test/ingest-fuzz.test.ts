/**
 * Arbitrary bodies against every ingest endpoint: never a 5xx, never a crash, and nothing stored from
 * a rejected request. The long run (10,000 bodies per endpoint) is test/faults/ingest-fuzz.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDialect } from './support/databases.ts';
import { openApp, type TestApp } from './support/app.ts';
import { assertStoredCallsWellFormed, fuzzTarget, ingestTargets } from './support/ingest-fuzz.ts';

const RUNS = 150;

forEachDialect('ingest fuzzing', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await openApp(dialect);
  });
  after(() => t.close());

  it(`answers ${RUNS} arbitrary bodies per endpoint without a 5xx, storing nothing from rejected ones`, async () => {
    for (const target of ingestTargets(t)) await fuzzTarget(t, target, RUNS);
    await assertStoredCallsWellFormed(t);
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
