/**
 * User-written templates (actions, REST CRM requests), rendered with liquidjs: a sandboxed template
 * language (no code, no prototype access) configured for pascom-style `${variable}` output. Tags
 * (`{% if %}`) work; includes and layouts find nothing (an empty in-memory file system) and parse,
 * render and memory are bounded, so a template cannot read files or run long. Unknown filters and
 * unknown variables fail at compile time, so a bad template is refused when it is saved.
 *
 * The escape follows where the output goes: `url` percent-encodes (a number with `+`, a name with
 * `&`; `| raw` opts out), `json` writes a JSON string's content (so `"${name}"` stays valid JSON
 * whatever the name holds), `text` writes as is.
 */
import { Liquid, type Template } from 'liquidjs';

export type TemplateEscape = 'url' | 'json' | 'text';

export type SandboxedTemplate = { escape: TemplateEscape; parsed: Template[] };

export type TemplateCompileResult = { ok: true; template: SandboxedTemplate } | { ok: false; error: string };

const ESCAPES: Record<TemplateEscape, ((value: unknown) => string) | undefined> = {
  url: (value) => encodeURIComponent(String(value ?? '')),
  json: (value) => JSON.stringify(String(value ?? '')).slice(1, -1),
  text: undefined,
};

/** The longest template any caller accepts; each caller may set a lower limit. */
const PARSE_LIMIT = 8_000;

function engine(escape: TemplateEscape): Liquid {
  const outputEscape = ESCAPES[escape];
  return new Liquid({
    outputDelimiterLeft: '${',
    outputDelimiterRight: '}',
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    parseLimit: PARSE_LIMIT,
    renderLimit: 100,
    memoryLimit: 1_000_000,
    ...(outputEscape ? { outputEscape } : {}),
  });
}

const ENGINES: Record<TemplateEscape, Liquid> = { url: engine('url'), json: engine('json'), text: engine('text') };

/**
 * Parses a template and checks that it uses only known variables. The error is one line saying what
 * is wrong, for a 400 that names the field.
 */
export function compileSandboxed(source: string, escape: TemplateEscape, options: { maxChars: number; isKnownVariable: (name: string) => boolean }): TemplateCompileResult {
  if (source.length > Math.min(options.maxChars, PARSE_LIMIT)) return { ok: false, error: `is longer than ${Math.min(options.maxChars, PARSE_LIMIT)} characters` };
  try {
    const parsed = ENGINES[escape].parse(source);
    const unknown = ENGINES[escape].globalVariablesSync(parsed).filter((name) => !options.isKnownVariable(name));
    if (unknown.length) return { ok: false, error: `uses unknown variable ${unknown.map((n) => '${' + n + '}').join(', ')}` };
    return { ok: true, template: { escape, parsed } };
  } catch (err) {
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}

/** Renders a compiled template; throws only when a render limit is hit (a broken template). */
export function renderSandboxed(template: SandboxedTemplate, vars: object): string {
  return ENGINES[template.escape].renderSync(template.parsed, vars) as string;
}
