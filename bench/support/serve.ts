/**
 * A Callbridge server in its own process for benchmarks: the load generator must not share its core.
 * Reports `{ url, key }` to the parent over IPC once listening.
 */
import { loadConfig } from '../../src/config/config.ts';
import { startServer } from '../../src/server.ts';

const dataDir = process.argv[2];
let key = '';
const server = await startServer(loadConfig({ port: 0, dataDir, logLevel: 'warn', databaseUrl: process.argv[3] }), (line) => {
  const m = /^\s+(cb_\S+)$/.exec(line);
  if (m) key = m[1];
});
process.send!({ url: server.url, key });
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
