/**
 * Call changes committed by other instances on a shared store (PostgreSQL), published to this
 * instance's LiveHub so that its SSE streams see every call, whichever instance ingested it.
 * Where the store has a broadcast, an instance that committed changes says so on it and the others
 * read at once; the poll every `pollMs` remains for what such a message misses.
 *
 * LiveHub is in-process: the journal publishes its own commits. This polls `call_events` past the
 * highest sequence seen and publishes the applied ones this instance did not publish itself (the
 * current state of the call, as a resumed stream gets it). PostgreSQL hands out sequence numbers at
 * insert, not at commit, so a lower one can become visible after a higher one: numbers skipped over
 * are asked for again for GAP_MS (a rolled-back transaction leaves a gap that never fills).
 *
 * Enrichments (`call.enriched`, a caller named after the call's first event) are not stored as
 * events: where the store has a broadcast, the instance that made one sends the call's id on it, and
 * the others publish the call as it is stored then.
 */
import { randomUUID } from 'node:crypto';
import type { LiveHub, CallChange } from '../journal/live-hub.ts';
import type { Store } from '../storage/store.ts';

/** The broadcast channel of this instance's news: changes committed (read them now), and enrichments. */
const CALLS_CHANNEL = 'callbridge_calls';
type CallsMessage = { from: string; kind: 'changed' } | { from: string; kind: 'enriched'; tenantId: string; callId: string; seq: number };

const BATCH = 1_000;
const GAP_MS = 10_000;
/** A jump this large is not a set of transactions in flight; the numbers in it are not chased. */
const MAX_GAP_SPAN = 5_000;
const MAX_GAPS = 5_000;
const MAX_OWN = 200_000;

export class RemoteCallChanges {
  readonly #store: Store;
  readonly #pollMs: number;
  readonly #publish: (tenantId: string, change: CallChange) => void;
  /** Sequence numbers this instance published itself, until the poll has passed them. */
  readonly #own = new Set<number>();
  readonly #gaps = new Map<number, number>();
  #cursor = -1;
  /** This instance, in its messages (it hears its own, and has published those changes already). */
  readonly #id = randomUUID();
  #stopListening: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** Another instance said it committed while a poll ran: poll again when it is done. */
  #again = false;
  /** A "changed" message is on its way out (one per turn of the event loop, however many commits). */
  #telling = false;
  readonly #tells: boolean;
  #stopped = false;

  /** `tell: false` keeps the broadcast out of it (the poll alone: the benchmark's reference). */
  constructor(store: Store, hub: LiveHub, pollMs = 500, options: { tell?: boolean } = {}) {
    this.#store = store;
    this.#pollMs = pollMs;
    this.#tells = options.tell ?? true;
    // Note what this instance publishes (the journal calls publish after each commit).
    const publish = hub.publish.bind(hub);
    this.#publish = publish;
    hub.publish = (tenantId: string, change: CallChange) => {
      // An enrichment repeats a sequence number already published (and not a stored event).
      if (!this.#stopped && change.type !== 'call.enriched') {
        this.#own.add(change.seq);
        if (this.#own.size > MAX_OWN) this.#own.delete(this.#own.values().next().value!);
      }
      publish(tenantId, change);
      // Published after commit (the journal does so), so the others find what they are told of.
      if (!this.#stopListening) return;
      if (change.type === 'call.enriched') this.#tell({ from: this.#id, kind: 'enriched', tenantId, callId: change.call.id, seq: change.seq });
      else if (!this.#telling) {
        this.#telling = true;
        setImmediate(() => {
          this.#telling = false;
          this.#tell({ from: this.#id, kind: 'changed' });
        });
      }
    };
  }

  /** Lost with the database: the others then read the change at their next poll (an enrichment shows with the call's next event). */
  #tell(message: CallsMessage): void {
    this.#store.dialect.broadcast!.send(this.#store.dialect.db, CALLS_CHANNEL, JSON.stringify(message)).catch(() => {});
  }

  async #receive(payload: string): Promise<void> {
    let m: CallsMessage;
    try {
      m = JSON.parse(payload) as CallsMessage;
    } catch {
      return;
    }
    if (m?.from === this.#id || this.#stopped) return;
    if (m.kind === 'changed') return this.#wake();
    if (m.kind !== 'enriched' || typeof m.tenantId !== 'string' || typeof m.callId !== 'string' || typeof m.seq !== 'number') return;
    const call = await this.#store.calls.get(m.tenantId, m.callId);
    if (call && !this.#stopped) this.#publish(m.tenantId, { seq: m.seq, type: 'call.enriched', call });
  }

  /** Polls now, or right after the poll under way. */
  #wake(): void {
    if (this.#polling) this.#again = true;
    else this.#tick();
  }

  #tick(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#polling = this.poll()
      // The next poll tries again; a database outage shows in the ingest and health paths.
      .catch(() => false)
      .then((more) => {
        this.#polling = undefined;
        const again = this.#again;
        this.#again = false;
        // A full batch: more is waiting, read on at once.
        if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), more || again ? 0 : this.#pollMs);
      });
  }

  async start(): Promise<void> {
    const row = await this.#store.dialect.db.selectFrom('call_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    this.#cursor = Number(row?.seq ?? 0);
    const broadcast = this.#store.dialect.broadcast;
    if (broadcast && this.#tells) this.#stopListening = await broadcast.listen(CALLS_CHANNEL, (p) => void this.#receive(p).catch(() => {}));
    this.#timer = setTimeout(() => this.#tick(), this.#pollMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const stopListening = this.#stopListening;
    this.#stopListening = undefined;
    await stopListening?.();
    await this.#polling;
  }

  /** One round: reads what is new (and what may have filled a gap) and publishes others' changes; true when the batch was full. */
  async poll(): Promise<boolean> {
    const now = Date.now();
    for (const [seq, since] of this.#gaps) if (now - since > GAP_MS) this.#gaps.delete(seq);
    const gaps = [...this.#gaps.keys()];
    const rows = await this.#store.dialect.db
      .selectFrom('call_events')
      .select(['seq', 'tenant_id', 'call_id', 'type', 'status'])
      .where((eb) => (gaps.length > 0 ? eb.or([eb('seq', '>', this.#cursor), eb('seq', 'in', gaps)]) : eb('seq', '>', this.#cursor)))
      .orderBy('seq')
      .limit(BATCH)
      .execute();
    const wanted = new Map<string, Array<{ seq: number; callId: string; type: string }>>();
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq > this.#cursor) {
        if (seq - this.#cursor - 1 <= MAX_GAP_SPAN) for (let s = this.#cursor + 1; s < seq && this.#gaps.size < MAX_GAPS; s++) this.#gaps.set(s, now);
        this.#cursor = seq;
      } else {
        this.#gaps.delete(seq);
      }
      if (this.#own.delete(seq) || r.status !== 'applied') continue;
      const list = wanted.get(r.tenant_id) ?? [];
      list.push({ seq, callId: r.call_id, type: r.type });
      wanted.set(r.tenant_id, list);
    }
    for (const [tenantId, changes] of wanted) {
      // A call is read as it is now, not as it was after each event: only a call's newest event is
      // published with it, and only when no newer one has committed since (that one comes in a later
      // round). Otherwise an "answered" message would carry the ended call, and the end come twice.
      const newest = new Map<string, { seq: number; callId: string; type: string }>();
      for (const c of changes) if ((newest.get(c.callId)?.seq ?? -1) < c.seq) newest.set(c.callId, c);
      const ids = [...newest.keys()];
      const calls = new Map((await this.#store.calls.getMany(tenantId, ids)).map((c) => [c.id, c]));
      // Read after the calls: a newer event committed in between shows here, and the call waits.
      const latest = await this.#store.dialect.db
        .selectFrom('call_events')
        .select(['call_id', (eb) => eb.fn.max('seq').as('seq')])
        .where('tenant_id', '=', tenantId)
        .where('call_id', 'in', ids)
        .where('status', '=', 'applied')
        .groupBy('call_id')
        .execute();
      const latestSeq = new Map(latest.map((r) => [r.call_id, Number(r.seq)]));
      for (const c of newest.values()) {
        const call = calls.get(c.callId);
        if (call && latestSeq.get(c.callId) === c.seq && !this.#stopped) this.#publish(tenantId, { seq: c.seq, type: `call.${c.type}`, call });
      }
    }
    return rows.length === BATCH;
  }
}
