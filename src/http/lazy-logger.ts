/**
 * Per-request loggers made only when a request logs something. Fastify gives every request a pino
 * child logger (bound to its request id); creating it costs more than the whole lookup route does,
 * and almost no request logs (request lines are debug-only, see build-app.ts). This stands in for the
 * child and creates it on the first call at an enabled level.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

type LogFn = FastifyBaseLogger['info'];
type ChildArgs = Parameters<FastifyBaseLogger['child']>;

/** Fastify's `childLoggerFactory`. */
export function lazyChildLogger(parent: FastifyBaseLogger, bindings: ChildArgs[0], options: ChildArgs[1]): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  const real = () => (child ??= parent.child(bindings, options));
  const at = (level: (typeof LEVELS)[number]): LogFn =>
    ((...args: Parameters<LogFn>) => {
      // A disabled level stays a no-op without creating the child.
      if (child || (parent as Logger).isLevelEnabled(level)) real()[level](...args);
    }) as LogFn;
  const logger = {
    get level() {
      return (child ?? parent).level;
    },
    set level(value: string) {
      real().level = value;
    },
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    silent: (() => {}) as LogFn,
    child: (b: ChildArgs[0], o?: ChildArgs[1]) => real().child(b, o),
    isLevelEnabled: (level: string) => ((child ?? parent) as Logger).isLevelEnabled(level),
  };
  return logger as unknown as FastifyBaseLogger;
}
