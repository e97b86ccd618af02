/**
 * An action with its templates compiled, and what it renders to for one call: an `action.open` for
 * the agent's companion, or an HTTP request for the delivery engine. Compiling checks every template
 * (a 400 naming the field when an admin saves a broken one); rendering cannot then fail on syntax.
 */
import type { Action, ActionOpen } from '../core/actions/action.ts';
import { compileTemplate, renderTemplate, type CompiledTemplate, type TemplateMode } from '../core/actions/template.ts';
import type { ActionVariables } from '../core/actions/variables.ts';
import { invalid } from '../core/errors.ts';
import type { HttpDeliveryPayload } from '../delivery/delivery.ts';

export const FORM_TYPE = 'application/x-www-form-urlencoded';

export type CompiledAction = {
  action: Action;
  url: CompiledTemplate | null;
  args: CompiledTemplate[];
  body: CompiledTemplate | null;
};

/** Compiles every template of `action`; throws CB_VALIDATION naming the field of the first bad one. */
export function compileAction(action: Action): CompiledAction {
  const compile = (source: string, mode: TemplateMode, field: string) => {
    const r = compileTemplate(source, mode);
    if (!r.ok) throw invalid(field, `template ${r.error}`);
    return r.template;
  };
  const t = action.target;
  const body = action.request?.body ?? null;
  return {
    action,
    url: t.type === 'url' ? compile(t.url, 'url', '/target/url') : null,
    args: t.type === 'application' ? t.args.map((a, i) => compile(a, 'text', `/target/args/${i}`)) : [],
    // A form body encodes values like a URL does; any other body takes them as they are.
    body: body === null ? null : compile(body, action.request?.contentType === FORM_TYPE ? 'url' : 'text', '/request/body'),
  };
}

/** The URL a URL action renders to, or null when it is not an absolute http(s) URL. */
export function renderUrl(compiled: CompiledAction, vars: ActionVariables): string | null {
  if (!compiled.url) return null;
  const text = renderTemplate(compiled.url, vars).trim();
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? text : null;
  } catch {
    return null;
  }
}

/** What the agent's companion opens (client-side actions), or null when the URL renders invalid. */
export function renderOpen(compiled: CompiledAction, vars: ActionVariables, callId: string | null): ActionOpen | null {
  const t = compiled.action.target;
  if (t.type === 'application') {
    return { actionId: compiled.action.id, kind: 'application', command: t.command, args: compiled.args.map((a) => renderTemplate(a, vars)), callId };
  }
  const url = renderUrl(compiled, vars);
  return url === null ? null : { actionId: compiled.action.id, kind: 'url', url, callId };
}

/** The request a server-side action sends, or null when its URL renders invalid. */
export function renderRequest(compiled: CompiledAction, vars: ActionVariables): HttpDeliveryPayload | null {
  const url = renderUrl(compiled, vars);
  const request = compiled.action.request;
  if (url === null || request === null) return null;
  const body = request.method === 'POST' && compiled.body ? renderTemplate(compiled.body, vars) : null;
  return { method: request.method, url, headers: body === null ? {} : { 'content-type': request.contentType }, body, sign: false };
}

/** The delivery endpoint of a server-side action: retries, order and auto-disable are per action. */
export function actionEndpointId(actionId: string): string {
  return `action:${actionId}`;
}
