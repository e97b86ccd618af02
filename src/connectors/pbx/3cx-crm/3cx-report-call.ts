/**
 * 3CX `ReportCall` (call journaling): the template's call-report variables read into one report, and
 * the report as call events with an idempotent call id. The rules for 3CX's quirks (call types,
 * `[Duration]`, the time formats, the missing call id) are described in 3cx-crm-mapping.ts.
 */
import { createHash } from 'node:crypto';
import type { CallEvent } from '../../../core/calls/call-event.ts';
import type { CallDirection, EndCause } from '../../../core/calls/call.ts';
import { eventKey } from '../../../core/calls/event-key.ts';
import { problem, type FieldProblem } from '../webhook-body.ts';
import { asRecord, restorePlus, THREECX_CALL_TYPES, THREECX_CRM_SOURCE, type ThreeCxCallType } from './3cx-crm-mapping.ts';

/** The longest Duration a ReportCall may give. */
const MAX_CALL_SECONDS = 7 * 86_400;

/** Seconds of `hh:mm:ss` (or `mm:ss`, or plain seconds); null when unreadable. */
export function parseDuration(value: string | null | undefined): number | null {
  const t = (value ?? '').trim();
  if (/^\d+$/.test(t)) return Number(t);
  // .NET TimeSpan may print days ("1.02:03:04") and fractions ("00:02:05.1234567").
  const m = /^(?:(\d+)\.)?(\d+):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?$/.exec(t);
  if (!m) return null;
  const [d, a, b, c] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3]), m[4] === undefined ? null : Number(m[4])];
  if (c === null) return b < 60 ? d * 86400 + a * 60 + b : null;
  if (b >= 60 || c >= 60) return null;
  return d * 86400 + a * 3600 + b * 60 + c;
}

/**
 * An instant (ISO 8601 UTC, whole seconds) from what 3CX sends; null when empty, unreadable or
 * DateTime.MinValue. Values without a zone are taken as UTC.
 */
export function parseThreeCxTime(value: string | null | undefined): string | null {
  const t = (value ?? '').trim();
  if (!t) return null;
  let ms: number | null = null;
  if (/^\d{12,14}$/.test(t)) ms = Number(t);
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}/.test(t)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t.replace(' ', 'T') : t.replace(' ', 'T') + 'Z';
    ms = Date.parse(zoned);
  } else {
    const m = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(AM|PM)?$/i.exec(t);
    if (m) {
      let [a, b] = [Number(m[1]), Number(m[3])];
      // `/` is the invariant and US culture: month first, unless the first part cannot be a month.
      // `.` and `-` are day-first cultures (de-DE, nl-NL).
      let [month, day] = m[2] === '/' && a <= 12 ? [a, b] : [b, a];
      if (month > 12 && day <= 12) [month, day] = [day, month];
      let hour = Number(m[5]);
      const ampm = m[8]?.toUpperCase();
      if (ampm === 'PM' && hour < 12) hour += 12;
      if (ampm === 'AM' && hour === 12) hour = 0;
      ms = Date.UTC(Number(m[4]), month - 1, day, hour, Number(m[6]), Number(m[7] ?? 0));
      if (new Date(ms).getUTCDate() !== day) ms = null;
    }
  }
  if (ms === null || !Number.isFinite(ms)) return null;
  const d = new Date(Math.floor(ms / 1000) * 1000);
  if (d.getUTCFullYear() < 1971) return null;
  return d.toISOString();
}

/** A ReportCall body, read. */
export type ThreeCxReport = {
  callType: ThreeCxCallType;
  direction: Exclude<CallDirection, 'internal'>;
  number: string;
  agent: string | null;
  agentName: string | null;
  queue: string | null;
  talkSeconds: number;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  entityId: string | null;
};

const TYPE_BY_LOWER: ReadonlyMap<string, ThreeCxCallType> = new Map(THREECX_CALL_TYPES.map((t) => [t.toLowerCase(), t]));

export function readReportCall(body: unknown): { ok: true; report: ThreeCxReport } | FieldProblem {
  const b = asRecord(body);
  if (!b) return problem('', 'the body must be a JSON object or a form');
  const text = (k: string): string | null => {
    const v = b[k];
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') return null;
    const t = v.trim();
    // An unresolved template variable ("[QueueExtension]") is as good as empty.
    return t === '' || /^\[[A-Za-z:]+\]$/.test(t) ? null : t;
  };
  const rawType = text('CallType');
  const callType = TYPE_BY_LOWER.get((rawType ?? '').toLowerCase().replace(/[\s_-]/g, ''));
  if (!callType) return problem('/CallType', `CallType must be one of ${THREECX_CALL_TYPES.join(', ')}`);
  const direction = callType === 'Inbound' || callType === 'Missed' ? 'inbound' : 'outbound';
  const number = text('Number');
  if (!number) return problem('/Number', 'Number is required');
  const durationText = text('Duration') ?? text('DurationSeconds');
  const talked = callType === 'Inbound' || callType === 'Outbound';
  let talkSeconds = 0;
  if (durationText !== null) {
    const d = parseDuration(durationText);
    if (d === null) return problem('/Duration', 'Duration must be hh:mm:ss');
    // No phone call lasts a week; a larger value would also push the times past what a date holds.
    if (d > MAX_CALL_SECONDS) return problem('/Duration', 'Duration must be at most 7 days (168:00:00)');
    talkSeconds = talked ? d : 0;
  }
  const time = (k: string): string | null | FieldProblem => {
    const v = text(k);
    if (v === null) return null;
    const at = parseThreeCxTime(v);
    if (at === null && !/^0*1[./-]0*1[./-]0*1\b|^0001-01-01/.test(v)) return problem(`/${k}`, `${k} is not a date and time`);
    return at;
  };
  const start = time('CallStartTimeUTC');
  const established = time('CallEstablishedTimeUTC');
  const end = time('CallEndTimeUTC');
  const local = time('DateTime');
  for (const t of [start, established, end, local]) if (t && typeof t === 'object') return t;
  const [s, e, est, loc] = [start, end, established, local] as Array<string | null>;
  const shift = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
  const startedAt = s ?? (e ? shift(e, -talkSeconds) : null) ?? loc;
  if (!startedAt) return problem('/CallStartTimeUTC', 'CallStartTimeUTC (or CallEndTimeUTC, or DateTime) is required');
  let answeredAt: string | null = null;
  if (talked) answeredAt = est ?? (e ? shift(e, -talkSeconds) : startedAt);
  if (answeredAt && answeredAt < startedAt) answeredAt = startedAt;
  let endedAt = e ?? (answeredAt ? shift(answeredAt, talkSeconds) : startedAt);
  if (endedAt < (answeredAt ?? startedAt)) endedAt = answeredAt ?? startedAt;
  const agentName = [text('AgentFirstName'), text('AgentLastName')].filter(Boolean).join(' ') || null;
  return {
    ok: true,
    report: {
      callType,
      direction,
      number: typeof b.Number === 'string' ? restorePlus(b.Number) : number,
      agent: text('Agent'),
      agentName,
      queue: text('QueueExtension'),
      talkSeconds,
      startedAt,
      answeredAt,
      endedAt,
      entityId: text('EntityId'),
    },
  };
}

/**
 * The call id 3CX does not send: the start second, agent, number digits and direction. Hashed, so the
 * stored id carries no phone number.
 */
export function reportCallId(report: Pick<ThreeCxReport, 'startedAt' | 'agent' | 'number' | 'direction'>): string {
  const h = createHash('sha256');
  for (const p of [report.startedAt.slice(0, 19), report.agent ?? '', report.number.replace(/\D/g, ''), report.direction]) h.update(p + '\u0000');
  return `3cx-${h.digest('base64url').slice(0, 24)}`;
}

/** ringing, answered when talked, ended (normal when talked, else noAnswer). */
export function reportCallEvents(report: ThreeCxReport): CallEvent[] {
  const callId = reportCallId(report);
  const inbound = report.direction === 'inbound';
  const ours = report.agent ?? report.queue ?? '';
  const labels: Record<string, string> = { '3cxCallType': report.callType };
  if (report.agentName) labels['3cxAgent'] = report.agentName;
  if (report.entityId) labels['3cxEntityId'] = report.entityId;
  const base = {
    callId,
    linkedCallId: null,
    direction: report.direction,
    from: inbound ? report.number : ours,
    to: inbound ? ours : report.number,
    extension: report.agent,
    extensions: report.agent ? [report.agent] : [],
    queue: report.queue,
    labels,
    cause: null,
    transferTo: null,
    transferType: null,
  } satisfies Omit<CallEvent, 'type' | 'at' | 'key'>;
  const key = (type: string) => eventKey(THREECX_CRM_SOURCE, `${callId}:${type}`, []);
  const events: CallEvent[] = [{ ...base, type: 'ringing', at: report.startedAt, key: key('ringing') }];
  if (report.answeredAt) events.push({ ...base, type: 'answered', at: report.answeredAt, key: key('answered') });
  const cause: EndCause = report.answeredAt ? 'normal' : 'noAnswer';
  events.push({ ...base, type: 'ended', cause, at: report.endedAt, key: key('ended') });
  return events;
}
