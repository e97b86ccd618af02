/**
 * Reading a directory source the way the sync engine does, for reader-level tests: a context with
 * a signal, the stored state and a progress log, and the whole stream collected.
 */
import type { DirectorySourceType, ReadContext, SourceItem, SourceRun } from '../../src/connectors/directory/directory-source.ts';

export type ReadResult = { run: SourceRun; items: SourceItem[]; state: string | null; progress: number[] };

export function readContext(overrides: Partial<ReadContext> = {}): ReadContext & { progressLog: number[] } {
  const progressLog: number[] = [];
  return {
    signal: AbortSignal.timeout(60_000),
    state: null,
    progress: (read) => void progressLog.push(read),
    fetch: globalThis.fetch,
    ...overrides,
    progressLog,
  };
}

/** Checks the options like the API does, opens a run and reads it to the end. */
export async function readSource(type: DirectorySourceType, input: unknown, overrides: Partial<ReadContext> = {}): Promise<ReadResult> {
  const checked = type.check(input);
  if (!checked.ok) throw new Error(`options rejected: ${checked.field} ${checked.message}`);
  const context = readContext(overrides);
  const run = await type.open(checked.options, context);
  const items: SourceItem[] = [];
  for await (const item of run.items) items.push(item);
  return { run, items, state: run.state(), progress: context.progressLog };
}

export const records = (items: SourceItem[]) => items.filter((i) => i.type === 'record');
