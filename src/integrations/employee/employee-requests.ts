/**
 * Which employee-integration requests a call change causes, with exactly the PBXAdmin parameter names
 * in their documented order. Pure. The choices for each value are in docs/employee-integration.md:
 * - UniqueCallId: the PBX's id of the conversation (stable over the call's events);
 *   LinkedUniqueCallId: the PBX's id of the leg the event is about when it differs, else empty;
 * - ANumber: the calling party, BNumber/Calledphone: the called one (E.164 where known, else as the
 *   PBX sent it; empty when withheld);
 * - TimeStamp: the event's time, ISO 8601 UTC to the second (`2026-11-21T10:00:07Z`);
 * - Duration: talk time in whole seconds (0 for an unanswered call).
 * Internal calls cause no requests: the integration is about calls with the outside world.
 */
import type { Call } from '../../core/calls/call.ts';
import type { CallEvent } from '../../core/calls/call-event.ts';
import type { PhoneNumber } from '../../core/phone-numbers/phone-number.ts';
import { occurrenceOf } from '../../core/actions/triggers.ts';
import type { EmployeeIntegration, EmployeeMethod, EmployeeMoment } from './employee-config.ts';

export type EmployeeRequest = { moment: EmployeeMoment; params: [string, string][] };

export function employeeRequests(before: Call | undefined, call: Call, event: CallEvent, accountId: string): EmployeeRequest[] {
  if (call.direction === 'internal') return [];
  const out: EmployeeRequest[] = [];
  const base = (): [string, string][] => [['AccountId', accountId], ['UniqueCallId', call.pbxCallId]];
  const linked = event.callId === call.pbxCallId ? '' : event.callId;
  const at = timeStamp(event.at);
  const occurrence = occurrenceOf(before, call, event);

  if (!before && call.direction === 'outbound') {
    const ext = event.extension ?? (call.from.e164 === null ? call.from.raw : '');
    out.push({ moment: 'outgoing', params: [...base(), ['EmployeeLocalNumber', ext], ['ANumber', number(call.from)], ['TimeStamp', at], ['PhoneLocalNumber', ext], ['BNumber', number(call.to)]] });
  }
  if (occurrence?.result === 'ringing' && call.direction === 'inbound') {
    for (const ext of occurrence.extensions) {
      out.push({ moment: 'incoming', params: [...base(), ['Calledphone', call.did ?? number(call.to)], ['ANumber', number(call.from)], ['TimeStamp', at], ['EmployeeLocalNumber', ext], ['LinkedUniqueCallId', linked]] });
    }
  }
  if (occurrence?.result === 'answered') {
    out.push({ moment: 'answered', params: [...base(), ['EmployeeLocalNumber', occurrence.extensions[0]], ['ANumber', number(call.from)], ['TimeStamp', at], ['LinkedUniqueCallId', linked]] });
  }
  if (occurrence?.result === 'hangup') {
    const transfer = call.transfers.at(-1);
    const external = call.direction === 'inbound' ? call.from : call.to;
    const targetLeg = transfer ? call.legs.find((l) => l.extension === transfer.to && l.id !== call.pbxCallId) : undefined;
    out.push({
      moment: 'ended',
      params: [
        ...base(),
        ['Duration', String(Math.max(0, Math.round(call.talkSeconds ?? 0)))],
        ['Transfer', transfer ? 'True' : 'False'],
        ['CallDirection', call.direction === 'inbound' ? 'Incoming' : 'Outgoing'],
        ['TransferedUniqueId', targetLeg?.id ?? ''],
        ['TransferedNumber', transfer ? number(external) : ''],
        ['TransferTo', transfer?.to ?? ''],
      ],
    });
  }
  return out;
}

/** ISO 8601 UTC to the second: receivers parse it everywhere, and milliseconds add nothing here. */
export function timeStamp(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function number(n: PhoneNumber): string {
  return n.withheld ? '' : (n.e164 ?? n.raw);
}

/** The HTTP request for one set of parameters: GET as query string, POST form-encoded. */
export function employeeHttpRequest(config: Pick<EmployeeIntegration, 'method'> & { url: string }, params: [string, string][]) {
  const encoded = new URLSearchParams(params).toString();
  const method: EmployeeMethod = config.method;
  if (method === 'GET') {
    const url = config.url + (config.url.includes('?') ? (/[?&]$/.test(config.url) ? '' : '&') : '?') + encoded;
    return { method, url, headers: {} as Record<string, string>, body: null, sign: false as const };
  }
  return { method, url: config.url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encoded, sign: false as const };
}
