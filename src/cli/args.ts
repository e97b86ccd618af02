/**
 * Reads a command's flags and arguments with `node:util` parseArgs. Parsing is non-strict and the
 * checks are ours, so every mistake gets a message that says what to type instead (node's own
 * messages talk about "positional arguments" and "option terminators").
 */
import { parseArgs } from 'node:util';
import { GENERAL_FLAGS, STORE_FLAGS, UsageError, type Command, type FlagSpecs, type StoreFlags } from './command.ts';
import { closest } from './suggest.ts';

export type ParsedCommandLine =
  | { help: true }
  | { help: false; flags: Record<string, string | boolean | undefined>; args: string[]; store: StoreFlags };

export function allFlags(command: Command): FlagSpecs {
  return { ...command.flags, ...(command.usesStore ? STORE_FLAGS : {}), ...GENERAL_FLAGS };
}

export function parseCommandLine(command: Command, argv: string[]): ParsedCommandLine {
  const specs = allFlags(command);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });

  // --help wins over every other mistake on the line: it is how people find out what to fix.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };

  const flags: Record<string, string | boolean | undefined> = {};
  const args: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      args.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (!spec) {
      const guess = closest(token.name, Object.keys(specs));
      throw new UsageError(`unknown flag ${token.rawName}${guess ? ` (did you mean --${guess}?)` : ''}`, command.name);
    }
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`--${token.name} takes no value; write just --${token.name}`, command.name);
      flags[token.name] = true;
      continue;
    }
    // Non-strict parseArgs takes the next word as the value even when it is another flag.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new UsageError(`--${token.name} needs a value: --${token.name} ${spec.value ?? '<value>'}`, command.name);
    }
    if (flags[token.name] !== undefined) throw new UsageError(`--${token.name} is given twice`, command.name);
    flags[token.name] = token.value;
  }

  for (const [name, spec] of Object.entries(command.flags)) {
    if (spec.required && flags[name] === undefined) {
      throw new UsageError(`--${name} is required: --${name} ${spec.value ?? '<value>'}`, command.name);
    }
  }
  const required = command.args.filter((a) => a.required);
  if (args.length < required.length) {
    throw new UsageError(`missing ${required[args.length].name}`, command.name);
  }
  if (args.length > command.args.length) {
    const extra = args[command.args.length];
    throw new UsageError(
      command.args.length === 0
        ? `unexpected argument "${extra}"; ${command.name} takes only flags`
        : `unexpected argument "${extra}"; ${command.name} takes ${command.args.map((a) => a.name).join(' ')}`,
      command.name,
    );
  }

  const store = { dataDir: str(flags['data-dir']), database: str(flags.database) };
  delete flags['data-dir'];
  delete flags.database;
  delete flags.debug;
  return { help: false, flags, args, store };
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
