/**
 * Manual start of an action from a live call or the journal (`POST /api/v1/calls/{id}/actions/{actionId}`)
 * and the preview of templates. A server-side action is enqueued in a transaction of its own; a
 * client-side one is published to the agent's stream at once (on whichever instance holds it).
 */
import type { Action, ActionOpen } from '../core/actions/action.ts';
import type { Call } from '../core/calls/call.ts';
import { actionVariables, sampleCall } from '../core/actions/variables.ts';
import { renderTemplate } from '../core/actions/template.ts';
import { invalid } from '../core/errors.ts';
import type { HttpDeliveryPayload, Outbox } from '../delivery/delivery.ts';
import type { Store } from '../storage/store.ts';
import { buildAction, type ActionInput } from './action-input.ts';
import { actionEndpointId, compileAction, renderOpen, renderRequest } from './action-render.ts';
import type { AgentHub } from './agent-hub.ts';

export type StartOutcome =
  | { execution: 'server'; request: HttpDeliveryPayload }
  | { execution: 'client'; extension: string; open: ActionOpen };

export class ActionStarter {
  #store: Store;
  #outbox: Outbox;
  #agents: AgentHub;

  constructor(store: Store, agents: AgentHub, outbox: Outbox) {
    this.#store = store;
    this.#agents = agents;
    this.#outbox = outbox;
  }

  /** Starts `action` for `call` as `extension` sees it (the agent's, or the call's holder for admins). */
  async start(action: Action, call: Call, extension: string | null): Promise<StartOutcome> {
    if (!action.enabled) throw invalid('/actionId', 'The action is disabled');
    const ext = extension ?? call.extension ?? call.answeredBy ?? call.extensionsRang[0] ?? null;
    const compiled = compileAction(action);
    const vars = actionVariables(call, ext);
    if (action.execution === 'server') {
      const request = renderRequest(compiled, vars);
      if (!request) throw invalid('/actionId', 'The action\'s URL renders to no http(s) URL for this call');
      const outbox = this.#outbox;
      await this.#store.dialect.db.transaction().execute((trx) =>
        outbox.enqueue(trx, [{ tenantId: call.tenantId, endpointId: actionEndpointId(action.id), handler: 'http', orderKey: call.id, callId: call.id, eventType: 'action.manual', payload: request }]),
      );
      return { execution: 'server', request };
    }
    if (ext === null) throw invalid('/extension', 'No extension to open the action at: use an agent key with an extension');
    const open = renderOpen(compiled, vars, call.id);
    if (!open) throw invalid('/actionId', 'The action\'s URL renders to no http(s) URL for this call');
    await this.#agents.publish(call.tenantId, ext, open);
    return { execution: 'client', extension: ext, open };
  }
}

/** Renders an action input (checked like a create) against a call or the sample call. */
export function previewAction(tenantId: string, input: ActionInput, call: Call | null, extension: string | null) {
  const now = new Date().toISOString();
  const action = buildAction(input, { id: 'preview', tenantId, createdAt: now, updatedAt: now });
  const c = call ?? sampleCall(tenantId);
  const compiled = compileAction(action);
  const vars = actionVariables(c, extension ?? c.extension);
  const t = action.target;
  return {
    callId: call?.id ?? null,
    variables: vars,
    ...(t.type === 'url' ? { url: renderTemplate(compiled.url!, vars) } : { command: t.command, args: compiled.args.map((a) => renderTemplate(a, vars)) }),
    ...(compiled.body ? { body: renderTemplate(compiled.body, vars) } : {}),
  };
}
