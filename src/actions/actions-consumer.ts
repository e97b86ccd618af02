/**
 * Starts automatic actions on call changes, inside the ingest transaction: server-side ones become
 * `http` deliveries in the same transaction; client-side ones are handed to the agent hub, which
 * releases them to the agents' streams after commit. Who an action starts for:
 * - an action of a user: that user's extension, when the change is an occurrence for it;
 * - a tenant-wide client-side action: every extension the occurrence is for;
 * - a tenant-wide server-side action: once per occurrence (for its first matching extension).
 */
import type { Transaction } from 'kysely';
import { occurrenceOf, triggerMatches } from '../core/actions/triggers.ts';
import { actionVariables } from '../core/actions/variables.ts';
import type { DeliveryRequest, Outbox } from '../delivery/delivery.ts';
import type { AppliedChange, ChangeConsumer } from '../journal/call-journal.ts';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';
import { actionEndpointId, compileAction, renderOpen, renderRequest, type CompiledAction } from './action-render.ts';
import type { AgentHub } from './agent-hub.ts';

type TenantActions = { until: number; actions: CompiledAction[]; extensionOf: Map<string, string> };

export class ActionsConsumer implements ChangeConsumer {
  #store: Store;
  #outbox: Outbox;
  #agents: AgentHub;
  #ttlMs: number;
  #cache = new Map<string, TenantActions>();

  constructor(store: Store, outbox: Outbox, agents: AgentHub, ttlMs = 5_000) {
    this.#store = store;
    this.#outbox = outbox;
    this.#agents = agents;
    this.#ttlMs = ttlMs;
  }

  async warm(tenantId: string): Promise<void> {
    const cached = this.#cache.get(tenantId);
    if (cached && cached.until > Date.now()) return;
    // Stored actions were checked when saved; one that no longer compiles (stricter rules after an
    // upgrade) starts nothing rather than failing every ingest of the tenant.
    const actions = (await this.#store.actions.listAutomatic(tenantId)).flatMap((a) => safely(() => compileAction(a)) ?? []);
    const users = actions.some((a) => a.action.ownerUserId !== null) ? await this.#store.users.list(tenantId) : [];
    this.#cache.set(tenantId, { until: Date.now() + this.#ttlMs, actions, extensionOf: new Map(users.map((u) => [u.id, u.extension])) });
  }

  /** Drops the cached actions of a tenant (they were just changed through this instance). */
  forget(tenantId: string): void {
    this.#cache.delete(tenantId);
  }

  async consume(trx: Transaction<Database>, change: AppliedChange): Promise<void> {
    const { call } = change;
    const tenant = this.#cache.get(call.tenantId);
    if (!tenant || tenant.actions.length === 0) return;
    const occurrence = occurrenceOf(change.before, call, change.event);
    if (!occurrence) return;
    const deliveries: DeliveryRequest[] = [];
    for (const compiled of tenant.actions) {
      const { action } = compiled;
      let extensions: string[];
      if (action.ownerUserId !== null) {
        const own = tenant.extensionOf.get(action.ownerUserId);
        extensions = own !== undefined && occurrence.extensions.includes(own) ? [own] : [];
      } else extensions = occurrence.extensions;
      const matching = extensions.filter((ext) => triggerMatches(action.trigger, call, occurrence.result, ext));
      if (matching.length === 0) continue;
      if (action.execution === 'server') {
        const payload = safely(() => renderRequest(compiled, actionVariables(call, matching[0])));
        if (payload) {
          deliveries.push({ tenantId: call.tenantId, endpointId: actionEndpointId(action.id), handler: 'http', orderKey: call.id, callId: call.id, eventType: `action.${occurrence.result}`, payload });
        }
        continue;
      }
      if (!this.#agents.listening(call.tenantId)) continue;
      for (const ext of matching) {
        const open = safely(() => renderOpen(compiled, actionVariables(call, ext), call.id));
        if (open) await this.#agents.start(trx, call, ext, open);
      }
    }
    if (deliveries.length) await this.#outbox.enqueue(trx, deliveries);
  }
}

/** A template that hits a render limit starts nothing; it must not roll back the call's ingest. */
function safely<T>(render: () => T | null): T | null {
  try {
    return render();
  } catch {
    return null;
  }
}
