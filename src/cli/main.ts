/**
 * `callbridge`: finds the command, parses its flags, runs it and maps the outcome to an exit code:
 * 0 success, 1 failure (one line on stderr; the stack with --debug), 2 a mistake in the command line.
 * bin/callbridge.js calls `run`; tests and other code can call `main` with their own Io.
 */
import { parseCommandLine } from './args.ts';
import { STORE_FLAGS, UsageError, type Command, type CommandGroup, type Io } from './command.ts';
import { agent } from './commands/agent.ts';
import { backup, restore } from './commands/backup.ts';
import { calls } from './commands/calls.ts';
import { connectors } from './commands/connectors.ts';
import { crm } from './commands/crm.ts';
import { sources } from './commands/sources.ts';
import { contacts } from './commands/contacts.ts';
import { keys } from './commands/keys.ts';
import { migrate } from './commands/migrate.ts';
import { retention } from './commands/retention.ts';
import { serve } from './commands/serve.ts';
import { tenants } from './commands/tenants.ts';
import { users } from './commands/users.ts';
import { version } from './commands/version.ts';
import { describeError, errorDetails } from './describe-error.ts';
import { commandHelp, groupHelp, mainHelp } from './help.ts';
import { closest } from './suggest.ts';

export const COMMANDS: readonly (Command | CommandGroup)[] = [serve, migrate, backup, restore, retention, keys, tenants, users, contacts, connectors, crm, sources, calls, agent, version];

const processIo: Io = {
  out: (text) => void process.stdout.write(text + '\n'),
  err: (text) => void process.stderr.write(text + '\n'),
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let commandName: string | undefined;
  try {
    const resolved = resolve(argv, io);
    if (typeof resolved === 'number') return resolved;
    commandName = resolved.command.name;
    const parsed = parseCommandLine(resolved.command, resolved.rest);
    if (parsed.help) {
      io.out(commandHelp(resolved.command));
      return 0;
    }
    return await resolved.command.run({ flags: parsed.flags, args: parsed.args, store: parsed.store }, io);
  } catch (err) {
    if (err instanceof UsageError) {
      const where = err.command ?? commandName;
      io.err(`callbridge${where ? ` ${where}` : ''}: ${err.message}`);
      io.err(`Run 'callbridge${where ? ` ${where}` : ''} --help' for usage.`);
      return 2;
    }
    io.err(`callbridge${commandName ? ` ${commandName}` : ''}: ${describeError(err)}`);
    if (argv.includes('--debug')) io.err(errorDetails(err));
    return 1;
  }
}

/** The command and its own arguments, or an exit code when the words themselves were the answer (help, version). */
function resolve(argv: readonly string[], io: Io): { command: Command; rest: string[] } | number {
  // Options may come before the command (`callbridge --data-dir x keys list`); they are moved after it.
  const leading: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      io.out(mainHelp(COMMANDS));
      return 0;
    }
    if (arg === '--version' || arg === '-v' || arg === '-V') return resolve(['version'], io);
    if (arg === '--debug') continue;
    const name = arg.slice(2).split('=')[0];
    if (!arg.startsWith('--') || !Object.hasOwn(STORE_FLAGS, name)) {
      throw new UsageError(`unknown option ${arg}; options other than --help, --version and --debug go after the command`);
    }
    leading.push(arg);
    if (!arg.includes('=') && i + 1 < argv.length) leading.push(argv[++i]);
  }
  const word = argv[i];
  if (word === undefined) {
    io.err(mainHelp(COMMANDS));
    io.err('\ncallbridge: which command? See the list above.');
    return 2;
  }
  if (word === 'help') return help(argv.slice(i + 1), io);
  const entry = COMMANDS.find((c) => c.name === word);
  if (!entry) throw new UsageError(`unknown command "${word}"${suggestion(word, COMMANDS.map((c) => c.name))}`);
  if (!('commands' in entry)) return { command: entry, rest: [...argv.slice(i + 1), ...leading] };

  const sub = argv[i + 1];
  const names = entry.commands.map((c) => c.name.slice(entry.name.length + 1));
  if (sub === '--help' || sub === '-h') {
    io.out(groupHelp(entry));
    return 0;
  }
  if (sub === undefined || sub.startsWith('-')) {
    io.err(groupHelp(entry));
    io.err(`\ncallbridge ${entry.name}: which one? ${names.join(', ')}`);
    return 2;
  }
  const command = entry.commands.find((c) => c.name === `${entry.name} ${sub}`);
  if (!command) throw new UsageError(`unknown command "${entry.name} ${sub}"${suggestion(sub, names, `${entry.name} `)}; it has ${names.join(', ')}`, entry.name);
  return { command, rest: [...argv.slice(i + 2), ...leading] };
}

/** `callbridge help [command…]`: the same text as `--help`. */
function help(words: readonly string[], io: Io): number {
  if (words.length === 0) {
    io.out(mainHelp(COMMANDS));
    return 0;
  }
  const resolved = resolve([...words, '--help'], io);
  return typeof resolved === 'number' ? resolved : (io.out(commandHelp(resolved.command)), 0);
}

function suggestion(input: string, names: readonly string[], prefix = ''): string {
  const guess = closest(input, names);
  return guess ? ` (did you mean "${prefix}${guess}"?)` : '';
}

/** The entry point for bin/callbridge.js. */
export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `callbridge calls tail | head -3`: a closed pipe is the reader being done, not a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const code = await main(argv);
  process.exitCode = code;
  // Normally the process ends here on its own; if a forgotten handle (a pool, a timer) would keep it
  // alive, a CLI should still exit.
  setTimeout(() => process.exit(code), 2_000).unref();
}
