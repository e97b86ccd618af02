/**
 * `/api/v1/directory/…`: the phonebook as desk-phone XML directories (docs/phone-directories.md).
 *
 * Desk phones cannot send an `Authorization: Bearer` header, so a key comes the ways they can:
 * in the path (`/api/v1/directory/<key>/<format>.xml`) or as the password of HTTP Basic auth
 * (`/api/v1/directory/<format>.xml`, user name ignored); Bearer and X-API-Key work too. A missing
 * or wrong key gets 401 with `WWW-Authenticate: Basic`, which makes the phones that support Basic
 * send their credentials. Agent and admin keys may read; an agent key with an extension sees that
 * user's personal contacts too.
 *
 * Files: `<format>.xml` (the directory; `?q=` searches, `?page=` pages, `?lang=de|en` picks the
 * labels), `<format>-search.xml` (the search form, for formats that have one) and `phonebook.xml`
 * (Grandstream appends that name to its configured server path).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeyPrincipal, KeyVerifier } from '../../auth/api-keys.ts';
import { problem, sendProblem } from '../../http/problem.ts';
import { presentedKey } from '../../http/plugins/auth.ts';
import type { UsersRepository } from '../../storage/repositories/users-repository.ts';
import type { Phonebook } from '../phonebook.ts';
import { linePages } from './xml.ts';
import { DIRECTORY_LANGUAGES, DIRECTORY_TEXTS, FILE_ALIASES, directoryFormat, type DirectoryLanguage } from './directory-formats.ts';

/** The slice of AppDeps the directory needs (AppDeps satisfies it). */
export type DirectoryDeps = {
  keys: Pick<KeyVerifier, 'verify'>;
  phonebook: Pick<Phonebook, 'search'>;
  store: { users: Pick<UsersRepository, 'byExtension'> };
};

/** The most contacts one directory holds; larger phonebooks are reached by search. */
export const MAX_DIRECTORY_CONTACTS = 1000;

export const DIRECTORY_REALM = 'Callbridge phonebook';

const FILE = /^([a-z]+)(-search)?\.xml$/;

type Query = { q?: string; page?: number; lang?: DirectoryLanguage };

const querystring = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 100 },
    page: { type: 'integer', minimum: 1, maximum: 10000, default: 1 },
    lang: { type: 'string', enum: [...DIRECTORY_LANGUAGES], default: 'de' },
  },
} as const;

/** The password of `Authorization: Basic …`, or a Bearer / X-API-Key key. */
export function keyFromHeaders(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth && /^basic\s+/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return presentedKey(request);
}

export async function directoryRoutes(app: FastifyInstance, deps: DirectoryDeps): Promise<void> {
  const schema = {
    tags: ['phonebook'],
    summary: 'The phonebook as a desk-phone XML directory (yealink, snom, grandstream, cisco)',
    querystring,
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply, file: string, key: string | undefined, prefix: string) => {
    const principal = await deps.keys.verify(key ?? keyFromHeaders(request));
    if (!principal) {
      reply.header('www-authenticate', `Basic realm="${DIRECTORY_REALM}", charset="UTF-8"`);
      return sendProblem(reply, problem('CB_UNAUTHORIZED', 'Put an API key in the URL or send it as the password of HTTP Basic auth'));
    }
    if (principal.role !== 'agent' && principal.role !== 'admin') {
      return sendProblem(reply, problem('CB_FORBIDDEN', `The directory needs a key with role agent or admin; yours has role ${principal.role}`));
    }
    const match = FILE.exec(file);
    const isSearch = Boolean(match?.[2]);
    const id = match && !(isSearch && FILE_ALIASES[match[1]]) ? (FILE_ALIASES[match[1]] ?? match[1]) : undefined;
    const format = id ? directoryFormat(id) : undefined;
    if (!format || (isSearch && !format.renderSearch)) {
      return sendProblem(reply, problem('CB_NOT_FOUND', `No directory ${file}; use yealink.xml, snom.xml, grandstream.xml, cisco.xml, or <format>-search.xml for yealink, snom and cisco`, '/format'));
    }

    const query = request.query as Query;
    const lang = query.lang ?? 'de';
    const texts = DIRECTORY_TEXTS[lang];
    const base = `${request.protocol}://${request.host}${prefix}`;
    const url = (name: string, params: Record<string, string | number | undefined>) => {
      const search = new URLSearchParams({ lang });
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
      return `${base}/${name}?${search.toString()}`;
    };
    reply.type(format.contentType).header('cache-control', 'private, no-store');

    if (isSearch) {
      return format.renderSearch!({ title: texts.title, targetUrl: url(`${id}.xml`, {}), query: query.q, words: texts.words });
    }

    const contacts = await deps.phonebook.search(principal.tenantId, query.q?.trim() ?? '', {
      limit: MAX_DIRECTORY_CONTACTS,
      ownerUserId: await ownerOf(deps, principal),
    });
    const page = query.page ?? 1;
    const pageUrl = (p: number) => url(`${id}.xml`, { q: query.q, page: p });
    const body = format.render(contacts, {
      title: query.q ? `${texts.title}: ${query.q}` : texts.title,
      labels: texts.labels,
      words: texts.words,
      page,
      pageUrl,
      searchUrl: format.renderSearch ? url(`${id}-search.xml`, { q: query.q }) : undefined,
    });
    if (format.refreshHeader && format.pageSize && page < linePages(contacts, texts.labels, format.pageSize)) {
      // Cisco's documented way to chain directory pages; the page also has a Next soft key.
      reply.header('refresh', `0; url=${pageUrl(page + 1)}`);
    }
    return body;
  };

  app.get<{ Params: { file: string }; Querystring: Query }>('/api/v1/directory/:file', { schema }, (request, reply) =>
    handle(request, reply, request.params.file, undefined, '/api/v1/directory'),
  );
  app.get<{ Params: { key: string; file: string }; Querystring: Query }>('/api/v1/directory/:key/:file', { schema }, (request, reply) =>
    handle(request, reply, request.params.file, request.params.key, `/api/v1/directory/${encodeURIComponent(request.params.key)}`),
  );
}

async function ownerOf(deps: DirectoryDeps, principal: KeyPrincipal): Promise<string | null> {
  if (!principal.extension) return null;
  return (await deps.store.users.byExtension(principal.tenantId, principal.extension))?.id ?? null;
}
