/**
 * The `ldap` source type: people and contacts from OpenLDAP, Active Directory or any RFC 4511
 * server, read with ldapts. Every run is a full run: LDAP has no portable change feed (AD's DirSync
 * and OpenLDAP's syncrepl need rights and setups most sites do not grant a phonebook reader).
 *
 * Vendor quirks:
 * - Servers cap one answer (OpenLDAP `sizelimit`, 500 by default; AD MaxPageSize, 1000) and answer
 *   sizeLimitExceeded beyond it; the simple paged results control (RFC 2696) pages past the cap, so
 *   paging is on by default. Each page is streamed before the next one is asked for.
 * - `entryUUID` (RFC 4530) is operational: OpenLDAP sends it only when asked for by name.
 * - AD's `objectGUID` is 16 binary bytes; it is asked for as a Buffer and written the way AD tools show
 *   it (MS-DTYP §2.3.4.2, ldap-mapping.ts). AD accepts `user@domain` (UPN) as bind DN for a simple bind.
 * - AD answers a search from the domain root with continuation references (ForestDnsZones, …);
 *   they are not followed: set `baseDn` to the OU that holds the people.
 * - AD refuses simple binds over plain ldap:// when "LDAP server signing requirements" are enforced
 *   (strongAuthRequired): use ldaps:// (636) or StartTLS.
 */
import { readFileSync } from 'node:fs';
import { Client, FilterParser, InsufficientAccessError, InvalidCredentialsError, InvalidDNSyntaxError, NoSuchObjectError, ResultCodeError, SizeLimitExceededError, StrongAuthRequiredError, ConfidentialityRequiredError } from 'ldapts';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { SourceError, type DirectorySourceType, type ReadContext, type SocketGuard, type SourceItem, type SourceRun } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { effectiveMapping, ldapOptionsSchema, type LdapOptions } from './ldap-config.ts';
import { entryToItem, requestedAttributes, type LdapEntry } from './ldap-mapping.ts';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** An ldapts or socket error → a SourceError a person can act on (no entry data in messages). */
export function ldapError(err: unknown, options: LdapOptions, signal: AbortSignal): SourceError {
  if (err instanceof SourceError) return err;
  if (signal.aborted) return new SourceError('timeout', 'the LDAP read was stopped (timeout or shutdown)');
  const host = options.url.replace(/\/$/, '');
  if (err instanceof InvalidCredentialsError) return new SourceError('auth', `${host} refused the bind DN or password (invalid credentials)`);
  if (err instanceof InsufficientAccessError) return new SourceError('auth', `the bind user may not read below ${options.baseDn}`);
  if (err instanceof StrongAuthRequiredError || err instanceof ConfidentialityRequiredError) {
    return new SourceError('auth', `${host} requires an encrypted connection for binding: use ldaps:// or StartTLS`);
  }
  if (err instanceof NoSuchObjectError) return new SourceError('remote', `the base DN "${options.baseDn}" does not exist on ${host}`);
  if (err instanceof InvalidDNSyntaxError) return new SourceError('remote', `"${options.baseDn}" or the bind DN is not a valid DN`);
  if (err instanceof SizeLimitExceededError) {
    return new SourceError('remote', `${host} returned more entries than its size limit allows: set a page size (paged results) or narrow the filter`);
  }
  if (err instanceof ResultCodeError) return new SourceError('remote', `${host} answered: ${err.message}`);
  const e = err as NodeJS.ErrnoException;
  if (e.code && NETWORK_CODES.has(e.code)) return new SourceError('unreachable', `cannot reach ${host} (${e.code})`);
  if (e.code && /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/.test(e.code)) {
    return new SourceError('unreachable', `the TLS certificate of ${host} is not trusted (${e.code}): set tlsCaFile to its CA`);
  }
  const message = e.message ?? String(err);
  if (/timed? ?out|timeout/i.test(message)) return new SourceError('timeout', `${host} did not answer in time`);
  if (/socket|connection closed|ECONNRESET|EPIPE/i.test(message)) return new SourceError('unreachable', `the connection to ${host} broke off`);
  return new SourceError('remote', `LDAP error from ${host}: ${message.split('\n')[0]}`);
}

function tlsOptions(options: LdapOptions) {
  let ca: Buffer | undefined;
  if (options.tlsCaFile) {
    try {
      ca = readFileSync(options.tlsCaFile);
    } catch (err) {
      throw new SourceError('remote', `cannot read tlsCaFile ${options.tlsCaFile}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  const host = new URL(options.url).hostname.replace(/^\[|\]$/g, '');
  // `host` is what the certificate is checked against (StartTLS upgrades a socket that has no host of
  // its own, so Node would check against "localhost"); an IP address must not be sent as SNI name.
  return { ca, host, rejectUnauthorized: options.tlsRejectUnauthorized, ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }) };
}

async function connect(options: LdapOptions, signal: AbortSignal, sockets?: SocketGuard): Promise<Client> {
  const tls = tlsOptions(options);
  if (sockets) {
    try {
      sockets.checkHost(new URL(options.url).hostname);
    } catch (err) {
      throw ldapError(err, options, signal);
    }
  }
  const client = new Client({
    // The tenant's SSRF policy on the address the host name resolves to, at connect time.
    ...(sockets
      ? {
          createConnection: ((port: number, host: string) => netConnect({ port, host, lookup: sockets.lookup })) as never,
          // ldapts calls this with (port, host, options) to connect, and with (options) to upgrade
          // a connected socket for StartTLS (nothing to look up then).
          createSecureConnection: ((portOrOptions: number | ConnectionOptions, host?: string, options?: ConnectionOptions) =>
            typeof portOrOptions === 'object' ? tlsConnect(portOrOptions) : tlsConnect({ ...options, port: portOrOptions, host, lookup: sockets.lookup })) as never,
        }
      : {}),
    url: options.url,
    connectTimeout: options.connectTimeoutSeconds * 1000,
    timeout: options.timeoutSeconds * 1000,
    // ldapts speaks TLS from the first byte whenever tlsOptions is set, also for ldap:// URLs.
    ...(options.url.startsWith('ldaps:') ? { tlsOptions: tls } : {}),
    strictDN: false,
  });
  try {
    if (options.startTls) await client.startTLS(tls);
    // An anonymous bind when no DN is set: it fails here, not in the middle of the stream.
    await client.bind(options.bindDn ?? '', options.password ?? '');
    return client;
  } catch (err) {
    await client.unbind().catch(() => {});
    throw ldapError(err, options, signal);
  }
}

async function* read(client: Client, options: LdapOptions, context: ReadContext): AsyncGenerator<SourceItem> {
  const mapping = effectiveMapping(options);
  const search = {
    scope: options.scope,
    filter: options.filter,
    attributes: requestedAttributes(mapping),
    explicitBufferAttributes: ['objectGUID'],
  };
  const stop = () => void client.unbind().catch(() => {});
  context.signal.addEventListener('abort', stop, { once: true });
  let count = 0;
  try {
    const pages = options.pageSize > 0 ? client.searchPaginated(options.baseDn, { ...search, paged: { pageSize: options.pageSize } }) : single(client.search(options.baseDn, search));
    for await (const page of pages) {
      for (const entry of page.searchEntries) {
        yield entryToItem(entry as LdapEntry, mapping);
        count += 1;
      }
      context.progress(count);
    }
  } catch (err) {
    throw ldapError(err, options, context.signal);
  } finally {
    context.signal.removeEventListener('abort', stop);
    await client.unbind().catch(() => {});
  }
}

async function* single<T>(page: Promise<T>): AsyncGenerator<T> {
  yield await page;
}

export const ldapSourceType: DirectorySourceType = {
  id: 'ldap',
  optionsSchema: ldapOptionsSchema,
  secretOptions: ['password'],
  check: (input) =>
    checkSourceOptions(ldapOptionsSchema, input, (options) => {
      try {
        FilterParser.parseString(options.filter);
      } catch (err) {
        return { field: '/filter', message: `filter is not a valid LDAP filter: ${(err as Error).message}` };
      }
      if (options.startTls && options.url.startsWith('ldaps:')) {
        return { field: '/startTls', message: 'startTls is for ldap:// URLs; ldaps:// is encrypted from the start' };
      }
      if (options.password && !options.bindDn) return { field: '/bindDn', message: 'bindDn is required with a password' };
    }),
  async open(input, context): Promise<SourceRun> {
    const options = input as LdapOptions;
    const client = await connect(options, context.signal, context.sockets);
    return { full: true, items: read(client, options, context), state: () => null };
  },
};
