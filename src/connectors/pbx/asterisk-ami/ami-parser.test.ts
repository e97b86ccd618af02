import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AmiParser, amiTimestamp } from './ami-parser.ts';

const DIR = new URL('./fixtures/', import.meta.url);
const recordings = readdirSync(DIR).filter((f) => f.endsWith('.ami'));

function parseInChunks(buf: Buffer, sizes: () => number) {
  const p = new AmiParser();
  const out = [];
  for (let i = 0; i < buf.length; ) {
    const n = Math.max(1, sizes());
    out.push(...p.push(buf.subarray(i, i + n)));
    i += n;
  }
  return { messages: out, parser: p };
}

describe('AmiParser', () => {
  it('reads every recording the same at any fragmentation', () => {
    assert.ok(recordings.length >= 9);
    for (const file of recordings) {
      const buf = readFileSync(new URL(file, DIR));
      const whole = new AmiParser();
      const all = whole.push(buf);
      assert.equal(whole.banner, 'Asterisk Call Manager/11.0.0');
      assert.deepEqual(all[0], { Response: 'Success', Message: 'Authentication accepted' });
      assert.ok(all.some((m) => m.Event === 'Hangup'), file);
      assert.equal(whole.stats.malformedLines, 0);
      assert.deepEqual(parseInChunks(buf, () => 1).messages, all, `${file} byte by byte`);
      let seed = 7;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), 1 + (seed % 700));
      assert.deepEqual(parseInChunks(buf, random).messages, all, `${file} random chunks`);
    }
  });

  it('keeps a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('Event: Newchannel\r\nCallerIDName: Jürgen Müller\r\n\r\n');
    const p = new AmiParser({ expectBanner: false });
    const cut = bytes.indexOf(0xc3) + 1;
    assert.deepEqual([...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))], [{ Event: 'Newchannel', CallerIDName: 'Jürgen Müller' }]);
  });

  it('accepts bare LF, skips lines without a colon, joins repeated headers', () => {
    const p = new AmiParser();
    const out = p.push('Asterisk Call Manager/11.0.0\nEvent: VarSet\ngarbage line\nVariable: a\nVariable: b\nValue: x: y\n\n\n\nEvent: Ping\n\n');
    assert.deepEqual(out, [{ Event: 'VarSet', Variable: 'a\nb', Value: 'x: y' }, { Event: 'Ping' }]);
    assert.equal(p.stats.malformedLines, 1);
  });

  it('drops a message that grows past the limit and goes on with the next', () => {
    const p = new AmiParser({ expectBanner: false, maxMessageBytes: 200 });
    const huge = 'Event: Big\r\n' + Array.from({ length: 50 }, (_, i) => `H${i}: ${'x'.repeat(10)}\r\n`).join('') + '\r\n';
    const out = p.push(huge + 'Event: Small\r\n\r\n');
    assert.deepEqual(out, [{ Event: 'Small' }]);
    assert.equal(p.stats.droppedMessages, 1);
    const q = new AmiParser({ expectBanner: false, maxMessageBytes: 100 });
    assert.deepEqual(q.push('x'.repeat(500)), []);
    assert.deepEqual(q.push('yyy\r\n\r\nEvent: After\r\n\r\n'), [{ Event: 'After' }]);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const p = new AmiParser();
        for (const c of chunks) p.push(c);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads Timestamp headers', () => {
    assert.equal(amiTimestamp({ Timestamp: '1795264512.509063' }), '2026-11-21T12:35:12.509Z');
    assert.equal(amiTimestamp({ Timestamp: 'soon' }), null);
    assert.equal(amiTimestamp({ Timestamp: '99999999999999999999' }), null);
    assert.equal(amiTimestamp({}), null);
  });
});
