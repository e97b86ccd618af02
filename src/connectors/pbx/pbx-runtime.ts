/**
 * Runs the configured PBX connections of every tenant. The connectors table is the source of truth:
 * `sync()` starts what is enabled and not running, restarts what changed (`updatedAt`), stops what
 * was disabled or deleted. It runs on start, after every API change, and every few seconds, so a
 * connection added with the CLI while the server runs is picked up too. Each sync also records the
 * running connections' status in the table, where the CLI and other instances read it.
 */
import type { CallJournal } from '../../journal/call-journal.ts';
import type { ConnectorRecord } from '../../storage/repositories/connectors-repository.ts';
import type { SecretBox } from '../../storage/secret-box.ts';
import type { Store } from '../../storage/store.ts';
import { connectorType } from './connector-types.ts';
import type { ConnectionStatus, PbxConnection } from './pbx-connector.ts';

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

type Running = { record: ConnectorRecord; connection: PbxConnection; reported: string };

export class PbxRuntime {
  #store: Store;
  #secrets: SecretBox;
  #journal: CallJournal;
  #log: Log;
  #pollMs: number;
  #running = new Map<string, Running>();
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(deps: { store: Store; secrets: SecretBox; journal: CallJournal; log: Log; pollMs?: number }) {
    this.#store = deps.store;
    this.#secrets = deps.secrets;
    this.#journal = deps.journal;
    this.#log = deps.log;
    this.#pollMs = deps.pollMs ?? 5_000;
  }

  async start(): Promise<void> {
    await this.sync();
    // Status is reported every second; the configuration is re-read every `pollMs`.
    let ticks = 0;
    const every = Math.max(1, Math.round(this.#pollMs / 1000));
    this.#timer = setInterval(() => {
      const work = ++ticks % every === 0 ? this.sync() : this.#report();
      work.catch((err) => this.#log.warn({ err: String(err) }, 'connector sync failed'));
    }, Math.min(1000, this.#pollMs));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#syncing.catch(() => {});
    await Promise.all([...this.#running.values()].map((r) => r.connection.stop()));
    this.#running.clear();
  }

  /** Brings the running set in line with the table. Calls are serialized. */
  sync(): Promise<void> {
    this.#syncing = this.#syncing.catch(() => {}).then(() => this.#sync());
    return this.#syncing;
  }

  /** Live status of a connection this instance runs. */
  status(id: string): ConnectionStatus | undefined {
    return this.#running.get(id)?.connection.status();
  }

  /** A running connection of the tenant that can dial: the one asked for, else the first connected. */
  dialer(tenantId: string, connectorId?: string): PbxConnection | undefined {
    const candidates = [...this.#running.values()].filter(
      (r) => r.record.tenantId === tenantId && connectorType(r.record.type)?.capabilities.clickToDial && (!connectorId || r.record.id === connectorId),
    );
    return (candidates.find((r) => r.connection.status().state === 'connected') ?? candidates[0])?.connection;
  }

  async #sync(): Promise<void> {
    if (this.#stopped) return;
    const records = await this.#store.connectors.list();
    const wanted = new Map(records.filter((r) => r.enabled).map((r) => [r.id, r]));
    for (const [id, running] of this.#running) {
      const next = wanted.get(id);
      if (!next || next.updatedAt !== running.record.updatedAt) {
        this.#running.delete(id);
        await running.connection.stop();
        await this.#store.connectors.reportStatus(id, { ...running.connection.status(), state: 'stopped' }).catch(() => {});
        this.#log.info({ connectorId: id }, next ? 'connector restarting after a change' : 'connector stopped');
      }
    }
    for (const [id, record] of wanted) {
      if (!this.#running.has(id)) this.#launch(record);
    }
    await this.#reportNow();
  }

  #report(): Promise<void> {
    this.#syncing = this.#syncing.catch(() => {}).then(() => this.#reportNow());
    return this.#syncing;
  }

  /** Writes each running connection's status to the table when it changed. */
  async #reportNow(): Promise<void> {
    if (this.#stopped) return;
    for (const [id, running] of this.#running) {
      const status = JSON.stringify(running.connection.status());
      if (status !== running.reported) {
        running.reported = status;
        await this.#store.connectors.reportStatus(id, JSON.parse(status)).catch(() => {});
      }
    }
  }

  #launch(record: ConnectorRecord): void {
    const type = connectorType(record.type);
    if (!type) {
      this.#log.warn({ connectorId: record.id, type: record.type }, 'unknown connector type; not started');
      return;
    }
    const secrets = record.secrets ? (JSON.parse(this.#secrets.open(record.secrets)) as Record<string, unknown>) : {};
    const checked = type.check({ ...record.options, ...secrets });
    if (!checked.ok) {
      this.#log.warn({ connectorId: record.id, field: checked.field }, 'stored connector options are invalid; not started');
      return;
    }
    const connection = type.create(checked.options, {
      connectionId: record.id,
      sink: { ingest: async (events) => void (await this.#journal.ingest(record.tenantId, events, type.id)) },
      log: this.#log,
    });
    this.#running.set(record.id, { record, connection, reported: '' });
    connection.start();
    this.#log.info({ connectorId: record.id, type: type.id }, 'connector started');
  }
}
