/**
 * Action templates: the sandboxed `${variable}` templates of core/templates with the action
 * variables. Unknown filters and unknown variables fail when the template is saved, naming the
 * field; values inside URL templates are URL-encoded on output (`| raw` opts out).
 */
import { compileSandboxed, renderSandboxed, type SandboxedTemplate } from '../templates/sandboxed-template.ts';
import { isKnownVariable, type ActionVariables } from './variables.ts';

/** `url`: every output is percent-encoded (a number with `+`, a name with `&`); `text`: as is. */
export type TemplateMode = 'url' | 'text';

const MAX_TEMPLATE_CHARS = 4_000;

export type CompiledTemplate = SandboxedTemplate;

export type CompileResult = { ok: true; template: CompiledTemplate } | { ok: false; error: string };

/** Parses and checks a template; the error says what is wrong (for a 400 naming the field). */
export function compileTemplate(source: string, mode: TemplateMode): CompileResult {
  return compileSandboxed(source, mode, { maxChars: MAX_TEMPLATE_CHARS, isKnownVariable });
}

/** Renders a compiled template; throws only for a render limit hit (treated as a broken template). */
export function renderTemplate(template: CompiledTemplate, vars: ActionVariables): string {
  return renderSandboxed(template, vars);
}
