/**
 * When an automatic action starts. A call change is an *occurrence* of one result (ringing, answered,
 * hangup) for some extensions; an action's trigger then decides by the call's direction as that
 * extension sees it and by the call type.
 *
 * - ringing: a ringing event, for the extensions it newly rings (a re-ring of the same extension does
 *   not start the action again);
 * - answered: an answered event that names the extension that picked up (after a transfer, the new
 *   holder's answer is an occurrence for that extension);
 * - hangup: the change that ended the whole call, for every extension the call touched; a leg that
 *   stops ringing in a ring group is not a hangup.
 */
import type { Call, CallDirection } from '../calls/call.ts';
import type { CallEvent } from '../calls/call-event.ts';
import { extensionsOf } from '../calls/lifecycle.ts';
import type { ActionTrigger, TriggerResult } from './action.ts';

export type Occurrence = { result: TriggerResult; extensions: string[] };

/** The occurrence a change is, or null when no action can start on it (a transfer, a leg ending). */
export function occurrenceOf(before: Call | undefined, call: Call, event: CallEvent): Occurrence | null {
  const caller = call.direction === 'inbound' ? null : callerExtension(call);
  if (event.type === 'ringing') {
    const known = new Set(before?.extensionsRang ?? []);
    const rang = [event.extension, ...event.extensions].filter((e): e is string => e !== null && !known.has(e));
    // The caller of an outbound or internal call "rings" too (at the far end), once: at the call's start.
    if (!before && caller !== null) rang.unshift(caller);
    return rang.length ? { result: 'ringing', extensions: [...new Set(rang)] } : null;
  }
  if (event.type === 'answered') {
    const ext = event.extension ?? call.answeredBy;
    const exts = [ext, caller].filter((e): e is string => e !== null);
    return exts.length ? { result: 'answered', extensions: [...new Set(exts)] } : null;
  }
  if (event.type === 'ended' && call.state === 'ended' && before?.state !== 'ended') {
    const exts = extensionsOf(call);
    if (caller !== null) exts.add(caller);
    return { result: 'hangup', extensions: [...exts] };
  }
  return null;
}

/** The extension that placed an outbound or internal call (its `from` is an extension, not a number). */
function callerExtension(call: Call): string | null {
  return call.from.e164 === null && !call.from.withheld && /^\d{1,6}$/.test(call.from.raw.trim()) ? call.from.raw.trim() : null;
}

/**
 * The call's direction as `extension` sees it: external calls keep theirs; an internal call is
 * outbound for the extension that placed it and inbound for the others.
 */
export function directionFor(call: Call, extension: string | null): Exclude<CallDirection, 'internal'> {
  if (call.direction !== 'internal') return call.direction;
  return extension !== null && call.from.raw.trim() === extension ? 'outbound' : 'inbound';
}

/** True when an automatic trigger starts on this occurrence for this extension. */
export function triggerMatches(trigger: ActionTrigger, call: Call, result: TriggerResult, extension: string | null): boolean {
  if (trigger.mode !== 'automatic') return false;
  if (!trigger.results.includes(result)) return false;
  if (!trigger.callTypes.includes(call.kind)) return false;
  return trigger.direction === 'both' || trigger.direction === directionFor(call, extension);
}
