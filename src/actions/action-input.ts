/**
 * What a client sends to create or change an action, checked and turned into an `Action`. The route's
 * JSON schema has checked types and enums already; this checks what a schema cannot say (which
 * combinations make sense, templates that parse and render to a URL) and names the field.
 */
import type { Action, ActionExecution, ActionTarget, ActionTrigger, ServerMethod } from '../core/actions/action.ts';
import { actionVariables, sampleCall } from '../core/actions/variables.ts';
import { invalid } from '../core/errors.ts';
import { compileAction, FORM_TYPE, renderUrl } from './action-render.ts';

export type ActionInput = {
  name: string;
  /** The user the action belongs to; null or absent: tenant-wide (admins only). */
  ownerUserId?: string | null;
  enabled?: boolean;
  execution?: ActionExecution;
  target: ActionTarget;
  request?: { method: ServerMethod; body?: string | null; contentType?: string } | null;
  trigger?: ActionTrigger;
};

/** Builds the stored action from input (merged onto the existing one for a change) and checks it. */
export function buildAction(input: ActionInput, base: { id: string; tenantId: string; createdAt: string; updatedAt: string }): Action {
  const target = checkTarget(input.target);
  input = { ...input, target };
  const execution = input.execution ?? 'client';
  if (input.target.type === 'application' && execution !== 'client') {
    throw invalid('/execution', 'applications run on the agent\'s computer: execution must be "client"');
  }
  if (input.target.type === 'application' && input.target.command.trim() === '') throw invalid('/target/command', 'must name the program to start');
  let request: Action['request'] = null;
  if (execution === 'server') {
    const r = input.request ?? { method: 'GET' as const };
    const body = r.body ?? null;
    if (body !== null && r.method !== 'POST') throw invalid('/request/body', 'only POST requests carry a body');
    request = { method: r.method, body, contentType: r.contentType ?? FORM_TYPE };
  } else if (input.request) {
    throw invalid('/request', 'only server-side actions (execution "server") send a request');
  }
  const trigger: ActionTrigger = input.trigger ?? { mode: 'manual' };
  if (trigger.mode === 'automatic') {
    if (!trigger.direction) throw invalid('/trigger/direction', 'name inbound, outbound or both');
    if (!trigger.results) throw invalid('/trigger/results', 'name at least one of ringing, answered, hangup');
    if (!trigger.callTypes) throw invalid('/trigger/callTypes', 'name at least one of direct, queue, internal');
    if (trigger.results.length === 0) throw invalid('/trigger/results', 'name at least one of ringing, answered, hangup');
    if (trigger.callTypes.length === 0) throw invalid('/trigger/callTypes', 'name at least one of direct, queue, internal');
  }
  const action: Action = {
    id: base.id,
    tenantId: base.tenantId,
    name: input.name.trim(),
    ownerUserId: input.ownerUserId ?? null,
    enabled: input.enabled ?? true,
    execution,
    target: input.target,
    request,
    trigger: trigger.mode === 'manual' ? { mode: 'manual' } : { mode: 'automatic', direction: trigger.direction, results: [...new Set(trigger.results)], callTypes: [...new Set(trigger.callTypes)] },
    createdAt: base.createdAt,
    updatedAt: base.updatedAt,
  };
  if (action.name === '') throw invalid('/name', 'must not be empty');
  const compiled = compileAction(action);
  // A template that parses may still render to no URL at all ("${number}" alone): refuse it now, not at the first call.
  if (compiled.url && renderUrl(compiled, actionVariables(sampleCall(base.tenantId), '201')) === null) {
    throw invalid('/target/url', 'must render to an absolute http:// or https:// URL');
  }
  return action;
}

/** The input that reproduces a stored action (the base a PATCH is merged onto). */
export function inputOf(action: Action): ActionInput {
  return {
    name: action.name,
    ownerUserId: action.ownerUserId,
    enabled: action.enabled,
    execution: action.execution,
    target: action.target,
    request: action.request,
    trigger: action.trigger,
  };
}

/** The target with only the fields of its type (the API schema takes one flat object for both). */
function checkTarget(target: ActionTarget): ActionTarget {
  const t = target as { type: string; url?: string; command?: string; args?: string[] };
  if (t.type === 'url') {
    if (typeof t.url !== 'string') throw invalid('/target/url', 'a URL action needs the URL template');
    return { type: 'url', url: t.url };
  }
  if (typeof t.command !== 'string') throw invalid('/target/command', 'an application action needs the program to start');
  return { type: 'application', command: t.command, args: t.args ?? [] };
}
