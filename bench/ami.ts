/**
 * AMI throughput: the nine recorded Asterisk streams replayed in a loop through the parser and the
 * call mapper, in events per second. References in the same run: the parser alone, and a bare split
 * of the same bytes into lines (the least any AMI consumer must do).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { AmiParser } from '../src/connectors/pbx/asterisk-ami/ami-parser.ts';
import { AmiCallMapper } from '../src/connectors/pbx/asterisk-ami/ami-mapping.ts';
import type { BenchRow } from './table.ts';

const DIR = new URL('../src/connectors/pbx/asterisk-ami/fixtures/', import.meta.url);
const SECONDS = Number(process.env.BENCH_DURATION ?? 10) / 2;

function loop(fn: () => number): number {
  let events = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + SECONDS * 1000;
  while (Date.now() < deadline) events += fn();
  return events / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function runAmiBench(): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ami')).sort();
  const streams = files.map((f) => readFileSync(new URL(f, DIR)));
  let callEvents = 0;
  const full = loop(() => {
    let n = 0;
    const mapper = new AmiCallMapper({ connectionId: 'bench' });
    for (const bytes of streams) {
      const parser = new AmiParser();
      for (const message of parser.push(bytes)) {
        n++;
        callEvents += mapper.push(message, '2026-11-21T12:00:00.000Z').length;
      }
    }
    return n;
  });
  const parseOnly = loop(() => {
    let n = 0;
    for (const bytes of streams) n += new AmiParser().push(bytes).length;
    return n;
  });
  const split = loop(() => {
    let n = 0;
    for (const bytes of streams) n += bytes.toString('latin1').split('\r\n\r\n').length - 1;
    return n;
  });
  return {
    rows: [
      { figure: 'AMI parser + mapper', value: full, unit: 'AMI events/s', reference: 'parser alone', referenceValue: parseOnly, ratio: full / parseOnly, target: '' },
      { figure: 'AMI parser', value: parseOnly, unit: 'AMI events/s', reference: 'bare split of the bytes', referenceValue: split, ratio: parseOnly / split, target: '' },
    ],
    details: { recordings: files, bytes: streams.reduce((a, b) => a + b.length, 0), callEventsProduced: callEvents },
  };
}
