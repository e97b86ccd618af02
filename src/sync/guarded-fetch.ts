/**
 * Sources' outbound HTTP (`ctx.fetch`) through the delivery engine's SSRF guard: every connection,
 * redirects included, is checked at connect time on the address the host resolved to, so a source URL
 * that points at loopback, a private range or the cloud metadata service is refused unless the
 * tenant allow-lists it (`deliveryAllowList` in Settings) — an on-premise CRM does live in a private
 * network. LDAP, which opens its own sockets, gets the same policy as a socket `lookup`
 * (`guardedSockets`).
 */
import { fetch as undiciFetch } from 'undici';
import { isIP } from 'node:net';
import { SourceError, type SocketGuard } from '../connectors/directory/directory-source.ts';
import { DestinationBlockedError, guardedLookup, type SafeDispatchers } from '../delivery/safe-dispatcher.ts';
import { compileAllowList, refuse } from '../delivery/ssrf-guard.ts';
import { causes, sendOnceMoreIfStale } from '../delivery/stale-connection.ts';

/** A fetch for one run of one tenant's source. */
export function guardedFetch(dispatchers: SafeDispatchers, allowList: readonly string[]): typeof fetch {
  const dispatcher = dispatchers.for(allowList);
  // undici's own fetch: the global one belongs to Node's bundled undici, which must not be handed
  // an Agent of the npm package (another major version).
  const guarded = async (input: string | URL | Request, init?: RequestInit) => {
    const send = () => undiciFetch(input as never, { ...init, dispatcher } as never) as unknown as Promise<Response>;
    try {
      return await sendOnceMoreIfStale(init?.method, init?.signal, send);
    } catch (err) {
      if (blocked(err)) throw new SourceError('unreachable', `${hostOf(input)} resolves to a private address; add it to the allow-list in Settings`);
      throw err;
    }
  };
  return guarded as unknown as typeof fetch;
}

/** The same policy for a reader's own sockets (LDAP). */
export function guardedSockets(allowList: readonly string[]): SocketGuard {
  const list = compileAllowList(allowList);
  const lookup = guardedLookup(list);
  const refused = (host: string) => new SourceError('unreachable', `${host} resolves to a private address; add it to the allow-list in Settings`);
  return {
    lookup: ((hostname: string, options: object, callback: (err: Error | null, ...rest: unknown[]) => void) =>
      lookup(hostname, options as never, (err, ...rest) => callback(err instanceof DestinationBlockedError ? refused(hostname) : err, ...(rest as [never])))) as SocketGuard['lookup'],
    checkHost(host: string) {
      const bare = host.replace(/^\[|\]$/g, '');
      if (isIP(bare) && refuse(list, bare, bare)) throw refused(bare);
    },
  };
}

/** undici wraps the connector's error (fetch failed → cause), sometimes twice. */
function blocked(err: unknown): boolean {
  return causes(err).some((e) => e instanceof DestinationBlockedError);
}

function hostOf(input: string | URL | Request): string {
  try {
    return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).host;
  } catch {
    return 'The source URL';
  }
}
