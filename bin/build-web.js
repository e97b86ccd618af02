/**
 * Builds the web UI (web/ → web/dist) with Vite. `npm install`/`npm ci` run it (the `prepare` script)
 * and `npm start` runs it with --if-stale, so nobody has to remember a build step: it builds only
 * when web/dist is missing or older than a file under web/src, web/index.html or web/public.
 * Vite needs no network, so this works offline. Plain JavaScript, like callbridge.js: it must run on
 * whatever `node` npm finds first.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
const BUILT = join(WEB, 'dist', 'index.html');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function stale() {
  if (!existsSync(BUILT)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => join(WEB, p)).filter(existsSync);
  return Math.max(...sources.map(newest)) > statSync(BUILT).mtimeMs;
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
let vite;
try {
  vite = await import('vite');
} catch {
  // An install without dev dependencies (npm ci --omit=dev) cannot build; the server then serves
  // the API alone and points / at the API docs.
  process.stderr.write('callbridge: vite is not installed, so the web UI is not built (install dev dependencies to get it)\n');
  process.exit(0);
}
await vite.build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
