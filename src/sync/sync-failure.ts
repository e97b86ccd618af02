/**
 * Why a run failed, in words a person can act on: a reader's SourceError says it already; the
 * engine's own stops (timeout, lease lost, shutdown) are named here; anything else is an internal
 * error whose detail goes to the server log, never personal data.
 */
import { SourceError } from '../connectors/directory/directory-source.ts';
import { LeaseLostError } from '../storage/repositories/source-apply.ts';

/** Raised by the engine when it stops a run itself; the message is shown as the source's last error. */
export class RunStopped extends Error {}

export type Failure = { message: string; internal: boolean };

export function describeFailure(err: unknown): Failure {
  if (err instanceof SourceError || err instanceof RunStopped) return { message: withNothingChanged(err.message), internal: false };
  if (err instanceof LeaseLostError) return { message: 'The run was stopped: the source was deleted or another instance took it over; nothing was changed', internal: false };
  return { message: 'Internal error while syncing (the server log has the details); nothing was changed', internal: true };
}

function withNothingChanged(message: string): string {
  return /nothing was changed/.test(message) ? message : `${message.replace(/\.$/, '')}; nothing was changed, the last good data stays`;
}

/** For logs: the error's class and code, without a message that could carry personal data. */
export function errorSummary(err: unknown): { error: string; code?: string } {
  const code = (err as { code?: unknown })?.code;
  return { error: err instanceof Error ? err.name : typeof err, ...(typeof code === 'string' ? { code } : {}) };
}
