/**
 * Fan-out of `action.open` messages to the agents' streams, per tenant and extension.
 *
 * Automatic client-side actions are decided inside the ingest transaction but must reach an agent
 * only once that transaction has committed.
 * - One instance (no broadcast): the consumer `start`s them against the call object of the change,
 *   LiveHub publishes exactly that object after commit, and the hub releases the opens then. A
 *   rolled-back change's call is never published, and its entry goes with it (WeakMap).
 * - Several instances on one store (the dialect's broadcast): the agent's stream may be held by any
 *   of them, so every open, automatic or by hand, is sent on the broadcast with the transaction, and
 *   each instance (this one too) hands what it receives to its own streams. The store delivers it
 *   after commit, and not at all after a rollback. An open larger than a broadcast message reaches
 *   this instance's streams only.
 */
import type { Kysely } from 'kysely';
import type { ActionOpen } from '../core/actions/action.ts';
import type { Call } from '../core/calls/call.ts';
import type { LiveHub } from '../journal/live-hub.ts';
import type { Broadcast } from '../storage/dialect.ts';

export type OpenListener = (open: ActionOpen) => void;

type Deferred = { extension: string; open: ActionOpen };

/** The broadcast channel of the opens. */
export const OPENS_CHANNEL = 'callbridge_agent_opens';

type OpenMessage = { tenantId: string; extension: string; open: ActionOpen };

export class AgentHub {
  #live: LiveHub;
  #broadcast: { db: Kysely<any>; via: Broadcast } | undefined;
  #listeners = new Map<string, Map<string, Set<OpenListener>>>();
  #liveSubscriptions = new Map<string, () => void>();
  #deferred = new WeakMap<Call, Deferred[]>();
  #stopListening: (() => Promise<void>) | undefined;

  /** `broadcast`: the store's, with its root `db` for opens sent outside a transaction. */
  constructor(live: LiveHub, broadcast?: { db: Kysely<any>; via: Broadcast }) {
    this.#live = live;
    this.#broadcast = broadcast;
  }

  /** With a broadcast: starts handing what other instances (and this one) send to this instance's streams. */
  async listen(): Promise<void> {
    if (!this.#broadcast || this.#stopListening) return;
    this.#stopListening = await this.#broadcast.via.listen(OPENS_CHANNEL, (payload) => this.#receive(payload));
  }

  async stop(): Promise<void> {
    const stop = this.#stopListening;
    this.#stopListening = undefined;
    await stop?.();
  }

  /** True when an open for the tenant may reach an agent (always, when agents may be connected to other instances). */
  listening(tenantId: string): boolean {
    return this.#broadcast !== undefined || this.#listeners.has(tenantId);
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

  /** An automatic open, decided in the transaction `trx` that applies the change to `call`: it reaches the agent after that commit. */
  async start(trx: Kysely<any>, call: Call, extension: string, open: ActionOpen): Promise<void> {
    if (await this.#send(trx, { tenantId: call.tenantId, extension, open })) return;
    const list = this.#deferred.get(call);
    if (list) list.push({ extension, open });
    else this.#deferred.set(call, [{ extension, open }]);
  }

  /** An open started by hand (nothing to wait for): to the agent's streams now, on whichever instance. */
  async publish(tenantId: string, extension: string, open: ActionOpen): Promise<void> {
    if (await this.#send(undefined, { tenantId, extension, open })) return;
    this.#deliver(tenantId, extension, open);
  }

  /** Sends on the broadcast, with `trx` or else on its own; false when there is none or the open does not fit a message. */
  async #send(trx: Kysely<any> | undefined, message: OpenMessage): Promise<boolean> {
    if (!this.#broadcast) return false;
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) > this.#broadcast.via.maxPayloadBytes) return false;
    await this.#broadcast.via.send(trx ?? this.#broadcast.db, OPENS_CHANNEL, payload);
    return true;
  }

  #receive(payload: string): void {
    let message: OpenMessage;
    try {
      message = JSON.parse(payload) as OpenMessage;
    } catch {
      return;
    }
    if (typeof message?.tenantId !== 'string' || typeof message.extension !== 'string' || typeof message.open !== 'object' || message.open === null) return;
    this.#deliver(message.tenantId, message.extension, message.open);
  }

  #deliver(tenantId: string, extension: string, open: ActionOpen): void {
    for (const listener of this.#listeners.get(tenantId)?.get(extension) ?? []) {
      try {
        listener(open);
      } catch {
        // A broken stream must not stop the others; its close handler unsubscribes it.
      }
    }
  }

  #release(tenantId: string, call: Call): void {
    const list = this.#deferred.get(call);
    if (!list) return;
    this.#deferred.delete(call);
    for (const d of list) this.#deliver(tenantId, d.extension, d.open);
  }
}
