/** `--help` text, generated from the command specs so it cannot drift from what the parser accepts. */
import { GENERAL_FLAGS, STORE_FLAGS, type Command, type CommandGroup, type FlagSpecs } from './command.ts';

export function usageLine(command: Command): string {
  const parts = [`callbridge ${command.name}`];
  for (const arg of command.args) parts.push(arg.required ? arg.name : `[${arg.name}]`);
  for (const [name, spec] of Object.entries(command.flags)) {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? '<value>'}`;
    parts.push(spec.required ? flag : `[${flag}]`);
  }
  if (command.usesStore) parts.push('[--data-dir <dir> | --database <url>]');
  return parts.join(' ');
}

export function commandHelp(command: Command): string {
  const lines = [command.summary + '.'];
  if (command.description) lines.push('', command.description);
  lines.push('', `Usage: ${usageLine(command)}`);
  if (command.args.length) {
    lines.push('', 'Arguments:', ...table(command.args.map((a) => [a.name, a.description])));
  }
  if (Object.keys(command.flags).length) lines.push('', 'Options:', ...flagTable(command.flags));
  if (command.usesStore) lines.push('', 'Database options:', ...flagTable(STORE_FLAGS));
  lines.push('', 'General options:', ...flagTable(GENERAL_FLAGS));
  if (command.examples.length) lines.push('', 'Examples:', ...command.examples.map((e) => (e ? `  ${e}` : '')));
  return lines.join('\n');
}

export function groupHelp(group: CommandGroup): string {
  return [
    group.summary + '.',
    '',
    `Usage: callbridge ${group.name} <command> [options]`,
    '',
    'Commands:',
    ...table(group.commands.map((c) => [c.name, c.summary])),
    '',
    `Run 'callbridge ${group.name} <command> --help' for a command's options.`,
  ].join('\n');
}

export function mainHelp(entries: readonly (Command | CommandGroup)[]): string {
  const rows: string[][] = [];
  for (const entry of entries) {
    if ('commands' in entry) for (const c of entry.commands) rows.push([c.name, c.summary]);
    else rows.push([entry.name, entry.summary]);
  }
  return [
    'callbridge: the hub between your PBX and the applications your people work in.',
    '',
    'Usage: callbridge <command> [options]',
    '',
    'Commands:',
    ...table(rows),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'Show this help'],
      ['-v, --version', 'Print the version'],
    ]),
    '',
    `Run 'callbridge <command> --help' for a command's options. Commands that use the database take`,
    '--data-dir and --database, or read CALLBRIDGE_DATA_DIR and CALLBRIDGE_DATABASE_URL.',
    '',
    'Exit codes: 0 success, 1 failure, 2 mistake in the command line.',
  ].join('\n');
}

function flagTable(flags: FlagSpecs): string[] {
  return table(
    Object.entries(flags).map(([name, spec]) => {
      const short = spec.short ? `-${spec.short}, ` : '';
      const value = spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : '';
      return [`${short}--${name}${value}`, spec.description + (spec.required ? ' (required)' : '')];
    }),
  );
}

function table(rows: string[][]): string[] {
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`);
}
