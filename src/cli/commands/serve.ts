import { loadConfig } from '../../config/config.ts';
import { defineCommand } from '../command.ts';
import { describeError } from '../describe-error.ts';
import { watchSignals } from '../signals.ts';

const SHUTDOWN_TIMEOUT_MS = 15_000;

export const serve = defineCommand({
  name: 'serve',
  summary: 'Run the Callbridge server (API, PBX ingest, live call stream)',
  description: 'Stops cleanly on SIGINT (Ctrl-C) or SIGTERM: open requests finish, then the database is closed.',
  usesStore: true,
  flags: {
    port: { type: 'string', value: '<port>', description: 'Port to listen on (env CALLBRIDGE_PORT, default 8080; 0 picks a free one)' },
    host: {
      type: 'string',
      value: '<address>',
      description: 'Address to listen on (env CALLBRIDGE_HOST, default 127.0.0.1; 0.0.0.0 for every interface)',
    },
    'log-level': {
      type: 'string',
      value: '<level>',
      description: 'fatal, error, warn, info, debug, trace or silent (env CALLBRIDGE_LOG_LEVEL, default info)',
    },
  },
  examples: ['callbridge serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/callbridge'],
  async run({ flags, store }, io) {
    const config = loadConfig({
      port: flags.port,
      host: flags.host,
      logLevel: flags['log-level'],
      dataDir: store.dataDir,
      databaseUrl: store.database,
    });
    // Loaded here, not at the top, so that `keys list` and friends do not load Fastify.
    const { startServer } = await import('../../server.ts');
    const signals = watchSignals();
    try {
      const server = await startServer(config, io.out); // it prints where it listens
      const signal = await signals.received;
      io.err(`callbridge: ${signal} received, shutting down`);
      const timer = setTimeout(() => {
        io.err(`callbridge: shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000}s; exiting anyway`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      try {
        await server.close();
      } catch (err) {
        throw new Error(`shutdown failed: ${describeError(err)}`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
      return 0;
    } finally {
      signals.stop();
    }
  },
});
