/**
 * In-process fan-out of call changes to live subscribers (SSE screens, `calls tail`). Changes are
 * published after their transaction commits, in commit order; each carries the event's sequence
 * number so a subscriber can resume from the store with Last-Event-ID.
 */
import type { Call } from '../core/calls/call.ts';

export type CallChange = {
  /** The call_events sequence number of the event that caused the change. */
  seq: number;
  /** `call.ringing`, `call.answered`, `call.transferred` or `call.ended`. */
  type: string;
  call: Call;
  /** The SSE frame of this change, made once by the first stream that sends it (call-stream.ts). */
  frame?: string;
};

export type ChangeListener = (change: CallChange) => void;

export class LiveHub {
  #byTenant = new Map<string, Set<ChangeListener>>();
  #count = 0;

  subscribe(tenantId: string, listener: ChangeListener): () => void {
    let set = this.#byTenant.get(tenantId);
    if (!set) this.#byTenant.set(tenantId, (set = new Set()));
    set.add(listener);
    this.#count++;
    return () => {
      if (set.delete(listener)) this.#count--;
      if (set.size === 0) this.#byTenant.delete(tenantId);
    };
  }

  publish(tenantId: string, change: CallChange): void {
    const set = this.#byTenant.get(tenantId);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(change);
      } catch {
        // A broken subscriber must not stop the others; it is removed by its own close handler.
      }
    }
  }

  get subscribers(): number {
    return this.#count;
  }
}
