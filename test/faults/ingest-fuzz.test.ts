/**
 * The long fuzzing run: 10,000 arbitrary bodies per ingest endpoint on SQLite, and 500 more per
 * endpoint on PostgreSQL (the same requests take a network round trip per query there) — never a 5xx,
 * every error problem+json, nothing stored from a rejected request, what was stored well-formed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../support/databases.ts';
import { openApp, type TestApp } from '../support/app.ts';
import { assertStoredCallsWellFormed, fuzzTarget, ingestTargets } from '../support/ingest-fuzz.ts';

const RUNS = { sqlite: 10_000, postgres: 500 } as const;

for (const dialect of DIALECTS) {
  describe(`ingest fuzzing, long [${dialect.name}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await openApp(dialect);
    });
    after(() => t.close());

    it(`answers ${RUNS[dialect.name]} arbitrary bodies per endpoint without a 5xx, storing nothing from rejected ones`, async () => {
      const targets = ingestTargets(t);
      assert.equal(targets.length, 6);
      for (const target of targets) {
        const accepted = await fuzzTarget(t, target, RUNS[dialect.name]);
        // The bodies must reach the mapping, not only bounce off the door: some are accepted.
        assert.ok(accepted > 0, `${target.name}: some fuzzed bodies are valid and accepted`);
      }
      await assertStoredCallsWellFormed(t);
      assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    });
  });
}
