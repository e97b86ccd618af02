/**
 * The PBX connector seam for PBXs Callbridge connects to (as opposed to webhooks the PBX posts):
 * a connector *type* (`asterisk-ami`) validates its options and creates *connections*; each configured
 * connection is one running instance with its own status.
 *
 * The core branches on `capabilities`, never on the type's name.
 */
import type { CallEvent } from '../../core/calls/call-event.ts';

export type PbxCapabilities = {
  /** The connection can ring an extension and then dial a number (`dial`). */
  readonly clickToDial: boolean;
};

/** Where a connection delivers what it learned; resolves once the events are durable. */
export interface CallEventSink {
  ingest(events: CallEvent[]): Promise<void>;
}

export type ConnectionState = 'starting' | 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'failed';

export type ConnectionStatus = {
  state: ConnectionState;
  /** When the current connection was established. */
  connectedSince: string | null;
  /** When the PBX last sent an event. */
  lastEventAt: string | null;
  /** The last problem, in words a person understands (wrong secret, host unreachable …). */
  lastError: string | null;
  lastErrorAt: string | null;
  reconnects: number;
  eventsReceived: number;
};

export type DialRequest = { extension: string; number: string };

export type DialResult = { ok: true; reference: string } | { ok: false; reason: string };

/** A running connection to one PBX. */
export interface PbxConnection {
  /**
   * Starts connecting and keeps the connection up (reconnecting with backoff) until `stop`.
   * Returns at once; progress shows in `status()`. Not idempotent: call once.
   */
  start(): void;
  /** Closes the connection; resolves when no more events will reach the sink. Idempotent. */
  stop(): Promise<void>;
  status(): ConnectionStatus;
  /** Present when the type's `capabilities.clickToDial` is true. */
  dial?(request: DialRequest): Promise<DialResult>;
}

export type ConnectionContext = {
  /** The connection's id (events' de-duplication keys include it). */
  connectionId: string;
  sink: CallEventSink;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
};

/** Options as validated by the type: plain data, secret included (decrypted only in memory). */
export type ConnectorOptions = Record<string, unknown>;

export type OptionsCheck = { ok: true; options: ConnectorOptions } | { ok: false; field: string; message: string };

export interface PbxConnectorType {
  /** Stable type id, e.g. `asterisk-ami`. */
  readonly id: string;
  readonly capabilities: PbxCapabilities;
  /** JSON Schema of the options (documentation, OpenAPI, admin forms). */
  readonly optionsSchema: object;
  /** Names of options that are secrets: encrypted at rest, never returned by the API. */
  readonly secretOptions: readonly string[];
  /** Validates and fills defaults. `field` is a JSON pointer into the options. */
  check(input: unknown): OptionsCheck;
  create(options: ConnectorOptions, context: ConnectionContext): PbxConnection;
}
