/**
 * Reads a password for the CLI: from a terminal with a prompt and without echo (asked twice), or from
 * piped stdin (the first line), so scripts can set passwords without putting them on the command line,
 * where `ps` and shell history would show them.
 */
import { createInterface } from 'node:readline';

type Input = NodeJS.ReadStream;
type Output = NodeJS.WriteStream;

export async function readPassword(stdin: Input = process.stdin, stderr: Output = process.stderr): Promise<string> {
  if (!stdin.isTTY) return firstLine(stdin);
  const first = await promptHidden('New password: ', stdin, stderr);
  const second = await promptHidden('Repeat it: ', stdin, stderr);
  if (first !== second) throw new Error('the two passwords differ; nothing was changed');
  return first;
}

async function firstLine(stdin: Input): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}

function promptHidden(question: string, stdin: Input, stderr: Output): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(question);
    const rl = createInterface({ input: stdin, terminal: true });
    // readline echoes through _writeToOutput; with no output stream given, nothing is echoed.
    rl.once('line', (line) => {
      rl.close();
      stderr.write('\n');
      resolve(line);
    });
    rl.once('SIGINT', () => {
      rl.close();
      reject(new Error('cancelled; nothing was changed'));
    });
  });
}
