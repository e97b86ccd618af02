/**
 * Action templates, rendered with liquidjs (a sandboxed template language: no code, no prototype
 * access) configured for pascom-style `${variable}` output. Tags (`{% if %}`) work; includes and
 * layouts find nothing (an empty in-memory file system) and every limit is bounded, so a template
 * cannot read files or run long. Unknown filters and unknown variables fail when the template is
 * saved, naming the field; values inside URL templates are URL-encoded on output (`| raw` opts out).
 */
import { Liquid, type Template } from 'liquidjs';
import { isKnownVariable, type ActionVariables } from './variables.ts';

/** `url`: every output is percent-encoded (a number with `+`, a name with `&`); `text`: as is. */
export type TemplateMode = 'url' | 'text';

const MAX_TEMPLATE_CHARS = 4_000;

function engine(mode: TemplateMode): Liquid {
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
    ...(mode === 'url' ? { outputEscape: (value: unknown) => encodeURIComponent(String(value ?? '')) } : {}),
  });
}

const ENGINES: Record<TemplateMode, Liquid> = { url: engine('url'), text: engine('text') };

export type CompiledTemplate = { mode: TemplateMode; parsed: Template[] };

export type CompileResult = { ok: true; template: CompiledTemplate } | { ok: false; error: string };

/** Parses and checks a template; the error says what is wrong (for a 400 naming the field). */
export function compileTemplate(source: string, mode: TemplateMode): CompileResult {
  if (source.length > MAX_TEMPLATE_CHARS) return { ok: false, error: `is longer than ${MAX_TEMPLATE_CHARS} characters` };
  const liquid = ENGINES[mode];
  let parsed: Template[];
  try {
    parsed = liquid.parse(source);
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
  let names: string[];
  try {
    names = liquid.globalVariablesSync(parsed);
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
  const unknown = names.filter((n) => !isKnownVariable(n));
  if (unknown.length) return { ok: false, error: `uses unknown variable ${unknown.map((n) => '${' + n + '}').join(', ')}` };
  return { ok: true, template: { mode, parsed } };
}

/** Renders a compiled template; throws only for a render limit hit (treated as a broken template). */
export function renderTemplate(template: CompiledTemplate, vars: ActionVariables): string {
  return ENGINES[template.mode].renderSync(template.parsed, vars) as string;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
