/**
 * Salesforce as a CRM: finds callers by phone (SOSL) and writes one Task per call.
 *
 * Vendor quirks, with their documentation:
 * - Phone fields are stored as typed; SOSL `IN PHONE FIELDS` compares the search index's text, so one
 *   search asks for every written form of the number (soql_sosl "IN SearchGroup";
 *   api_rest "Search" resource `GET /services/data/vXX.X/search?q=`).
 * - Reserved characters (`+ - ( )` …) must be escaped with a backslash inside FIND {…} (soql_sosl
 *   "FIND {SearchQuery}").
 * - A Task created through `POST /sobjects/Task` (api_rest "Create a Record") has no external id;
 *   `CallObject` carries our call marker and is searched with SOQL before creating (idempotency).
 * - `WhoId` takes a Contact or Lead, `WhatId` an Account (object reference "Task").
 * - A user without "API Enabled" gets 403 `API_DISABLED_FOR_ORG` on every REST call (api_rest
 *   "Status Codes and Error Responses").
 */
import type { CallActivity, CrmConnector, CrmConnectorType, CrmContact, CrmContext, CrmLookupResult, LogCallResult, RequestPreview } from '../crm-connector.ts';
import type { Connection } from 'jsforce';
import { checkOptions } from '../../pbx/options-check.ts';
import type { PhoneForms } from '../phone-forms.ts';
import { SalesforceClient } from './salesforce-client.ts';
import { missingForAuth, SALESFORCE_SECRET_OPTIONS, salesforceOptionsSchema, type SalesforceOptions } from './salesforce-config.ts';
import { bestMatch, callMarker, phoneSearch, taskFor, unknownAccountName } from './salesforce-mapping.ts';

const CAPABILITIES = { findContactByPhone: true, logCall: true, createContact: true } as const;

export class SalesforceConnector implements CrmConnector {
  readonly capabilities = CAPABILITIES;
  #client: SalesforceClient;
  #options: SalesforceOptions;
  #byNumber = new Map<string, Promise<unknown>>();

  constructor(options: SalesforceOptions, context: CrmContext) {
    this.#options = options;
    this.#client = new SalesforceClient(options, context);
  }

  async findContactByPhone(forms: PhoneForms, signal: AbortSignal): Promise<CrmLookupResult> {
    const found = await this.#client.run(signal, async (conn) => bestMatch((await conn.search(phoneSearch(forms))).searchRecords as never));
    return found ? { outcome: 'found', contact: found } : { outcome: 'not_found' };
  }

  /**
   * Calls of one number are logged one after the other in this process: two calls of a new caller
   * in flight at once must not each create an "Anrufer …" account. (Across instances the race stays;
   * the second account is harmless and rare.)
   */
  logCall(a: CallActivity, signal: AbortSignal): Promise<LogCallResult> {
    const previous = this.#byNumber.get(a.forms.e164) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#logCall(a, signal));
    const settled = next.catch(() => {});
    this.#byNumber.set(a.forms.e164, settled);
    void settled.then(() => {
      if (this.#byNumber.get(a.forms.e164) === settled) this.#byNumber.delete(a.forms.e164);
    });
    return next;
  }

  async #logCall(a: CallActivity, signal: AbortSignal): Promise<LogCallResult> {
    return this.#client.run(signal, async (conn) => {
      const marker = callMarker(a.callId).replace(/['\\]/g, (c) => `\\${c}`);
      const existing = await conn.query<{ Id: string }>(`SELECT Id FROM Task WHERE CallObject = '${marker}' LIMIT 1`);
      if (existing.records.length > 0) return { outcome: 'already_logged', externalId: existing.records[0].Id };
      // A withheld number has nothing to search for and no name to give an account.
      const searchable = a.forms.digits.length >= 3;
      let who: CrmContact | null = searchable ? bestMatch((await conn.search(phoneSearch(a.forms))).searchRecords as never) : null;
      if (!who && !a.journalUnknown) return { outcome: 'skipped', reason: 'the caller is not in Salesforce and unknown callers are not journaled' };
      if (!who && searchable && a.createAccountForUnknown) who = await createAccount(conn, a.forms, unknownAccountName(a));
      const task = taskFor(a, who, who?.accountId ?? null);
      const created = (await conn.sobject('Task').create(task)) as { id: string; success: boolean };
      return { outcome: 'logged', externalId: created.id };
    });
  }

  createContact(input: { forms: PhoneForms; name: string }, signal: AbortSignal): Promise<CrmContact> {
    return this.#client.run(signal, (conn) => createAccount(conn, input.forms, input.name));
  }

  async previewLogCall(a: CallActivity): Promise<RequestPreview[]> {
    const base = `{instance_url}/services/data/v${this.#options.apiVersion}`;
    return [
      { method: 'GET', url: `${base}/search?q=${encodeURIComponent(phoneSearch(a.forms))}`, headers: { authorization: 'Bearer ***' }, body: null },
      { method: 'POST', url: `${base}/sobjects/Task`, headers: { authorization: 'Bearer ***', 'content-type': 'application/json' }, body: JSON.stringify(taskFor(a, null, null)) },
    ];
  }
}

/** An Account with the number as its phone, so the next call of this number (and a retry of this one) finds it. */
async function createAccount(conn: Connection, forms: PhoneForms, name: string): Promise<CrmContact> {
  const created = (await conn.sobject('Account').create({ Name: name, Phone: forms.international })) as { id: string };
  return { id: created.id, kind: 'Account', name, firstName: null, lastName: null, company: name, email: null, accountId: created.id };
}

export const salesforceType: CrmConnectorType = {
  id: 'salesforce',
  title: 'Salesforce',
  capabilities: CAPABILITIES,
  secretOptions: SALESFORCE_SECRET_OPTIONS,
  schema: salesforceOptionsSchema,
  check(input) {
    const checked = checkOptions(salesforceOptionsSchema, input);
    if (!checked.ok) return checked;
    const missing = missingForAuth(checked.options as SalesforceOptions);
    return missing ? { ok: false, ...missing } : { ok: true, options: checked.options };
  },
  create: (options, context) => new SalesforceConnector(options as SalesforceOptions, context),
};
