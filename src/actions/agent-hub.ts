/**
 * Fan-out of `action.open` messages to the agents' streams, per tenant and extension.
 *
 * Automatic client-side actions are decided inside the ingest transaction but must reach an agent
 * only once that transaction has committed. The consumer therefore `defer`s them against the call
 * object of the change; LiveHub publishes exactly that object after commit, and the hub releases the
 * opens then. A rolled-back change's call is never published, and its entry goes with it (WeakMap).
 */
import type { ActionOpen } from '../core/actions/action.ts';
import type { Call } from '../core/calls/call.ts';
import type { LiveHub } from '../journal/live-hub.ts';

export type OpenListener = (open: ActionOpen) => void;

type Deferred = { extension: string; open: ActionOpen };

export class AgentHub {
  #live: LiveHub;
  #listeners = new Map<string, Map<string, Set<OpenListener>>>();
  #liveSubscriptions = new Map<string, () => void>();
  #deferred = new WeakMap<Call, Deferred[]>();

  constructor(live: LiveHub) {
    this.#live = live;
  }

  /** True when an agent of the tenant is connected (no one to tell otherwise). */
  listening(tenantId: string): boolean {
    return this.#listeners.has(tenantId);
  }

  subscribe(tenantId: string, extension: string, listener: OpenListener): () => void {
    let byExt = this.#listeners.get(tenantId);
    if (!byExt) {
      this.#listeners.set(tenantId, (byExt = new Map()));
      this.#liveSubscriptions.set(tenantId, this.#live.subscribe(tenantId, (change) => this.#release(tenantId, change.call)));
    }
    let set = byExt.get(extension);
    if (!set) byExt.set(extension, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) byExt.delete(extension);
      if (byExt.size === 0 && this.#listeners.get(tenantId) === byExt) {
        this.#listeners.delete(tenantId);
        this.#liveSubscriptions.get(tenantId)?.();
        this.#liveSubscriptions.delete(tenantId);
      }
    };
  }

  /** Sends now (a manual start, nothing to wait for). */
  publish(tenantId: string, extension: string, open: ActionOpen): void {
    for (const listener of this.#listeners.get(tenantId)?.get(extension) ?? []) {
      try {
        listener(open);
      } catch {
        // A broken stream must not stop the others; its close handler unsubscribes it.
      }
    }
  }

  /** Holds opens until the change carrying `call` is published (after its transaction commits). */
  defer(call: Call, extension: string, open: ActionOpen): void {
    const list = this.#deferred.get(call);
    if (list) list.push({ extension, open });
    else this.#deferred.set(call, [{ extension, open }]);
  }

  #release(tenantId: string, call: Call): void {
    const list = this.#deferred.get(call);
    if (!list) return;
    this.#deferred.delete(call);
    for (const d of list) this.publish(tenantId, d.extension, d.open);
  }
}
