import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readUsersCsv } from './users-csv.ts';

function problems(text: string): string[] {
  const result = readUsersCsv(text);
  assert.equal(result.ok, false, 'expected problems');
  return result.ok ? [] : result.problems;
}

describe('readUsersCsv', () => {
  it('reads German Excel output: BOM, semicolons, German headers, quoted values', () => {
    const result = readUsersCsv('\uFEFFNebenstelle;Vollständiger Name;E-Mail-Adresse;Abteilung\r\n201;"Schmidt; Anna";anna@example.com;Vertrieb\r\n**7;Zentrale;\r\n;;;\r\n');
    assert.ok(result.ok);
    assert.deepEqual(result.users, [
      { extension: '201', name: 'Schmidt; Anna', email: 'anna@example.com' },
      { extension: '**7', name: 'Zentrale', email: null },
    ]);
    assert.deepEqual(result.ignoredColumns, ['Abteilung']);
  });

  it('accepts common English spellings in any column order and trims values', () => {
    const result = readUsersCsv('Email, Display Name ,Ext\n bob@example.org , Bob ,+49#1\n');
    assert.ok(result.ok);
    assert.deepEqual(result.users, [{ extension: '+49#1', name: 'Bob', email: 'bob@example.org' }]);
  });

  it('lists every invalid row with its line number', () => {
    const found = problems(
      'extension,name,email\n' + // 1
        '201,Anna,anna@example.com\n' + // 2
        '20a,Bert,\n' + // 3
        '202,,c@example.com\n' + // 4
        '203,Dora,not-an-address\n' + // 5
        '"20\n4",Eva,\n' + // 6-7 (a quoted line break inside the extension)
        '201,Fritz,\n' + // 8
        '205,"Gabi, G.",g@example.com,extra\n', // 9
    );
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      ['line 3', 'line 4', 'line 5', 'line 6', 'line 8', 'line 9'],
    );
    assert.match(found[0], /20a/);
    assert.match(found[4], /also on line 2/);
  });

  it('names the missing column and what it looked for', () => {
    const [problem] = problems('Nummer,Name\n201,Anna\n');
    assert.match(problem, /^line 1: no extension column .*Nebenstelle.*found: "Nummer", "Name"/);
  });

  it('rejects two columns for the same field', () => {
    assert.match(problems('ext,extension,name\n1,2,x\n')[0], /two columns hold the extension/);
  });

  it('reports a CSV syntax error with its line', () => {
    assert.match(problems('ext,name\n201,"Anna\n')[0], /^line 2: a quoted field is never closed/);
  });

  it('reports an empty file', () => {
    assert.match(problems('')[0], /empty/);
  });
});
