/**
 * The variables an action template sees. Names follow pascom's (`${number}`, `${MDC_LABEL-X}`) so
 * existing templates carry over; `labels.X` and `skills.X` are the readable form of the same values.
 *
 * Labels and skills come from the call's labels: a label key `skill:X` (or `skill.X`) is the skill X,
 * every other key K is the label K.
 */
import type { Call } from '../calls/call.ts';
import { directionFor } from './triggers.ts';

/** The names a template may use besides the MDC_LABEL-/MDC_SKILL- families. */
export const ACTION_VARIABLES = ['number', 'name', 'company', 'extension', 'direction', 'callId', 'did', 'queue', 'labels', 'skills'] as const;

export const LABEL_PREFIX = 'MDC_LABEL-';
export const SKILL_PREFIX = 'MDC_SKILL-';

export type ActionVariables = Record<string, string | Record<string, string>>;

/** True when a template's top-level variable is one we fill. */
export function isKnownVariable(name: string): boolean {
  return (ACTION_VARIABLES as readonly string[]).includes(name) || name.startsWith(LABEL_PREFIX) || name.startsWith(SKILL_PREFIX);
}

/**
 * The values for `call` as `extension` sees it. `number` is the other party: the caller of an inbound
 * call, the callee of an outbound one (E.164 where known, else as the PBX sent it; empty when withheld).
 */
export function actionVariables(call: Call, extension: string | null): ActionVariables {
  const direction = directionFor(call, extension);
  const party = direction === 'inbound' ? call.from : call.to;
  const labels: Record<string, string> = {};
  const skills: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.labels)) {
    const skill = /^skill[:.](.+)$/i.exec(key);
    if (skill) skills[skill[1]] = value;
    else labels[key] = value;
  }
  const vars: ActionVariables = {
    number: party.withheld ? '' : (party.e164 ?? party.raw),
    name: call.caller?.name ?? '',
    company: call.caller?.company ?? '',
    extension: extension ?? call.extension ?? '',
    direction,
    callId: call.id,
    did: call.did ?? '',
    queue: call.queue ?? '',
    labels,
    skills,
  };
  for (const [k, v] of Object.entries(labels)) vars[LABEL_PREFIX + k] = v;
  for (const [k, v] of Object.entries(skills)) vars[SKILL_PREFIX + k] = v;
  return vars;
}

/** A call to preview templates against when none is given. */
export function sampleCall(tenantId: string): Call {
  const at = '2026-01-15T09:30:00.000Z';
  return {
    id: '0194f0c2-0000-7000-8000-000000000000',
    tenantId,
    pbxCallId: 'sample-1',
    direction: 'inbound',
    kind: 'queue',
    from: { raw: '+49 30 1234567', e164: '+49301234567', withheld: false },
    to: { raw: '+49 30 999000', e164: '+4930999000', withheld: false },
    did: '+4930999000',
    queue: 'support',
    labels: { VIP: 'yes', 'skill:english': '1' },
    state: 'answered',
    outcome: null,
    hangupCause: null,
    answeredBy: '201',
    extension: '201',
    extensionsRang: ['201'],
    startedAt: at,
    answeredAt: at,
    endedAt: null,
    ringSeconds: 0,
    talkSeconds: null,
    transfers: [],
    legs: [],
    caller: { contactId: null, name: 'Erika Mustermann', company: 'Muster GmbH', matchType: 'exact' },
    version: 1,
    lastEventAt: at,
    updatedAt: at,
  };
}
