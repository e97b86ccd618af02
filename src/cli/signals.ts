/**
 * Waits for SIGINT/SIGTERM. Until `stop()`, repeated signals are swallowed: under the bin launcher's
 * re-exec a Ctrl-C reaches this process twice (from the terminal and forwarded by the launcher), and
 * the second must not cut a clean shutdown short.
 */

export type SignalWatch = { readonly received: Promise<NodeJS.Signals>; stop(): void };

export function watchSignals(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): SignalWatch {
  const { promise, resolve } = Promise.withResolvers<NodeJS.Signals>();
  const handler = (signal: NodeJS.Signals) => resolve(signal);
  for (const s of signals) process.on(s, handler);
  return {
    received: promise,
    stop: () => {
      for (const s of signals) process.off(s, handler);
    },
  };
}
