/**
 * The `vcard` source type: a file of vCards (2.1, 3.0, 4.0) by http(s) URL, by a path on the
 * server, or uploaded (`POST /api/v1/sources/{id}/upload`), read card by card as the bytes arrive. Every run is full: cards missing from the file
 * are removed from the phonebook.
 *
 * Exports differ: Apple Contacts writes 3.0 with `item1.TEL` groups and `X-ABShowAs:COMPANY`;
 * Google writes 3.0 with `TYPE=CELL`; Outlook writes one 2.1 card per contact with
 * `ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252` values; Nextcloud/Radicale/DAVx5 write 4.0 with
 * `tel:` URIs (`TEL;VALUE=uri;TYPE=cell:tel:+49…`). The parser (vcard-lines.ts, vcard-parser.ts)
 * reads all of them.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import Type, { type Static } from 'typebox';
import { SourceError, type DirectorySourceType, type ReadContext, type SourceItem } from '../directory-source.ts';
import { checkSourceOptions } from '../source-options.ts';
import { download } from './vcard-fetch.ts';
import { readCards, VcardSyntaxError, type RawCard } from './vcard-lines.ts';
import { cardToItem } from './vcard-mapping.ts';

export const vcardOptionsSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000, description: 'http(s) URL of the .vcf file; without url and path, the file is uploaded' })),
    path: Type.Optional(Type.String({ pattern: '^/', maxLength: 1000, description: 'Absolute path of a .vcf file on the Callbridge server (instead of url)' })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Basic auth user' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Basic auth password; write-only' })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'Bearer token (instead of username/password); write-only' })),
    timeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 300, description: 'Longest a download may take' }),
  },
  { additionalProperties: false },
);

export type VcardOptions = Static<typeof vcardOptionsSchema>;

/** Cards → items, with the stream's syntax errors as SourceErrors and duplicate ids skipped. */
export async function* cardItems(cards: AsyncIterable<RawCard>, context: Pick<ReadContext, 'progress'>, recordIdOf?: (card: RawCard) => string): AsyncGenerator<SourceItem> {
  const seen = new Map<string, number>();
  let count = 0;
  try {
    for await (const card of cards) {
      const item = cardToItem(card, recordIdOf?.(card));
      if (item.type === 'record') {
        const before = seen.get(item.recordId);
        if (before !== undefined) {
          yield { type: 'skipped', recordId: item.recordId, line: card.line, reason: `the same UID as the card at line ${before}` };
          continue;
        }
        seen.set(item.recordId, card.line);
      }
      yield item;
      if (++count % 500 === 0) context.progress(count);
    }
  } catch (err) {
    if (err instanceof VcardSyntaxError) throw new SourceError('malformed', `not a readable vCard file: ${err.message}`, err.line);
    throw err;
  }
  context.progress(count);
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path)) yield chunk as Buffer;
  } catch (err) {
    throw new SourceError('unreachable', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export const vcardSourceType: DirectorySourceType = {
  id: 'vcard',
  optionsSchema: vcardOptionsSchema,
  secretOptions: ['password', 'token'],
  check: (input) =>
    checkSourceOptions(vcardOptionsSchema, input, (o) => {
      if (o.url && o.path) return { field: '/url', message: 'give either url or path, not both' };
      if (!o.url && (o.username || o.token)) return { field: o.path ? '/path' : '/url', message: 'credentials are for a url' };
      if (o.password && !o.username) return { field: '/username', message: 'username is required with a password' };
      if (o.token && o.username) return { field: '/token', message: 'use either a bearer token or username and password, not both' };
    }),
  async open(input, context) {
    const o = input as VcardOptions;
    let chunks: AsyncIterable<Uint8Array>;
    if (context.upload) chunks = context.upload;
    else if (o.path) {
      try {
        await access(o.path);
      } catch (err) {
        throw new SourceError('unreachable', `cannot read ${o.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      chunks = fileChunks(o.path);
    } else if (o.url) chunks = await download(context, o.url, o, o.timeoutSeconds);
    else throw new SourceError('remote', 'No file yet: this source has neither url nor path; upload the file (POST /api/v1/sources/{id}/upload)');
    return { full: true, items: cardItems(readCards(chunks), context), state: () => null };
  },
};
