import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { decodeCsv, detectDelimiter, sniffEncoding } from './csv-decoding.ts';

async function decodeAll(chunks: Buffer[], encoding: Parameters<typeof decodeCsv>[1] = 'auto'): Promise<{ text: string; chosen: string }> {
  let chosen = '';
  let text = '';
  for await (const t of decodeCsv((async function* () { yield* chunks; })(), encoding, (c) => (chosen = c))) text += t;
  return { text, chosen };
}

describe('CSV decoding', () => {
  it('sniffs BOMs, valid UTF-8, UTF-16 LE without BOM, and falls back to Windows-1252', () => {
    assert.equal(sniffEncoding(Buffer.from('\uFEFFName', 'utf8'), true), 'utf-8');
    assert.equal(sniffEncoding(Buffer.from([0xff, 0xfe, 0x4e, 0x00]), true), 'utf-16le');
    assert.equal(sniffEncoding(Buffer.from([0xfe, 0xff, 0x00, 0x4e]), true), 'utf-16be');
    assert.equal(sniffEncoding(Buffer.from('Größe', 'utf8'), true), 'utf-8');
    assert.equal(sniffEncoding(Buffer.from('Name;Tel\n', 'utf16le'), true), 'utf-16le');
    assert.equal(sniffEncoding(iconv.encode('Größe;€', 'win1252'), true), 'windows-1252');
  });

  it('a UTF-8 character cut at the end of an incomplete sample does not make it Windows-1252', () => {
    const bytes = Buffer.from('aaaä', 'utf8');
    assert.equal(sniffEncoding(bytes.subarray(0, bytes.length - 1), false), 'utf-8');
  });

  it('decodes across chunk boundaries that split characters, and drops the BOM', async () => {
    const utf8 = Buffer.from('\uFEFFJürgen;Größe\r\n', 'utf8');
    const { text, chosen } = await decodeAll([utf8.subarray(0, 5), utf8.subarray(5)]);
    assert.equal(chosen, 'utf-8');
    assert.equal(text, 'Jürgen;Größe\r\n');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Zoë\tÆrø\r\n', 'utf16le')]);
    assert.equal((await decodeAll([utf16.subarray(0, 3), utf16.subarray(3)])).text, 'Zoë\tÆrø\r\n');
    assert.equal((await decodeAll([iconv.encode('Müller € „Zitat“', 'win1252')])).text, 'Müller € „Zitat“');
    assert.equal((await decodeAll([Buffer.from([0xe9])], 'iso-8859-1')).text, 'é');
  });

  it('detects the delimiter of the header line outside quotes', () => {
    assert.equal(detectDelimiter('Name;Telefon;"a,b,c"\n1,2,3,4'), ';');
    assert.equal(detectDelimiter('Name\tTelefon\tFirma\n'), '\t');
    assert.equal(detectDelimiter('id|name|phone\n'), '|');
    assert.equal(detectDelimiter('Name,Telefon\n'), ',');
    assert.equal(detectDelimiter('Name\n'), ',');
  });
});
