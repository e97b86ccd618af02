import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SourceFields } from '../core/sync/synced-contact.ts';
import { createRecordMapper, inlineRecordMapper } from './record-mapper.ts';

const numbering = { defaultCountry: 'DE', areaCode: '30' };
const records = (n: number, tag = ''): SourceFields[] =>
  Array.from({ length: n }, (_, i) => ({
    name: i % 50 === 0 ? '  ' : `Person ${tag}${i}`,
    company: i % 3 === 0 ? 'Firma  GmbH' : null,
    kind: 'person' as const,
    numbers: [{ number: i % 7 === 0 ? 'kein Anschluss' : `${200000 + i}`, type: 'business' as const }, { number: '+49 89 445566-0', type: 'business' as const }],
    emails: [`p${i}@example.de`, 'not an address'],
    notes: null,
  }));

it('a worker thread prepares exactly what the inline mapper does, in order, batches side by side', async () => {
  const mapper = createRecordMapper({ threads: 2, minBatch: 1 });
  try {
    const batches = [records(300, 'a'), records(5, 'b'), records(700, 'c')];
    const results = await Promise.all(batches.map((b) => mapper.map(b, numbering)));
    for (const [i, b] of batches.entries()) assert.deepEqual(results[i], await inlineRecordMapper.map(b, numbering));
    assert.equal(results[0][0].ok, false);
    assert.ok(results[0][1].ok && results[0][1].numbers[0].e164 === '+4930200001' && results[0][1].numbers[1].switchboard);
  } finally {
    await mapper.close();
  }
});

it('closing rejects the batches in flight; the next batch starts a new thread', async () => {
  const mapper = createRecordMapper({ threads: 1, minBatch: 1 });
  try {
    const pending = mapper.map(records(20_000), numbering);
    await mapper.close();
    await assert.rejects(pending, /record mapper thread stopped/);
    const again = await mapper.map(records(3), numbering);
    assert.equal(again.length, 3);
  } finally {
    await mapper.close();
  }
});

it('small batches and threads: 0 are prepared inline', async () => {
  assert.equal(createRecordMapper({ threads: 0 }), inlineRecordMapper);
  const mapper = createRecordMapper({ threads: 1, minBatch: 1_000 });
  try {
    assert.deepEqual(await mapper.map(records(10), numbering), await inlineRecordMapper.map(records(10), numbering));
  } finally {
    await mapper.close();
  }
});

it('records a thread cannot receive (not structured-cloneable) are prepared inline', async () => {
  const mapper = createRecordMapper({ threads: 1, minBatch: 1 });
  try {
    const odd = records(3).map((r) => ({ ...r, extra: () => 'a function' }));
    assert.deepEqual(await mapper.map(odd, numbering), await inlineRecordMapper.map(records(3), numbering));
  } finally {
    await mapper.close();
  }
});
