/**
 * Per-request loggers made only when a request logs something. Fastify gives every request a pino
 * child logger (bound to its request id); creating it costs more than the whole lookup route does,
 * and almost no request logs (request lines are debug-only, see build-app.ts). This stands in for the
 * child and creates it on the first call at an enabled level. One small object per request: the
 * methods live on the prototype.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';

type ChildArgs = Parameters<FastifyBaseLogger['child']>;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

class LazyChild {
  #parent: FastifyBaseLogger;
  #bindings: ChildArgs[0];
  #options: ChildArgs[1];
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: ChildArgs[0], options: ChildArgs[1]) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  /** A disabled level stays a no-op without creating the child. */
  #at(level: Level, args: unknown[]): void {
    if (this.#child || (this.#parent as Logger).isLevelEnabled(level)) (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }
  set level(value: string) {
    this.#real().level = value;
  }
  fatal(...args: unknown[]): void {
    this.#at('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#at('error', args);
  }
  warn(...args: unknown[]): void {
    this.#at('warn', args);
  }
  info(...args: unknown[]): void {
    this.#at('info', args);
  }
  debug(...args: unknown[]): void {
    this.#at('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#at('trace', args);
  }
  silent(): void {}
  child(bindings: ChildArgs[0], options?: ChildArgs[1]): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.#parent) as Logger).isLevelEnabled(level);
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyChildLogger(parent: FastifyBaseLogger, bindings: ChildArgs[0], options: ChildArgs[1]): FastifyBaseLogger {
  return new LazyChild(parent, bindings, options) as unknown as FastifyBaseLogger;
}

