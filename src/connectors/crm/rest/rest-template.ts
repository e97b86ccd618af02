/**
 * Templates of REST CRM connections: the sandboxed `${variable}` templates of core/templates with
 * the CRM variables. `text` output is for form and query values, which URLSearchParams encodes
 * afterwards.
 */
import { compileSandboxed, renderSandboxed, type SandboxedTemplate, type TemplateCompileResult, type TemplateEscape } from '../../../core/templates/sandboxed-template.ts';

export type { TemplateEscape };

/** The variables every CRM template may use (docs/connectors/rest-crm.md lists them). */
export const CRM_TEMPLATE_VARIABLES = [
  'number', 'number_e164', 'number_national', 'number_digits', 'number_last',
  'from', 'to', 'agent', 'agent_user', 'direction', 'direction_short', 'answered',
  'duration', 'duration_ms', 'duration_mmss', 'duration_hhmmss',
  'start', 'end', 'start_utc', 'end_utc', 'hangup_cause', 'contact_id', 'call_id', 'subject',
] as const;

export type CrmTemplateVariables = Record<(typeof CRM_TEMPLATE_VARIABLES)[number], string>;

const MAX_TEMPLATE_CHARS = 8_000;

export type CrmTemplate = SandboxedTemplate;

const isCrmVariable = (name: string) => (CRM_TEMPLATE_VARIABLES as readonly string[]).includes(name);

/** Parses a template and checks its variables; the error names what is wrong. */
export function compileCrmTemplate(source: string, escape: TemplateEscape): TemplateCompileResult {
  return compileSandboxed(source, escape, { maxChars: MAX_TEMPLATE_CHARS, isKnownVariable: isCrmVariable });
}

export function renderCrmTemplate(t: CrmTemplate, vars: CrmTemplateVariables): string {
  return renderSandboxed(t, vars);
}
