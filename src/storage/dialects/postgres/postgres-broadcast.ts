/**
 * The dialect's `broadcast` on PostgreSQL: `pg_notify` inside the sender's transaction, which the
 * server delivers to every listening session once, and only if, that transaction commits, in commit
 * order; and one `LISTEN` connection for all of a process's listeners, outside the pool (a pooled
 * client is handed to other work between queries), opened again with backoff when it breaks.
 * (postgresql.org/docs/current/sql-notify.html: "the payload string … must be shorter than 8000 bytes".)
 */
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Broadcast } from '../../dialect.ts';

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** The listening session's name in `pg_stat_activity`. */
export const LISTENER_NAME = 'callbridge-listen';

type Handler = (payload: string) => void;

export function postgresBroadcast(connectionString: string): Broadcast {
  const handlers = new Map<string, Set<Handler>>();
  let current: pg.Client | undefined;
  let opening: Promise<pg.Client> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = FIRST_RETRY_MS;

  /** The listening session, opened (and listening on every channel wanted now) if it is not. */
  const session = (): Promise<pg.Client> => {
    if (current) return Promise.resolve(current);
    opening ??= open().finally(() => (opening = undefined));
    return opening;
  };

  const open = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, application_name: LISTENER_NAME });
    let broken = false;
    const lost = () => {
      if (broken) return;
      broken = true;
      if (current === client) current = undefined;
      client.end().catch(() => {});
      if (handlers.size > 0) retry();
    };
    client.on('notification', (m) => {
      if (m.payload === undefined) return;
      for (const handler of handlers.get(m.channel) ?? []) handler(m.payload);
    });
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      for (const channel of handlers.keys()) await client.query(`listen ${channel}`);
    } catch (err) {
      broken = true;
      client.end().catch(() => {});
      throw err;
    }
    current = client;
    delay = FIRST_RETRY_MS;
    return client;
  };

  const retry = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (handlers.size === 0) return;
      session().catch(() => {
        delay = Math.min(delay * 2, MAX_RETRY_MS);
        retry();
      });
    }, delay);
    timer.unref();
  };

  return {
    maxPayloadBytes: 7_999,
    async send(db: Kysely<any>, channel: string, payload: string) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    async listen(channel: string, onMessage: Handler) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      let set = handlers.get(channel);
      const first = !set;
      if (!set) handlers.set(channel, (set = new Set()));
      set.add(onMessage);
      try {
        // The first listener fails loudly: one that never listened is a configuration error.
        const client = await session();
        if (first) await client.query(`listen ${channel}`);
      } catch (err) {
        set.delete(onMessage);
        if (set.size === 0) handlers.delete(channel);
        throw err;
      }
      let stopped = false;
      return async () => {
        if (stopped) return;
        stopped = true;
        set.delete(onMessage);
        if (set.size > 0 || handlers.get(channel) !== set) return;
        handlers.delete(channel);
        const client = current;
        if (handlers.size > 0) {
          await client?.query(`unlisten ${channel}`).catch(() => {});
          return;
        }
        // Nobody listens any more: the session goes (a later listen opens another).
        clearTimeout(timer);
        current = undefined;
        await client?.end().catch(() => {});
      };
    },
  };
}
