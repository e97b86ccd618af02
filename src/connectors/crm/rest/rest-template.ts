/**
 * Templates of REST CRM connections, rendered with liquidjs in a sandbox (no file system, no
 * prototype access, bounded parse and render), `${variable}` for output as in action templates.
 * The escape follows where the output goes: `url` percent-encodes, `json` writes a JSON string's
 * content (so `"${name}"` stays valid JSON whatever the name holds), `text` writes as is (form and
 * query values, encoded afterwards by URLSearchParams).
 */
import { Liquid, type Template } from 'liquidjs';

export type TemplateEscape = 'url' | 'json' | 'text';

/** The variables every CRM template may use (docs/connectors/rest-crm.md lists them). */
export const CRM_TEMPLATE_VARIABLES = [
  'number', 'number_e164', 'number_national', 'number_digits', 'number_last',
  'from', 'to', 'agent', 'agent_user', 'direction', 'direction_short', 'answered',
  'duration', 'duration_ms', 'duration_mmss', 'duration_hhmmss',
  'start', 'end', 'start_utc', 'end_utc', 'hangup_cause', 'contact_id', 'call_id', 'subject',
] as const;

export type CrmTemplateVariables = Record<(typeof CRM_TEMPLATE_VARIABLES)[number], string>;

const MAX_TEMPLATE_CHARS = 8_000;

function engine(escape: TemplateEscape): Liquid {
  const outputEscape =
    escape === 'url' ? (v: unknown) => encodeURIComponent(String(v ?? '')) : escape === 'json' ? (v: unknown) => JSON.stringify(String(v ?? '')).slice(1, -1) : undefined;
  return new Liquid({
    outputDelimiterLeft: '${',
    outputDelimiterRight: '}',
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: 100,
    memoryLimit: 1_000_000,
    ...(outputEscape ? { outputEscape } : {}),
  });
}

const ENGINES: Record<TemplateEscape, Liquid> = { url: engine('url'), json: engine('json'), text: engine('text') };

export type CrmTemplate = { escape: TemplateEscape; parsed: Template[] };

/** Parses a template and checks its variables; the error names what is wrong. */
export function compileCrmTemplate(source: string, escape: TemplateEscape): { ok: true; template: CrmTemplate } | { ok: false; error: string } {
  if (source.length > MAX_TEMPLATE_CHARS) return { ok: false, error: `is longer than ${MAX_TEMPLATE_CHARS} characters` };
  try {
    const parsed = ENGINES[escape].parse(source);
    const unknown = ENGINES[escape].globalVariablesSync(parsed).filter((n) => !(CRM_TEMPLATE_VARIABLES as readonly string[]).includes(n));
    if (unknown.length) return { ok: false, error: `uses unknown variable ${unknown.map((n) => '${' + n + '}').join(', ')}` };
    return { ok: true, template: { escape, parsed } };
  } catch (err) {
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}

export function renderCrmTemplate(t: CrmTemplate, vars: CrmTemplateVariables): string {
  return ENGINES[t.escape].renderSync(t.parsed, vars) as string;
}
