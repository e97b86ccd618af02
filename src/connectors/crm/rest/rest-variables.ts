/**
 * The values of a call's template variables (rest-template.ts). Pure.
 */
import type { CallActivity } from '../crm-connector.ts';
import { lastDigits, type PhoneForms } from '../phone-forms.ts';
import type { CrmTemplateVariables } from './rest-template.ts';

export type NumberFormat = 'e164' | 'national' | 'digits' | 'national_digits' | 'last_n';

/** The number in the form a CRM wants it. */
export function formatNumber(forms: PhoneForms, format: NumberFormat, lastN: number): string {
  switch (format) {
    case 'e164':
      return forms.e164;
    case 'national':
      return forms.national;
    case 'digits':
      return forms.digits;
    case 'national_digits':
      return forms.nationalDigits;
    case 'last_n':
      return lastDigits(forms, lastN);
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 125 → "02:05"; minutes beyond 59 keep counting ("75:00"). */
export function mmss(seconds: number): string {
  return `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
}

/** 3725 → "01:02:05". */
export function hhmmss(seconds: number): string {
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** "2026-11-21 10:02:07": the UTC form many CRM APIs (Pipedrive) take. */
function utc(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

const SUBJECT = {
  de: { inbound_answered: 'Anruf von', inbound_missed: 'Verpasster Anruf von', outbound_answered: 'Anruf an', outbound_not_answered: 'Nicht angenommener Anruf an' },
  en: { inbound_answered: 'Call from', inbound_missed: 'Missed call from', outbound_answered: 'Call to', outbound_not_answered: 'Unanswered call to' },
} as const;

export function templateVariables(a: CallActivity, format: NumberFormat, lastN: number, contactId: string | null, contactName: string | null): CrmTemplateVariables {
  const d = a.durationSeconds;
  return {
    number: formatNumber(a.forms, format, lastN),
    number_e164: a.forms.e164,
    number_national: a.forms.national,
    number_digits: a.forms.digits,
    number_last: lastDigits(a.forms, lastN),
    from: a.from,
    to: a.to,
    agent: a.extension ?? '',
    agent_user: a.crmUserId ?? '',
    direction: a.direction,
    direction_short: a.direction === 'inbound' ? 'in' : 'out',
    answered: a.answered ? 'true' : 'false',
    duration: String(d),
    duration_ms: String(d * 1000),
    duration_mmss: mmss(d),
    duration_hhmmss: hhmmss(d),
    start: a.startedAt,
    end: a.endedAt,
    start_utc: utc(a.startedAt),
    end_utc: utc(a.endedAt),
    hangup_cause: a.hangupCause ?? '',
    contact_id: contactId ?? '',
    call_id: a.callId,
    subject: `${SUBJECT[a.language][a.kind]} ${contactName ?? a.callerName ?? a.forms.international}`,
  };
}
