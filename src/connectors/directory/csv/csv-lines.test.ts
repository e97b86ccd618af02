import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, CsvError, type Options } from 'csv-parse';
import fc from 'fast-check';
import { SourceError } from '../directory-source.ts';
import { CsvLines } from './csv-lines.ts';
import { readCsvRecords, type LineRecord } from './csv-source.ts';

/** csv-parse as csv-source.ts configures it, with the reader's line counting (the reference). */
function csvParse(delimiter: string, onRecord: (record: string[]) => void) {
  const options = {
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    trim: true,
    max_record_size: 1_000_000,
    on_record: (record: string[]) => (onRecord(record), null),
  };
  return parse(options as unknown as Options);
}

const breaksIn = (record: string[]) => record.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);

type Expected = { records: LineRecord[] } | { error: { line: number; message: string } };

/** csv-parse alone over the whole text; an error as csv-source.ts reports it. */
async function parseAlone(text: string, delimiter: string): Promise<Expected> {
  const records: LineRecord[] = [];
  let line = 0;
  const parser = csvParse(delimiter, (record) => {
    records.push({ record, line: line + 1 });
    line += 1 + breaksIn(record);
  });
  const done = new Promise<void>((resolve) => {
    parser.once('finish', resolve);
    parser.once('error', () => resolve());
  });
  parser.end(text);
  await done;
  const err = parser.errored;
  if (!err) return { records };
  assert.ok(err instanceof CsvError, String(err));
  const at = line + 1;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_MAX_RECORD_SIZE') return { error: { line: at, message: `Line ${at}: a quoted field is not closed` } };
  assert.equal(err.code, 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE');
  return { error: { line: at, message: `Line ${at}: text follows a closing quote (a quote inside a quoted field must be doubled: "")` } };
}

async function readChunks(chunks: string[], delimiter: string): Promise<Expected> {
  const records: LineRecord[] = [];
  try {
    for await (const batch of readCsvRecords((async function* () { yield* chunks; })(), delimiter)) records.push(...batch);
    return { records };
  } catch (err) {
    assert.ok(err instanceof SourceError, String(err));
    return { error: { line: err.line!, message: err.message } };
  }
}

/** What CsvLines hands where: `split` lines it split, `parsed` the text csv-parse was given. */
function trace(text: string, delimiter = ',') {
  const split: number[] = [];
  let parsed = '';
  let line = 0;
  let again = false;
  const parser = csvParse(delimiter, (record) => {
    if (again) again = false;
    else line += 1 + breaksIn(record);
  });
  parser.on('error', () => {});
  const lines = new CsvLines(delimiter, 1_000_000, {
    record: (_, at, copy) => {
      split.push(at);
      line = at;
      again ||= copy;
    },
    parse: (t) => {
      parsed += t;
      parser.write(t);
    },
    lastLine: () => line,
  });
  lines.write(text);
  lines.end();
  parser.end();
  return { split, parsed };
}

describe('CSV fast path', () => {
  test('String#trim is the trim of csv-parse, for every UTF-16 code unit, leading and trailing', async () => {
    const lines: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      if (c === 0x22 || c === 0x0a || c === 0x0d || c === 0x2c || (c >= 0xd800 && c <= 0xdfff)) continue;
      const s = String.fromCharCode(c);
      lines.push(`${s}a${s}b${s},${s}${s},${s}`);
    }
    const text = lines.join('\n') + '\n';
    const expected = await parseAlone(text, ',');
    assert.deepEqual(await readChunks([text], ','), expected);
    assert.equal(trace(text).split.length, lines.length, 'every line was split here');
  });

  test('quote-free lines are split; a quoted record goes to csv-parse up to the first line after it that starts at a boundary', () => {
    const text = 'Name,Notiz\nAnna,eins\n"Bert","zwei\nzeilen, und ""mehr"""\nCarl,drei\nDora,vier\nEmil,fünf';
    const { split, parsed } = trace(text);
    assert.deepEqual(split, [1, 2, 5, 6, 7]);
    assert.equal(parsed, '"Bert","zwei\nzeilen, und ""mehr"""\nCarl,drei\n');
  });

  test('a stray quote inside a field: csv-parse reads that line, the next starts at a boundary again', () => {
    assert.deepEqual(trace('a,b\nc,d"e\nf,g\nh,i\n'), { split: [1, 3, 4], parsed: 'c,d"e\nf,g\n' });
  });

  test('splitting resumes at the first line after csv-parse emitted the record of the line before it (short lines may not show that yet)', () => {
    assert.deepEqual(trace('a,"b"\n\n,\nccc\nd\n'), { split: [4, 5], parsed: 'a,"b"\n\n,\nccc\n' });
  });

  test('a lone CR (old Mac line end) hands the rest of the file to csv-parse as it is', () => {
    assert.deepEqual(trace('a,b\nc,d\re,f\ng,h\n'), { split: [1], parsed: 'c,d\re,f\ng,h\n' });
  });

  test('the last line: without a line end it is read; of white space only, it is no record (as in csv-parse)', async () => {
    for (const text of ['a,b\n c , d ', 'a,b\n  \t', 'a,b\n ,', 'a,b\r\n\r\n', 'a,b\n"c\n', 'a,b\nc\r']) {
      assert.deepEqual(await readChunks([text], ','), await parseAlone(text, ','), JSON.stringify(text));
    }
  });

  test('a line too long to split safely goes to csv-parse, with the rest of the file', async () => {
    const long = 'x'.repeat(400_000);
    const text = `a,b\n${long},${long}\nc,d\n`;
    assert.deepEqual(trace(text), { split: [1], parsed: `${long},${long}\nc,d\n` });
    const read = await readChunks(text.match(/[^]{1,65536}/g)!, ',');
    assert.deepEqual(read, await parseAlone(text, ','));
    assert.ok('records' in read && read.records[1].record[0] === long);
    // csv-parse's limit counts bytes: 600,000 characters of 2 bytes each are too many.
    const wide = `a,b\n${'ü'.repeat(600_000)}\nc,d\n`;
    const failed = await readChunks(wide.match(/[^]{1,65536}/g)!, ',');
    assert.deepEqual(failed, await parseAlone(wide, ','));
    assert.ok('error' in failed);
  });

  test('records, lines and errors equal csv-parse alone over the whole text, for random files, delimiters and chunks', async () => {
    const file = fc.record({ delimiter: fc.constantFrom(',', ';', '\t', '|'), loneCr: fc.boolean() }).chain(({ delimiter, loneCr }) => {
      const piece = (options: string[]) => fc.array(fc.constantFrom(...options), { maxLength: 6 }).map((a) => a.join(''));
      const space = piece([' ', '\t', '\u00a0', '\u3000']);
      const plain = piece(['a', 'b', 'ü', ' ', '\t', '\u00a0', '\ufeff', '\u2028', '\udc00', '😀', ',', ';', '|', '\t']);
      const quoted = fc
        .tuple(space, piece(['a', ' ', delimiter, '""', '\n', '\r\n', ...(loneCr ? ['\r'] : [])]), space)
        .map(([before, inside, after]) => `${before}"${inside}"${after}`);
      const stray = fc.tuple(plain, piece(['"', 'a', ' ']), plain).map(([a, b, c]) => a + b + c);
      const field = fc.oneof({ arbitrary: plain, weight: 8 }, { arbitrary: quoted, weight: 2 }, { arbitrary: stray, weight: 1 });
      const lineEnd = fc.constantFrom('\n', '\r\n', ...(loneCr ? ['\r'] : []));
      const line = fc.tuple(fc.array(field, { maxLength: 5 }), lineEnd).map(([fields, end]) => fields.join(delimiter) + end);
      return fc.record({
        delimiter: fc.constant(delimiter),
        text: fc.tuple(fc.array(line, { maxLength: 25 }), fc.oneof(fc.constant(''), field)).map(([lines, last]) => lines.join('') + last),
        cuts: fc.array(fc.nat(), { maxLength: 8 }),
      });
    });
    await fc.assert(
      fc.asyncProperty(file, async ({ delimiter, text, cuts }) => {
        // Cut anywhere (inside \r\n too), but not inside a surrogate pair: the decoder never does.
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)).filter((c) => !/[\ud800-\udbff]/.test(text[c - 1] ?? '')))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length)).filter(Boolean);
        assert.deepEqual(await readChunks(chunks, delimiter), await parseAlone(text, delimiter));
      }),
      { numRuns: 3000 },
    );
  });
});
