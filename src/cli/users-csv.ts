/**
 * Reads a users CSV (extension, name, email) into rows ready for `users.upsertMany`, or into every
 * problem found, each with its line number: an import is all or nothing, so the operator fixes the
 * whole file in one go.
 */
import type { UserInput } from '../storage/repositories/users-repository.ts';
import { detectDelimiter, parseCsv, stripBom } from './csv.ts';

export type UsersCsvResult =
  | { ok: true; users: UserInput[]; ignoredColumns: string[] }
  | { ok: false; problems: string[] };

type Column = 'extension' | 'name' | 'email';

/** Header spellings seen in PBX and spreadsheet exports, compared after `headerKey`. */
const HEADER_ALIASES: Record<Column, readonly string[]> = {
  extension: ['extension', 'ext', 'extn', 'extensionnumber', 'phoneextension', 'nebenstelle', 'nebenstellennummer', 'nst', 'durchwahl'],
  name: ['name', 'fullname', 'displayname', 'anzeigename', 'vollstandigername'],
  email: ['email', 'mail', 'emailaddress', 'emailadresse', 'mailadresse'],
};

const HEADER_EXAMPLES: Record<Column, string> = {
  extension: 'Extension, Ext, Nebenstelle, Durchwahl',
  name: 'Name, Full name, Display name, Anzeigename',
  email: 'Email, E-Mail, Mail, E-Mail-Adresse',
};

const EXTENSION = /^[0-9*#+]{1,32}$/;
const EMAIL = /^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]+$/;

/** `E-Mail-Adresse` → `emailadresse`, `Vollständiger Name` → `vollstandigername`. */
function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export function readUsersCsv(input: string): UsersCsvResult {
  const text = stripBom(input);
  const parsed = parseCsv(text, detectDelimiter(text));
  if (!parsed.ok) return { ok: false, problems: [`line ${parsed.line}: ${parsed.message}`] };
  const [header, ...rows] = parsed.records;
  if (!header) return { ok: false, problems: ['the file is empty; the first line must be a header: extension,name,email'] };

  const index: Partial<Record<Column, number>> = {};
  const ignoredColumns: string[] = [];
  const problems: string[] = [];
  header.fields.forEach((raw, i) => {
    const key = headerKey(raw);
    const column = (Object.keys(HEADER_ALIASES) as Column[]).find((c) => HEADER_ALIASES[c].includes(key));
    if (!column) {
      if (raw.trim()) ignoredColumns.push(raw.trim());
    } else if (index[column] !== undefined) {
      problems.push(`line ${header.line}: two columns hold the ${column}: "${header.fields[index[column]]}" and "${raw}"`);
    } else {
      index[column] = i;
    }
  });
  for (const column of ['extension', 'name'] as const) {
    if (index[column] === undefined) {
      problems.push(
        `line ${header.line}: no ${column} column (looked for a header such as ${HEADER_EXAMPLES[column]}; ` +
          `found: ${header.fields.map((f) => `"${f}"`).join(', ')})`,
      );
    }
  }
  if (problems.length) return { ok: false, problems };

  const users: UserInput[] = [];
  const lineOfExtension = new Map<string, number>();
  const cell = (fields: string[], column: Column) => {
    const i = index[column];
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  for (const { line, fields } of rows) {
    if (fields.every((f) => f.trim() === '')) continue; // `;;` rows that spreadsheets leave at the end
    const extra = fields.slice(header.fields.length).filter((f) => f.trim() !== '');
    if (extra.length) {
      problems.push(
        `line ${line}: ${fields.length} values but the header has ${header.fields.length} columns ` +
          `(put a value that contains the delimiter in double quotes)`,
      );
      continue;
    }
    const extension = cell(fields, 'extension');
    const name = cell(fields, 'name');
    const email = cell(fields, 'email');
    const before = problems.length;
    if (!extension) problems.push(`line ${line}: the extension is empty`);
    else if (!EXTENSION.test(extension)) {
      problems.push(`line ${line}: extension "${extension}" may contain only digits, *, # and + (at most 32)`);
    } else if (lineOfExtension.has(extension)) {
      problems.push(`line ${line}: extension ${extension} is also on line ${lineOfExtension.get(extension)}`);
    } else {
      lineOfExtension.set(extension, line);
    }
    if (!name) problems.push(`line ${line}: the name is empty`);
    else if (name.length > 200) problems.push(`line ${line}: the name is longer than 200 characters`);
    if (email && (email.length > 254 || !EMAIL.test(email))) problems.push(`line ${line}: "${email}" is not an email address`);
    if (problems.length === before) users.push({ extension, name, email: email || null });
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, users, ignoredColumns };
}
