import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectDelimiter, parseCsv, stripBom, type CsvDelimiter } from './csv.ts';

function records(text: string, delimiter: CsvDelimiter = ',') {
  const result = parseCsv(text, delimiter);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.records;
}

describe('parseCsv', () => {
  it('reads plain fields and every kind of line end', () => {
    assert.deepEqual(records('a,b\r\n1,2\n3,4\r5,6'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
      { line: 4, fields: ['5', '6'] },
    ]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks, and counts lines across them', () => {
    const text = 'name,note\n"Meyer, Jan","says ""hi"""\n"multi\r\nline",x\nlast,y\n';
    assert.deepEqual(records(text), [
      { line: 1, fields: ['name', 'note'] },
      { line: 2, fields: ['Meyer, Jan', 'says "hi"'] },
      { line: 3, fields: ['multi\r\nline', 'x'] },
      { line: 5, fields: ['last', 'y'] },
    ]);
  });

  it('keeps empty fields, including a trailing one, and skips blank lines', () => {
    assert.deepEqual(records('a;;c;\n\n\r\n;b\n', ';'), [
      { line: 1, fields: ['a', '', 'c', ''] },
      { line: 4, fields: ['', 'b'] },
    ]);
  });

  it('does not add a record for the final line break', () => {
    assert.equal(records('a\nb\n').length, 2);
    assert.equal(records('a\nb').length, 2);
    assert.deepEqual(records(''), []);
  });

  it('drops spaces around a quoted field but keeps a quote inside an unquoted one', () => {
    assert.deepEqual(records(' "a b" ,5" screen,x "y"')[0].fields, ['a b', '5" screen', 'x "y"']);
  });

  it('reads tab-separated text', () => {
    assert.deepEqual(records('201\tAnna\t"a\tb"', '\t')[0].fields, ['201', 'Anna', 'a\tb']);
  });

  it('reports text after a closing quote with its line', () => {
    const result = parseCsv('a,b\n1,2\n"x"y,3\n', ',');
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.line, 3);
  });

  it('reports a quote that never closes at the line where it opened', () => {
    const result = parseCsv('a,b\n1,"open\n2,3\n4,5\n', ',');
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.line, 2);
    assert.match(!result.ok ? result.message : '', /never closed/);
  });
});

describe('detectDelimiter', () => {
  it('picks the delimiter the header line uses most, outside quotes', () => {
    assert.equal(detectDelimiter('extension,name,email\n201;x'), ',');
    assert.equal(detectDelimiter('Nebenstelle;Name;E-Mail\r\n201,5;x;y'), ';');
    assert.equal(detectDelimiter('"a,b,c";d;e\n'), ';');
    assert.equal(detectDelimiter('ext\tname\n'), '\t');
    assert.equal(detectDelimiter('extension\n201'), ',');
  });
});

describe('stripBom', () => {
  it('removes only a leading byte order mark', () => {
    assert.equal(stripBom('\uFEFFa,b'), 'a,b');
    assert.equal(stripBom('a\uFEFF'), 'a\uFEFF');
  });
});
