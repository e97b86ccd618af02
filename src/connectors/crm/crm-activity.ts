/**
 * Which ended calls become a CRM activity of a connection, and the activity's data. Pure.
 *
 * Rules: customer calls only (inbound and outbound, not internal), one activity per call (not per leg
 * or phone that rang), written when the call ends. The activity belongs to the extension that
 * answered, or for a missed call to the first rung extension whose user logs lost calls; an
 * extension's user may log answered calls, lost calls or both; unmapped extensions follow the
 * connection's `unmappedExtensions`; missed calls follow `missedCalls`. Unknown callers are decided
 * when the CRM is asked (`journalUnknown`), not here.
 */
import type { Call } from '../../core/calls/call.ts';
import type { CrmUserMapping, JournalRules } from '../../storage/repositories/crm-repository.ts';
import type { CallActivity, CallKindForCrm } from './crm-connector.ts';
import { phoneForms } from './phone-forms.ts';

export function activityFor(call: Call, rules: JournalRules, mappings: ReadonlyMap<string, CrmUserMapping>): CallActivity | null {
  if (!rules.enabled || call.state !== 'ended' || call.direction === 'internal') return null;
  const answered = call.outcome === 'answered';
  if (!answered && !rules.missedCalls) return null;
  const party = call.direction === 'inbound' ? call.from : call.to;
  if (party.withheld && !rules.unknownCallers) return null;
  const number = party.e164 ?? party.raw;
  if (!number) return null;
  const candidates = answered
    ? [call.answeredBy ?? call.extension]
    : call.direction === 'outbound'
      ? [call.extension ?? call.from.raw]
      : call.extensionsRang.length
        ? call.extensionsRang
        : [call.extension];
  let extension: string | null = null;
  let crmUserId: string | null = null;
  let found = false;
  for (const ext of candidates) {
    const m = ext ? mappings.get(ext) : undefined;
    if (!m) continue;
    if (m.logCalls !== 'both' && m.logCalls !== (answered ? 'answered' : 'lost')) continue;
    extension = ext;
    crmUserId = m.crmUserId;
    found = true;
    break;
  }
  if (!found) {
    // A mapped user who does not log this kind of call keeps it out; only truly unmapped calls fall back.
    if (!rules.unmappedExtensions || candidates.some((e) => e && mappings.has(e))) return null;
    extension = candidates[0] ?? null;
  }
  const kind: CallKindForCrm = call.direction === 'inbound' ? (answered ? 'inbound_answered' : 'inbound_missed') : answered ? 'outbound_answered' : 'outbound_not_answered';
  return {
    callId: call.id,
    kind,
    direction: call.direction,
    answered,
    number,
    forms: phoneForms(number),
    from: call.from.e164 ?? call.from.raw,
    to: call.to.e164 ?? call.to.raw,
    extension,
    crmUserId,
    callerName: call.caller?.name ?? null,
    startedAt: call.startedAt,
    answeredAt: call.answeredAt,
    endedAt: call.endedAt ?? call.lastEventAt,
    durationSeconds: answered ? Math.round(call.talkSeconds ?? 0) : 0,
    hangupCause: call.hangupCause,
    language: rules.language,
    journalUnknown: rules.unknownCallers,
    createAccountForUnknown: rules.createAccountForUnknown,
  };
}
