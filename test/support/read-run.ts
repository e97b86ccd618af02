/**
 * Reads one run of a directory source the way the sync engine does (open, drain the stream, then
 * `state()`), with the plain global fetch as `ctx.fetch`. For the reader tests against simulators.
 */
import type { DirectorySourceType, SourceItem } from '../../src/connectors/directory/directory-source.ts';

export type ReadResult = { full: boolean; items: SourceItem[]; state: string | null; progress: number };

export async function readRun(type: DirectorySourceType, input: Record<string, unknown>, state: string | null = null, signal: AbortSignal = new AbortController().signal): Promise<ReadResult> {
  const checked = type.check(input);
  if (!checked.ok) throw new Error(`options rejected: ${checked.field} ${checked.message}`);
  let progress = 0;
  const run = await type.open(checked.options, { signal, state, progress: (read) => (progress = read), fetch: globalThis.fetch });
  const items: SourceItem[] = [];
  for await (const item of run.items) items.push(item);
  return { full: run.full, items, state: run.state(), progress };
}

/** The records of a run by record id. */
export function records(result: ReadResult): Map<string, Extract<SourceItem, { type: 'record' }>['contact']> {
  return new Map(result.items.flatMap((i) => (i.type === 'record' ? [[i.recordId, i.contact] as const] : [])));
}
