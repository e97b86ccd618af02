import type { Kysely } from 'kysely';
import type { StorageDialect } from '../dialect.ts';

/**
 * Preferences of people who sign in to the web UI, beside their login: whether the screen pop runs
 * the user's favourite action by itself when a call rings (docs/web-ui.md). A column of web_logins
 * rather than a table: only users who sign in have a screen pop, and it is one switch.
 */
export async function up(db: Kysely<any>, _dialect: StorageDialect): Promise<void> {
  await db.schema.alterTable('web_logins').addColumn('auto_run_favourite', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
