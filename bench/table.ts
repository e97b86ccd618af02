/** One benchmark figure beside the reference measured in the same run. */
export type BenchRow = {
  figure: string;
  value: number;
  unit: string;
  reference: string;
  referenceValue: number;
  /** value / referenceValue, as a fraction. */
  ratio: number;
  /** The target, in words (empty when the issue sets none yet). */
  target: string;
  /** Whether this run met the target (absent when there is none). */
  met?: boolean;
};

export function printTable(rows: BenchRow[]): void {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  const lines = [
    ['figure', 'value', 'reference (same run)', 'ratio', 'target', 'met'],
    ...rows.map((r) => [r.figure, `${fmt(r.value)} ${r.unit}`, `${r.reference}: ${fmt(r.referenceValue)} ${r.unit}`, `${(r.ratio * 100).toFixed(1)} %`, r.target || '—', r.met === undefined ? '' : r.met ? 'yes' : 'NO']),
  ];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const [i, l] of lines.entries()) {
    console.log(l.map((c, j) => c.padEnd(widths[j])).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** The same table in Markdown (docs/PERFORMANCE.md). */
export function markdownTable(rows: BenchRow[]): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  const lines = ['| figure | value | reference (same run) | ratio | target | met |', '|---|---:|---|---:|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.figure} | ${fmt(r.value)} ${r.unit} | ${r.reference}: ${fmt(r.referenceValue)} ${r.unit} | ${(r.ratio * 100).toFixed(1)} % | ${r.target || '—'} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n') + '\n';
}
