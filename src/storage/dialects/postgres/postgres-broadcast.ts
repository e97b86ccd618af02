/**
 * The dialect's `broadcast` on PostgreSQL: `pg_notify` inside the sender's transaction, which the
 * server delivers to every listening session once, and only if, that transaction commits, in commit
 * order; and one `LISTEN` connection per listener, outside the pool (a pooled client is handed to
 * other work between queries), opened again with backoff when it breaks.
 * (postgresql.org/docs/current/sql-notify.html: "the payload string … must be shorter than 8000 bytes".)
 */
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Broadcast } from '../../dialect.ts';

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export function postgresBroadcast(connectionString: string): Broadcast {
  return {
    maxPayloadBytes: 7_999,
    async send(db: Kysely<any>, channel: string, payload: string) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    async listen(channel: string, onMessage: (payload: string) => void) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      let stopped = false;
      let current: pg.Client | undefined;
      let timer: NodeJS.Timeout | undefined;
      let delay = FIRST_RETRY_MS;

      const open = async (): Promise<void> => {
        const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
        let broken = false;
        const lost = () => {
          if (broken) return;
          broken = true;
          if (current === client) current = undefined;
          client.end().catch(() => {});
          if (!stopped) retry();
        };
        client.on('notification', (m) => {
          if (m.channel === channel && m.payload !== undefined) onMessage(m.payload);
        });
        client.on('error', lost);
        client.on('end', lost);
        try {
          await client.connect();
          await client.query(`listen ${channel}`);
        } catch (err) {
          broken = true;
          client.end().catch(() => {});
          throw err;
        }
        if (stopped) {
          await client.end().catch(() => {});
          return;
        }
        current = client;
        delay = FIRST_RETRY_MS;
      };
      const retry = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          open().catch(() => {
            delay = Math.min(delay * 2, MAX_RETRY_MS);
            if (!stopped) retry();
          });
        }, delay);
        timer.unref();
      };

      // The first connection fails loudly: a listener that never listened is a configuration error.
      await open();
      return async () => {
        stopped = true;
        clearTimeout(timer);
        const client = current;
        current = undefined;
        await client?.end().catch(() => {});
      };
    },
  };
}
