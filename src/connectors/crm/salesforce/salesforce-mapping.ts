/**
 * Callbridge calls in Salesforce's words: the Task a call becomes, the SOSL that finds a caller, the
 * Account created for an unknown caller. Pure.
 *
 * Task fields (Object Reference, "Task"): `CallObject` ("Name of a call center", free text up to 255)
 * carries `callbridge:<call id>` — the marker searched before creating, so a retry or replay never
 * writes a second Task. `ActivityDate` is a date without time: the call's end date in UTC.
 */
import type { CallActivity, CrmContact } from '../crm-connector.ts';
import { allForms } from '../phone-forms.ts';

export type SalesforceTask = {
  Subject: string;
  Status: 'Completed';
  Priority: 'Normal';
  TaskSubtype: 'Call';
  CallType: 'Inbound' | 'Outbound';
  CallDurationInSeconds: number;
  CallObject: string;
  CallDisposition: string;
  ActivityDate: string;
  Description: string;
  OwnerId?: string;
  WhoId?: string;
  WhatId?: string;
};

const SUBJECTS = {
  de: { inbound_answered: 'Anruf von', inbound_missed: 'Verpasster Anruf von', outbound_answered: 'Anruf an', outbound_not_answered: 'Nicht angenommener Anruf an' },
  en: { inbound_answered: 'Call from', inbound_missed: 'Missed call from', outbound_answered: 'Call to', outbound_not_answered: 'Unanswered call to' },
} as const;

const DISPOSITION = { de: { yes: 'Angenommen', no: 'Nicht angenommen' }, en: { yes: 'Answered', no: 'Not answered' } } as const;

/** The marker that identifies a call's Task. */
export function callMarker(callId: string): string {
  return `callbridge:${callId}`;
}

export function taskFor(a: CallActivity, who: CrmContact | null, accountId: string | null): SalesforceTask {
  const name = who?.name ?? a.callerName ?? a.forms.international;
  const lines = [
    `${a.language === 'de' ? 'Nummer' : 'Number'}: ${a.forms.international}`,
    ...(a.extension ? [`${a.language === 'de' ? 'Nebenstelle' : 'Extension'}: ${a.extension}`] : []),
    `${a.language === 'de' ? 'Beginn' : 'Start'}: ${a.startedAt}`,
    `${a.language === 'de' ? 'Dauer' : 'Duration'}: ${a.durationSeconds} s`,
  ];
  return {
    Subject: `${SUBJECTS[a.language][a.kind]} ${name}`,
    Status: 'Completed',
    Priority: 'Normal',
    TaskSubtype: 'Call',
    CallType: a.direction === 'inbound' ? 'Inbound' : 'Outbound',
    CallDurationInSeconds: a.durationSeconds,
    CallObject: callMarker(a.callId),
    CallDisposition: DISPOSITION[a.language][a.answered ? 'yes' : 'no'],
    ActivityDate: a.endedAt.slice(0, 10),
    Description: lines.join('\n'),
    ...(a.crmUserId ? { OwnerId: a.crmUserId } : {}),
    ...(who && who.kind === 'Contact' ? { WhoId: who.id } : {}),
    ...(accountId ? { WhatId: accountId } : {}),
  };
}

/** "Anrufer +49 30 1234567" / "Caller +49 30 1234567". */
export function unknownAccountName(a: CallActivity): string {
  return `${a.language === 'de' ? 'Anrufer' : 'Caller'} ${a.forms.international}`;
}

/** SOSL reserved characters, escaped with a backslash inside a search term (SOSL "FIND"). */
function escapeSosl(term: string): string {
  return term.replace(/[?&|!{}[\]()^~*:\\"'+-]/g, (c) => `\\${c}`);
}

/**
 * One search for every written form of the number: Salesforce keeps phone fields as typed, so
 * `+49 30 1234567`, `030 1234567` and `+49301234567` are different texts to its index.
 */
export function phoneSearch(forms: CallActivity['forms']): string {
  const terms = allForms(forms).map((f) => `"${escapeSosl(f)}"`).join(' OR ');
  return `FIND {${terms}} IN PHONE FIELDS RETURNING Contact(Id, Name, FirstName, LastName, Email, AccountId, Account.Name), Account(Id, Name)`;
}

type SearchRecord = { attributes?: { type?: string }; Id: string; Name?: string; FirstName?: string | null; LastName?: string | null; Email?: string | null; AccountId?: string | null; Account?: { Name?: string } | null };

/** The best match of a search: a Contact (it names a person) before an Account. */
export function bestMatch(records: readonly SearchRecord[]): CrmContact | null {
  const contact = records.find((r) => r.attributes?.type === 'Contact');
  if (contact) {
    return { id: contact.Id, kind: 'Contact', name: contact.Name ?? null, firstName: contact.FirstName ?? null, lastName: contact.LastName ?? null, company: contact.Account?.Name ?? null, email: contact.Email ?? null, accountId: contact.AccountId ?? null };
  }
  const account = records.find((r) => r.attributes?.type === 'Account');
  if (account) return { id: account.Id, kind: 'Account', name: account.Name ?? null, firstName: null, lastName: null, company: account.Name ?? null, email: null, accountId: account.Id };
  return null;
}
