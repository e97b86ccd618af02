/**
 * The call journal: turns normalized events into durable call records. Every ingest path (own JSON,
 * CTI webhooks, Asterisk) ends here.
 *
 * A batch is atomic: when `ingest` resolves, every event of it is committed (with its call change) or
 * was already stored; when it rejects, nothing of the batch is. Per event:
 * resolve the conversation (linked id → leg index), lock or create the call row, skip known event
 * keys, apply (or refold when the event is older than the call's last one), write call, legs,
 * extensions and the event, then publish the changes after commit.
 */
import type { Transaction } from 'kysely';
import type { Call, CallerIdentity } from '../core/calls/call.ts';
import type { CallEvent } from '../core/calls/call-event.ts';
import { applyEvent, extensionsOf, foldEvents, needsRefold, startCall, type ApplyStatus, type NumberReader } from '../core/calls/lifecycle.ts';
import { uuidv7 } from '../core/ids.ts';
import { numberReader, type NumberingSettings } from '../core/phone-numbers/phone-number.ts';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';
import type { CallChange, LiveHub } from './live-hub.ts';

export type IngestResult =
  | { status: 'accepted'; callId: string; applied: ApplyStatus; seq: number }
  | { status: 'duplicate' };

export type NumberingLookup = (tenantId: string) => Promise<NumberingSettings>;

/**
 * Who the other party of a new call is (the phonebook). `identify` runs inside the ingest
 * transaction and must not do I/O (SQLite has one connection); `warm` runs before it, outside, and
 * loads what `identify` needs.
 */
export type CallerLookup = {
  warm(tenantId: string): Promise<void>;
  /**
   * Optional, before the transaction: may start slow lookups (a live CRM) for the batch's callers and
   * wait for them within its own budget, so `identify` finds the answer cached.
   */
  prepare?(tenantId: string, events: readonly CallEvent[], read: NumberReader): Promise<void>;
  identify(tenantId: string, call: Call): CallerIdentity | null;
};

/**
 * Reacts to call changes inside the ingest transaction — the delivery outbox (webhooks, actions,
 * employee integration, CRM journaling) is written here, so a change and the deliveries it causes
 * commit together or not at all.
 * - `warm` runs before the transaction, outside it: load (and cache) what `consume` needs.
 * - `consume` runs once per applied change, after the call is written, in commit order per call.
 *   It may write through `trx` and must do no other I/O (SQLite has one connection). A throw rolls
 *   back the whole group (and is retried batch by batch), so only throw for broken infrastructure.
 */
export type ChangeConsumer = {
  warm(tenantId: string): Promise<void>;
  consume(trx: Transaction<Database>, change: AppliedChange): Promise<void>;
};

/** An applied change as consumers see it: the call before (undefined for a new call) and after. */
export type AppliedChange = CallChange & { before: Call | undefined; event: CallEvent };

/** Most events one group transaction takes; a larger single batch still goes alone. */
const MAX_GROUP_EVENTS = 2_000;

type Pending = {
  tenantId: string;
  events: readonly CallEvent[];
  source: string;
  read: NumberReader;
  resolve: (results: IngestResult[]) => void;
  reject: (err: unknown) => void;
};

/** Thrown inside a transaction when a concurrent writer stored the same event key first. */
class ConcurrentDuplicate extends Error {}

export class CallJournal {
  #store: Store;
  #hub: LiveHub;
  #numbering: NumberingLookup;
  #now: () => Date;
  readonly counters = { applied: 0, unchanged: 0, late: 0, duplicate: 0, commits: 0 };
  #queue: Pending[] = [];
  #draining = false;
  #scheduled = false;
  /** One memoizing number reader per settings object (the settings cache hands out the same one while fresh). */
  #readers = new WeakMap<NumberingSettings, NumberReader>();
  /** Let the event loop read more requests before the next group (see ingest). */
  #yieldBetweenGroups = false;

  #identify: CallerLookup | undefined;
  #consumers: ChangeConsumer[];

  constructor(
    store: Store,
    hub: LiveHub,
    numbering: NumberingLookup,
    options: { now?: () => Date; identify?: CallerLookup; consumers?: ChangeConsumer[] } = {},
  ) {
    this.#store = store;
    this.#hub = hub;
    this.#numbering = numbering;
    this.#now = options.now ?? (() => new Date());
    this.#identify = options.identify;
    this.#consumers = options.consumers ?? [];
  }

  /** Adds a consumer of applied changes (the composition root wires the delivery producers). */
  addConsumer(consumer: ChangeConsumer): void {
    this.#consumers.push(consumer);
  }

  /**
   * Commits the events and resolves once they are durable. Concurrent calls are grouped into one
   * transaction (group commit: one commit for many requests); when a group fails, each batch of it is
   * retried alone, so one bad batch never fails another.
   */
  async ingest(tenantId: string, events: readonly CallEvent[], source: string): Promise<IngestResult[]> {
    if (events.length === 0) return [];
    const numbering = await this.#numbering(tenantId);
    await this.#identify?.warm(tenantId);
    for (const consumer of this.#consumers) await consumer.warm(tenantId);
    let read = this.#readers.get(numbering);
    if (!read) this.#readers.set(numbering, (read = numberReader(numbering)));
    await this.#identify?.prepare?.(tenantId, events, read);
    return new Promise((resolve, reject) => {
      this.#queue.push({ tenantId, events, source, read, resolve, reject });
      // Start on the next turn of the event loop, not now: SQLite calls are synchronous, so a
      // transaction started here would run before the other requests already read from their sockets
      // are even parsed, and every group would hold one request.
      if (!this.#scheduled && !this.#draining) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          void this.#drain();
        });
      }
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        if (this.#yieldBetweenGroups) await new Promise((r) => setImmediate(r));
        this.#yieldBetweenGroups = true;
        let size = 0;
        let take = 0;
        while (take < this.#queue.length && (take === 0 || size + this.#queue[take].events.length <= MAX_GROUP_EVENTS)) {
          size += this.#queue[take].events.length;
          take++;
        }
        const group = this.#queue.splice(0, take);
        try {
          await this.#commit(group);
        } catch {
          for (const item of group) {
            try {
              await this.#commit([item]);
            } catch (err) {
              item.reject(err);
            }
          }
        }
      }
    } finally {
      this.#draining = false;
      this.#yieldBetweenGroups = false;
    }
  }

  /** One transaction for a group; retried when a concurrent writer stored the same event first. */
  async #commit(group: Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const outcomes = await this.#store.dialect.db.transaction().execute(async (trx) => {
          const all = [];
          for (const item of group) all.push(await this.#ingestIn(trx, item.tenantId, item.events, item.source, item.read));
          return all;
        });
        this.counters.commits++;
        for (const [i, outcome] of outcomes.entries()) {
          for (const r of outcome.results) {
            if (r.status === 'duplicate') this.counters.duplicate++;
            else this.counters[r.applied]++;
          }
          for (const change of outcome.changes) this.#hub.publish(group[i].tenantId, change);
          group[i].resolve(outcome.results);
        }
        return;
      } catch (err) {
        const retryable = err instanceof ConcurrentDuplicate || this.#store.dialect.isTransientConflict(err);
        if (!retryable || attempt >= 4) throw err;
        // Instances that deadlocked would likely collide again if they retried in step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  async #ingestIn(trx: Transaction<Database>, tenantId: string, events: readonly CallEvent[], source: string, read: NumberReader) {
    const results: IngestResult[] = [];
    const changes: CallChange[] = [];
    const receivedAt = this.#now().toISOString();
    const calls = this.#store.calls;
    for (const event of events) {
      let { root, call: before } = await this.#locate(trx, tenantId, event);
      // Checked for a call not stored yet too: a key is unique per tenant, not per call.
      if (await calls.hasEvent(trx, tenantId, event.key)) {
        results.push({ status: 'duplicate' });
        continue;
      }
      let after: Call;
      let status: ApplyStatus;
      if (!before) {
        after = startCall({ id: uuidv7(), tenantId, pbxCallId: root }, event, read);
        // Enriched once, at the first event (ringing): the screens and deliveries see the name at once.
        if (this.#identify) after.caller = this.#identify.identify(tenantId, after);
        after.version = 1;
        after.updatedAt = receivedAt;
        status = 'applied';
        if (!(await calls.insert(trx, after))) {
          // Another instance created it between our read and insert: take its row and go on.
          before = await calls.lockByPbxId(trx, tenantId, root);
          if (!before) throw new ConcurrentDuplicate();
          if (await calls.hasEvent(trx, tenantId, event.key)) {
            results.push({ status: 'duplicate' });
            continue;
          }
        }
      }
      if (before) {
        ({ call: after, status } = await this.#advance(trx, before, event, read));
        if (status === 'applied') {
          after.updatedAt = receivedAt;
          await calls.update(trx, after);
        }
      }
      const call = after!;
      if (event.callId !== call.pbxCallId && !before?.legs.some((l) => l.id === event.callId)) {
        await calls.indexLeg(trx, tenantId, event.callId, call.id);
      }
      const known = before ? extensionsOf(before) : new Set<string>();
      const added = [...extensionsOf(call)].filter((e) => !known.has(e));
      if (added.length) await calls.indexExtensions(trx, call, added);
      const seq = await calls.insertEvent(trx, { tenantId, callId: call.id, event, receivedAt, source, status: status! });
      if (seq === undefined) throw new ConcurrentDuplicate();
      results.push({ status: 'accepted', callId: call.id, applied: status!, seq });
      if (status! === 'applied') {
        const change = { seq, type: `call.${event.type}`, call };
        changes.push(change);
        for (const consumer of this.#consumers) await consumer.consume(trx, { ...change, before, event });
      }
    }
    return { results, changes };
  }

  /**
   * Names the caller of a stored call that has no caller yet — a lookup that answered after the
   * call's first event (a live CRM) — and publishes the call as `call.enriched`, with the sequence
   * number of the call's latest event. False when the call is not stored (yet); true when it is
   * enriched now or already had a caller (a first answer wins).
   */
  async enrich(tenantId: string, callId: string, caller: CallerIdentity): Promise<boolean> {
    const stored = await this.#store.calls.get(tenantId, callId);
    if (!stored) return false;
    const change = await this.#store.dialect.db.transaction().execute(async (trx) => {
      const call = await this.#store.calls.lockByPbxId(trx, tenantId, stored.pbxCallId);
      if (!call || call.id !== callId || call.caller) return null;
      const enriched: Call = { ...call, caller, version: call.version + 1, updatedAt: this.#now().toISOString() };
      await this.#store.calls.update(trx, enriched);
      const events = await this.#store.calls.eventsOf(trx, tenantId, callId);
      return { seq: events.at(-1)?.seq ?? 0, type: 'call.enriched', call: enriched };
    });
    if (change) this.#hub.publish(tenantId, change);
    return true;
  }

  /**
   * Finds the call an event belongs to, locked: by the conversation id directly (the common case),
   * else through the leg index (an event that names only a leg of a known call).
   */
  async #locate(trx: Transaction<Database>, tenantId: string, event: CallEvent): Promise<{ root: string; call: Call | undefined }> {
    const calls = this.#store.calls;
    const anchor = event.linkedCallId ?? event.callId;
    const direct = await calls.lockByPbxId(trx, tenantId, anchor);
    if (direct) return { root: anchor, call: direct };
    const root = await calls.rootOfLeg(trx, tenantId, anchor);
    if (!root) return { root: anchor, call: undefined };
    return { root, call: await calls.lockByPbxId(trx, tenantId, root) };
  }

  async #advance(trx: Transaction<Database>, before: Call, event: CallEvent, read: NumberReader) {
    if (!needsRefold(before, event)) return applyEvent(before, event);
    const stored = await this.#store.calls.eventsOf(trx, before.tenantId, before.id);
    const identity = { id: before.id, tenantId: before.tenantId, pbxCallId: before.pbxCallId };
    const folded = foldEvents(identity, [...stored.map((s) => s.event), event], read);
    folded.caller = before.caller;
    // An ended call never reopens, even when a refold would say so.
    if (before.state === 'ended' && folded.state !== 'ended') return { call: before, status: 'late' as const };
    const { version, updatedAt, lastEventAt, ...a } = before;
    const { version: _v, updatedAt: _u, lastEventAt: _l, ...b } = folded;
    if (JSON.stringify(a) === JSON.stringify(b)) return { call: before, status: 'unchanged' as const };
    return { call: { ...folded, version: version + 1, updatedAt, lastEventAt: lastEventAt > folded.lastEventAt ? lastEventAt : folded.lastEventAt }, status: 'applied' as const };
  }
}
