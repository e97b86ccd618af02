/**
 * The directory-source seam: where synced (S) phonebook entries come from — a CSV by URL or upload,
 * vCard/CardDAV, LDAP/Active Directory, Microsoft 365 / Exchange, Salesforce, SugarCRM.
 *
 * A source *type* (`csv`, `ldap` …) validates options and creates a reader; a *source* is a
 * configured connection of a type (a row of `sources`), and synced contacts name it (`sourceId`)
 * with the record's id there (`sourceRecordId`). Two LDAP servers are two sources of one type.
 *
 * The sync engine (src/sync/) owns everything else: scheduling, one run per source at a time (also
 * across instances), diffing against what the source delivered last time, applying the diff in one
 * transaction, the run report. A reader only streams records.
 */

/** A contact as a source delivers it; numbers are raw (the engine reads them under tenant settings). */
export type SourceContact = {
  name: string;
  company: string | null;
  kind: 'person' | 'company';
  numbers: Array<{ number: string; type: 'business' | 'mobile' | 'home' | 'fax' | 'other'; switchboard?: boolean }>;
  emails: string[];
  notes: string | null;
};

/** One item of a source's stream. */
export type SourceItem =
  /**
   * A record; `recordId` is stable in the source (its id, DN, href, or a row key). `fingerprint`
   * (optional): a string that changes whenever the contact would — the raw row with everything that
   * shapes how it is read; the engine then hashes it instead of the contact.
   */
  | { type: 'record'; recordId: string; contact: SourceContact; line?: number; fingerprint?: string }
  /**
   * A record not read yet: the engine compares its fingerprint with last run's and calls `read` only
   * for a new or changed one (a re-sync of a million unchanged rows then reads none of them). `read`
   * says why the record cannot be a contact where a reader would have yielded `skipped`.
   */
  | { type: 'row'; recordId: string; fingerprint: string; line?: number; read(): SourceContact | { skipped: string } }
  /** A row or record that cannot become a contact (no name, no usable number …), for the report. */
  | { type: 'skipped'; reason: string; line?: number; recordId?: string }
  /** Incremental runs only: the source says this record is gone. */
  | { type: 'removed'; recordId: string };

export type SocketGuard = {
  lookup: NonNullable<import('node:net').TcpNetConnectOpts['lookup']>;
  checkHost(host: string): void;
};

export type ReadContext = {
  /** Aborted on timeout or shutdown; a reader stops and its run fails, changing nothing. */
  signal: AbortSignal;
  /**
   * What the source stored after its last successful run (a CardDAV sync-token, a Graph delta link,
   * an ETag); null on the first run or after a full resync was asked for.
   */
  state: string | null;
  /** Progress for the CLI's bar: items read so far and, when known, the total. */
  progress(read: number, total?: number): void;
  /** Outbound HTTP for readers that use fetch: guarded (timeouts, SSRF policy of the tenant). */
  fetch: typeof fetch;
  /**
   * For readers that open their own sockets (LDAP): the tenant's SSRF policy for net/tls.connect.
   * `lookup` checks every address a host name resolves to, at connect time; `checkHost` checks an IP
   * literal (which is never looked up) before connecting. Both fail with a SourceError.
   */
  sockets?: SocketGuard;
  /**
   * The bytes of a file uploaded for this run (`POST /api/v1/sources/{id}/upload`), streamed from the
   * request; absent for scheduled and sync-now runs. Types that read files (CSV, vCard) prefer it.
   */
  upload?: AsyncIterable<Uint8Array>;
};

/**
 * One run's stream. `full`: the stream holds every record, so records not in it are removed; an
 * incremental stream (`full: false`) holds only changes and explicit removals. `state()` is read once
 * the stream ended without error, and stored with the applied diff in the same transaction.
 */
export type SourceRun = {
  full: boolean;
  items: AsyncIterable<SourceItem>;
  /**
   * Optional: the same stream in batches (e.g. one per chunk of a file), which the engine reads
   * instead of `items` when present: a million rows then cost a few thousand awaits, not a million.
   * A batch yielded is the engine's: it empties the array once read, and a reader keeps no other
   * reference to its rows. Per-row objects that stay reachable while the engine waits on its
   * pipeline outlive young-generation GCs, and V8 then allocates them in the old generation for the
   * rest of the process (allocation-site pretenuring): a later re-sync, whose rows die at once, paid
   * for that with 175 MB of old-generation garbage per 300,000 rows.
   */
  batches?: AsyncIterable<SourceItem[]>;
  state(): string | null;
};

/**
 * A failure a person can act on: the engine shows `message` on the source as its last error.
 * Readers throw this for expected failures (unreachable, 401, malformed file at line N); anything
 * else is reported as an internal error.
 */
export class SourceError extends Error {
  readonly kind: 'unreachable' | 'auth' | 'malformed' | 'remote' | 'timeout';
  readonly line: number | undefined;
  constructor(kind: SourceError['kind'], message: string, line?: number) {
    super(message);
    this.kind = kind;
    this.line = line;
  }
}

export type SourceOptions = Record<string, unknown>;
export type SourceOptionsCheck = { ok: true; options: SourceOptions } | { ok: false; field: string; message: string };

export interface DirectorySourceType {
  /** Stable type id, e.g. `csv`. */
  readonly id: string;
  /** JSON Schema of the options (validation, OpenAPI, the admin form). */
  readonly optionsSchema: object;
  /** Option names that are secrets: encrypted at rest, never returned by the API. */
  readonly secretOptions: readonly string[];
  /** Validates and fills defaults; `field` is a JSON pointer into the options. */
  check(input: unknown): SourceOptionsCheck;
  /**
   * Opens one run. May throw SourceError before streaming (wrong password, unreachable); items may
   * throw SourceError mid-stream (cut connection, malformed line): the run then changes nothing.
   */
  open(options: SourceOptions, context: ReadContext): Promise<SourceRun>;
  /**
   * Optional: true when a source with these options gets its data only by upload (a CSV without a
   * URL), so it should not run on a schedule; its interval then defaults to `off`.
   */
  needsUpload?(options: SourceOptions): boolean;
}
