/**
 * What a CLI command is: its flags and arguments, which drive both parsing and `--help`, and what it
 * does. A command returns its exit code; it throws UsageError for a mistake in the command line
 * (exit 2) and anything else for a failure (exit 1).
 */

export type FlagSpec = {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in usage and help: `--tenant <id>`. */
  readonly value?: string;
  readonly description: string;
  /** Checked before `run`; a missing one is a usage error. */
  readonly required?: boolean;
};

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export type ArgSpec = { readonly name: string; readonly description: string; readonly required: boolean };

/** Parsed values as a command sees them: required string flags are always present. */
export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]: F[K]['type'] extends 'boolean' ? boolean : F[K] extends { required: true } ? string : string | undefined;
};

/** `--data-dir` and `--database`, given to every command that opens the store. */
export type StoreFlags = { readonly dataDir: string | undefined; readonly database: string | undefined };

export type Io = { out(text: string): void; err(text: string): void };

export type CommandInput<F extends FlagSpecs> = { flags: FlagValues<F>; args: string[]; store: StoreFlags };

/** What the parser produces, before `defineCommand` gives it the command's own flag types. */
export type ParsedInput = { flags: Record<string, string | boolean | undefined>; args: string[]; store: StoreFlags };

export type Command = {
  /** The words after `callbridge`: `migrate`, `keys create`. */
  readonly name: string;
  readonly summary: string;
  /** More text for `--help`, after the summary. */
  readonly description?: string;
  readonly args: readonly ArgSpec[];
  readonly flags: FlagSpecs;
  /** Adds `--data-dir` and `--database`. */
  readonly usesStore: boolean;
  readonly examples: readonly string[];
  run(input: ParsedInput, io: Io): Promise<number>;
};

/** Commands that share a first word (`keys create`, `keys list`). */
export type CommandGroup = { readonly name: string; readonly summary: string; readonly commands: readonly Command[] };

export function defineCommand<const F extends FlagSpecs>(spec: {
  name: string;
  summary: string;
  description?: string;
  args?: readonly ArgSpec[];
  flags: F;
  usesStore?: boolean;
  examples?: readonly string[];
  run(input: CommandInput<F>, io: Io): Promise<number>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    description: spec.description,
    args: spec.args ?? [],
    flags: spec.flags,
    usesStore: spec.usesStore ?? false,
    examples: spec.examples ?? [],
    // The parser checked every flag against `spec.flags` (types, required), so the values fit F.
    run: (input, io) => spec.run(input as unknown as CommandInput<F>, io),
  };
}

export const STORE_FLAGS = {
  'data-dir': {
    type: 'string',
    value: '<dir>',
    description: 'Data directory; holds the embedded SQLite database (env CALLBRIDGE_DATA_DIR, default ./data)',
  },
  database: {
    type: 'string',
    value: '<url>',
    description: 'postgres://user:password@host/db, or sqlite:<file> (env CALLBRIDGE_DATABASE_URL)',
  },
} as const satisfies FlagSpecs;

export const GENERAL_FLAGS = {
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
  debug: { type: 'boolean', description: 'Print the stack trace when something fails' },
} as const satisfies FlagSpecs;

/** A mistake in the command line; `command` names whose `--help` to point at. */
export class UsageError extends Error {
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
