/**
 * A server under test in its own process (the load generator must not share its event loop): forks
 * `script` with the production Node flags (`serverExecArgv`), waits for the first IPC message (what
 * the script reports once listening, e.g. `{ url, key }`) and returns it with the child and an
 * idempotent stop (disconnect; the scripts close and exit on it).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { serverExecArgv } from './profile.ts';

export type ServerProcess<Info> = Info & { child: ChildProcess; pid: number; stop(): Promise<unknown> };

export async function forkServer<Info>(script: URL, args: string[]): Promise<ServerProcess<Info>> {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: serverExecArgv() });
  const info = await new Promise<Info>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Info));
    child.once('exit', (code) => reject(new Error(`${script.pathname} exited with ${code}`)));
  });
  let stopped: Promise<unknown> | undefined;
  const stop = () => (stopped ??= (child.disconnect(), new Promise((r) => child.once('exit', r))));
  return { ...info, child, pid: child.pid!, stop };
}
