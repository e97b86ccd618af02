/**
 * The composition root: config → store → journal → HTTP. `callbridge serve` and `npm start` run this.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.ts';
import { bootstrap, composeDeps } from './compose.ts';
import { buildApp } from './http/build-app.ts';
import { RetentionJob } from './maintenance/retention-job.ts';
import { SecretBox } from './storage/secret-box.ts';
import { openStore } from './storage/store.ts';

export type RunningServer = { url: string; close(): Promise<void> };

export async function startServer(config: Config, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<RunningServer> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteSync: config.sqliteSync });
  let app: FastifyInstance | undefined;
  let retention: RetentionJob | undefined;
  try {
    const secrets = SecretBox.fromEnvOrFile(config.secretKey, config.dataDir);
    const { adminKey } = await bootstrap(store, process.env.CALLBRIDGE_DEFAULT_COUNTRY ?? 'DE');
    const log = { info: (obj: object, msg: string) => app?.log.info(obj, msg), warn: (obj: object, msg: string) => app?.log.warn(obj, msg) };
    const deps = composeDeps(store, secrets, { bodyLimit: config.bodyLimit, logLevel: config.logLevel, logPersonalData: config.logPersonalData }, log);
    app = await buildApp(deps);
    await app.listen({ host: config.host, port: config.port });
    // Phonebook indexes are built before PBX events arrive; closing the app stops both.
    await deps.phonebook.start();
    await deps.pbx.start();
    await deps.delivery.worker.start();
    // Due phonebook sources run from here on; closing the app stops the scheduler and its runs.
    deps.sync.start();
    // Tenants' retention periods (GDPR): old calls and delivery logs are deleted hourly.
    retention = new RetentionJob(store, log);
    retention.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    out(`Callbridge is listening on ${url} (store: ${store.dialect.label}; API docs: ${url}/docs)`);
    if (adminKey) {
      out('');
      out('First start: an admin API key was created. It is shown only this once; keep it safe:');
      out('');
      out(`    ${adminKey}`);
      out('');
      out(`Try: curl -H "Authorization: Bearer ${adminKey}" ${url}/api/v1/calls`);
      out('');
      out(`Web UI: ${url} — to sign in, give a user a password: npx callbridge users password <extension> --role admin --name "<your name>"`);
      out('');
    }
    return {
      url,
      async close() {
        await retention!.stop();
        await app!.close();
        await store.close();
      },
    };
  } catch (err) {
    await retention?.stop();
    await app?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
