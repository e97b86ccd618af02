/**
 * HTTP connections for deliveries, through the SSRF guard. Each pooled connection is checked when it
 * is opened: the socket's `lookup` resolves the URL's host, every address it resolves to must pass
 * the guard, and the socket connects to a checked address (no second lookup an attacker's DNS could
 * answer differently). IP literals, which never reach a lookup, are checked directly.
 *
 * Connections are pooled per origin, so one pool must never serve two different allow-lists: tenants
 * with the same list share an agent, others get their own.
 */
import { lookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { compileAllowList, refuse, type AllowList } from './ssrf-guard.ts';

/** Refused by the SSRF guard before anything was sent. */
export class DestinationBlockedError extends Error {
  readonly code = 'CB_DELIVERY_BLOCKED';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationBlockedError';
  }
}

export type DispatcherTimeouts = { connectMs: number; totalMs: number };

export const DEFAULT_TIMEOUTS: DispatcherTimeouts = { connectMs: 5_000, totalMs: 15_000 };

/**
 * An undici connector that runs the guard on every new connection: IP literals before connecting,
 * host names in the socket's `lookup` — the addresses it hands the socket are the checked ones, so
 * nothing resolves the name a second time.
 */
export function guardedConnector(list: AllowList, connectMs: number): buildConnector.connector {
  const base = buildConnector({ timeout: connectMs, lookup: guardedLookup(list) } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = options.hostname;
    if (isIP(host)) {
      const why = refuse(list, host, host);
      if (why) return callback(new DestinationBlockedError(why), null);
    }
    return base(options, callback);
  };
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/tls.connect that refuses (DestinationBlockedError) any address the policy refuses. */
export function guardedLookup(list: AllowList) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    lookup(hostname, { family: options.family ?? 0, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.map((a) => refuse(list, hostname, a.address)).find((why) => why !== undefined);
      if (refused || addresses.length === 0) return callback(new DestinationBlockedError(refused ?? `${hostname} did not resolve`), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Agents by allow-list, created on first use and closed with `close()`. */
export class SafeDispatchers {
  #agents = new Map<string, Agent>();
  #byList = new WeakMap<readonly string[], Agent>();
  #timeouts: DispatcherTimeouts;

  constructor(timeouts: DispatcherTimeouts = DEFAULT_TIMEOUTS) {
    this.#timeouts = timeouts;
  }

  get timeouts(): DispatcherTimeouts {
    return this.#timeouts;
  }

  for(allowList: readonly string[]): Agent {
    // The destinations cache hands out the same array while fresh: skip building the key then.
    const known = this.#byList.get(allowList);
    if (known && !known.destroyed) return known;
    const key = JSON.stringify([...allowList].sort());
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: guardedConnector(compileAllowList(allowList), this.#timeouts.connectMs),
        headersTimeout: this.#timeouts.totalMs,
        bodyTimeout: this.#timeouts.totalMs,
        keepAliveTimeout: 4_000,
      });
      this.#agents.set(key, agent);
    }
    this.#byList.set(allowList, agent);
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => {})));
  }
}
