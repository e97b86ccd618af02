/**
 * Actions: something that happens elsewhere when a call rings, is answered or ends (or when an agent
 * starts it by hand) — a URL opened in the agent's browser or called by the server, or an application
 * launched on the agent's computer, with the call's data filled into templates. Plain data; the rules
 * live beside this file (triggers.ts, variables.ts, favourite.ts, template.ts).
 */
import type { CallKind } from '../calls/call.ts';

export const TRIGGER_DIRECTIONS = ['inbound', 'outbound', 'both'] as const;
export type TriggerDirection = (typeof TRIGGER_DIRECTIONS)[number];

/** The moments an action can start at: the phone rings, the call is answered, the call has ended. */
export const TRIGGER_RESULTS = ['ringing', 'answered', 'hangup'] as const;
export type TriggerResult = (typeof TRIGGER_RESULTS)[number];

/**
 * When an action starts by itself. `manual`: only from a live call or the journal. `automatic`: for
 * every change of a call that matches direction × result × call type (`direct` = an external call to
 * my extension, `queue` = an external call through a team/queue, `internal`).
 */
export type ActionTrigger =
  | { mode: 'manual' }
  | { mode: 'automatic'; direction: TriggerDirection; results: TriggerResult[]; callTypes: CallKind[] };

/**
 * What an action does. A URL target is opened in the agent's browser (client) or requested by the
 * server; an application target is always launched on the agent's computer by the desktop companion.
 * `url` and every entry of `args` are templates; `command` is not (the admin chose the program).
 */
export type ActionTarget = { type: 'url'; url: string } | { type: 'application'; command: string; args: string[] };

/** Where it runs: `client` = the agent's screen pop and desktop companion; `server` = the delivery engine. */
export const ACTION_EXECUTIONS = ['client', 'server'] as const;
export type ActionExecution = (typeof ACTION_EXECUTIONS)[number];

export const SERVER_METHODS = ['GET', 'POST'] as const;
export type ServerMethod = (typeof SERVER_METHODS)[number];

/** Server-side request settings; `body` is a template (POST only), sent with `contentType`. */
export type ServerRequest = { method: ServerMethod; body: string | null; contentType: string };

export type Action = {
  id: string;
  tenantId: string;
  name: string;
  /** The user whose action it is; null: tenant-wide (every user has it). */
  ownerUserId: string | null;
  enabled: boolean;
  execution: ActionExecution;
  target: ActionTarget;
  /** Set exactly for server-side actions. */
  request: ServerRequest | null;
  trigger: ActionTrigger;
  createdAt: string;
  updatedAt: string;
};

/** What an agent's companion is told to open; the `action.open` message of the agent stream. */
export type ActionOpen =
  | { actionId: string; kind: 'url'; url: string; callId: string | null }
  | { actionId: string; kind: 'application'; command: string; args: string[]; callId: string | null };
