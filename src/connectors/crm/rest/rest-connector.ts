/**
 * Any CRM with an HTTP API, by template (the 3CX "CRM template" idea): a lookup request whose answer
 * is read by JSON paths, and one journaling request per call kind. Presets in rest-presets.ts.
 *
 * Idempotency: a generic API has nothing to search for "the activity of call X", so the guard is
 * Callbridge's own record of written activities (`crm_activities`, checked by the delivery handler):
 * retries and replays after a recorded success send nothing. The one window left is an attempt whose
 * request reached the CRM but whose answer was lost (timeout, crash before recording); it is retried
 * and may write twice. docs/connectors/rest-crm.md says so.
 */
import { checkOptions } from '../../pbx/options-check.ts';
import type { CallActivity, CrmConnector, CrmConnectorType, CrmContact, CrmContext, CrmLookupResult, LogCallResult, RequestPreview } from '../crm-connector.ts';
import { checkStatus, send, type CrmRequest } from '../crm-http.ts';
import type { PhoneForms } from '../phone-forms.ts';
import { RestAuth } from './rest-auth.ts';
import { missingForAuth, REST_SECRET_OPTIONS, restOptionsSchema, type RequestTemplateOptions, type RestOptions } from './rest-config.ts';
import { readPath } from './json-path.ts';
import { withPreset } from './rest-presets.ts';
import { compileCrmTemplate, renderCrmTemplate, type CrmTemplate } from './rest-template.ts';
import { formatNumber, templateVariables } from './rest-variables.ts';
import type { CrmTemplateVariables } from './rest-template.ts';

type CompiledRequest = { method: string; encoding: 'json' | 'form' | 'query'; url: CrmTemplate; body: CrmTemplate | null; params: [string, CrmTemplate][] };

/** Compiles a request template; throws a field error (for the API's 400) when one does not parse. */
function compileRequest(r: RequestTemplateOptions | { method: string; url: string; body?: string }, field: string, encoding: 'json' | 'form' | 'query'): CompiledRequest {
  const one = (source: string, escape: 'url' | 'json' | 'text', at: string) => {
    const c = compileCrmTemplate(source, escape);
    if (!c.ok) throw new TemplateError(at, `${at.slice(1).replace(/\//g, '.')} ${c.error}`);
    return c.template;
  };
  const params = 'params' in r && r.params ? Object.entries(r.params).map(([k, v]) => [k, one(v, 'text', `${field}/params/${k}`)] as [string, CrmTemplate]) : [];
  return { method: r.method, encoding, url: one(r.url, 'url', `${field}/url`), body: r.body ? one(r.body, 'json', `${field}/body`) : null, params };
}

class TemplateError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export class RestConnector implements CrmConnector {
  readonly capabilities: CrmConnector['capabilities'];
  #o: RestOptions;
  #context: CrmContext;
  #auth: RestAuth;
  #lookup: CompiledRequest | null;
  #journal: Partial<Record<CallActivity['kind'], CompiledRequest>>;

  constructor(options: RestOptions, context: CrmContext) {
    this.#o = withPreset(options);
    this.#context = context;
    this.#auth = new RestAuth(this.#o, context);
    this.#lookup = this.#o.lookup ? compileRequest(this.#o.lookup, '/lookup', 'json') : null;
    this.#journal = {};
    for (const [kind, r] of Object.entries(this.#o.journal ?? {})) if (r) this.#journal[kind as CallActivity['kind']] = compileRequest(r, `/journal/${kind}`, r.encoding);
    this.capabilities = { findContactByPhone: this.#lookup !== null, logCall: Object.keys(this.#journal).length > 0, createContact: false };
  }

  async findContactByPhone(forms: PhoneForms, signal: AbortSignal): Promise<CrmLookupResult> {
    if (!this.#lookup) return { outcome: 'not_found' };
    const vars = this.#vars(forms);
    const body = await this.#call(this.#render(this.#lookup, vars), signal);
    const f = this.#o.lookup!.fields;
    const id = readPath(body, f.id);
    if (id === null) return { outcome: 'not_found' };
    const firstName = f.firstName ? readPath(body, f.firstName) : null;
    const lastName = f.lastName ? readPath(body, f.lastName) : null;
    const name = (f.name ? readPath(body, f.name) : null) ?? ([firstName, lastName].filter(Boolean).join(' ') || null);
    const contact: CrmContact = { id, kind: 'contact', name, firstName, lastName, company: f.company ? readPath(body, f.company) : null, email: f.email ? readPath(body, f.email) : null, accountId: null };
    return { outcome: 'found', contact };
  }

  async logCall(a: CallActivity, signal: AbortSignal): Promise<LogCallResult> {
    const template = this.#journal[a.kind];
    if (!template) return { outcome: 'skipped', reason: `no journaling request for ${a.kind} calls` };
    // Without a lookup every caller counts as known; a withheld number is never known.
    const searchable = a.forms.digits.length >= 3;
    const found = this.#lookup && searchable ? await this.findContactByPhone(a.forms, signal) : null;
    const contact = found?.outcome === 'found' ? found.contact : null;
    if (!contact && (found || !searchable) && !a.journalUnknown) return { outcome: 'skipped', reason: 'the caller is not in the CRM and unknown callers are not journaled' };
    const body = await this.#call(this.#render(template, templateVariables(a, this.#o.numberFormat, this.#o.lastDigits, contact?.id ?? null, contact?.name ?? null)), signal);
    const id = body && typeof body === 'object' ? (readPath(body, 'id') ?? readPath(body, 'data.id')) : null;
    return { outcome: 'logged', externalId: id };
  }

  async previewLogCall(a: CallActivity): Promise<RequestPreview[]> {
    const template = this.#journal[a.kind];
    if (!template) return [];
    const req = this.#render(template, templateVariables(a, this.#o.numberFormat, this.#o.lastDigits, null, null));
    return [{ method: req.method, url: req.url, headers: req.headers ?? {}, body: req.body ?? null }];
  }

  #vars(forms: PhoneForms): CrmTemplateVariables {
    const number = formatNumber(forms, this.#o.numberFormat, this.#o.lastDigits);
    const empty = Object.fromEntries(['from', 'to', 'agent', 'agent_user', 'direction', 'direction_short', 'answered', 'duration', 'duration_ms', 'duration_mmss', 'duration_hhmmss', 'start', 'end', 'start_utc', 'end_utc', 'hangup_cause', 'contact_id', 'call_id', 'subject'].map((k) => [k, '']));
    return { ...(empty as CrmTemplateVariables), number, number_e164: forms.e164, number_national: forms.national, number_digits: forms.digits, number_last: formatNumber(forms, 'last_n', this.#o.lastDigits) };
  }

  #render(t: CompiledRequest, vars: CrmTemplateVariables): CrmRequest {
    const url = new URL(renderCrmTemplate(t.url, vars), this.#o.baseUrl);
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | null = null;
    if (t.encoding === 'query') for (const [k, v] of t.params) url.searchParams.set(k, renderCrmTemplate(v, vars));
    else if (t.encoding === 'form') {
      body = new URLSearchParams(t.params.map(([k, v]): [string, string] => [k, renderCrmTemplate(v, vars)])).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (t.body) {
      body = renderCrmTemplate(t.body, vars);
      headers['content-type'] = 'application/json';
    }
    return { method: t.method, url: url.toString(), headers, body };
  }

  /** Sends with credentials; a 401 with a refreshable token is asked once more with a fresh one. */
  async #call(req: CrmRequest, signal: AbortSignal): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const { token, ...authed } = await this.#auth.apply(req, signal);
      const res = await send(this.#context.dispatchers, this.#context.allowList, authed, signal);
      if (res.status === 401 && this.#auth.refreshable && attempt === 0) {
        await this.#auth.expire(token);
        continue;
      }
      const ok = checkStatus(req, res);
      if (!ok.text) return null;
      try {
        return JSON.parse(ok.text);
      } catch {
        return null;
      }
    }
  }
}

export const restType: CrmConnectorType = {
  id: 'rest',
  title: 'REST CRM by template',
  capabilities: { findContactByPhone: true, logCall: true, createContact: false },
  secretOptions: REST_SECRET_OPTIONS,
  schema: restOptionsSchema,
  check(input) {
    const checked = checkOptions(restOptionsSchema, input);
    if (!checked.ok) return checked;
    const o = checked.options as RestOptions;
    const missing = missingForAuth(withPreset(o));
    if (missing) return { ok: false, ...missing };
    try {
      new RestConnector(o, { dispatchers: null as never, allowList: [] });
    } catch (err) {
      if (err instanceof TemplateError) return { ok: false, field: err.field, message: err.message };
      throw err;
    }
    if (!URL.canParse(o.baseUrl)) return { ok: false, field: '/baseUrl', message: 'baseUrl is not a URL' };
    return { ok: true, options: checked.options };
  },
  create: (options, context) => new RestConnector(options as RestOptions, context),
};


