/**
 * Serves the web UI (web/dist, built by Vite) at `/`. Hashed assets under /assets/ never change under
 * their name, so browsers may keep them for a year; index.html must be revalidated so a new build is
 * picked up. Any other path without a file extension is a client route of the single-page app and
 * gets index.html (a reload on /journal works). Without a build, `/` keeps pointing at the API docs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from './plugins/errors.ts';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

// The UI loads only its own scripts and styles and talks only to this origin.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export async function webUiRoutes(app: FastifyInstance, root = WEB_DIST): Promise<void> {
  if (!existsSync(`${root}/index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));
    return;
  }
  await app.register(fastifyStatic, { root, serve: false });

  const page = (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('cache-control', 'no-cache')
      .sendFile('index.html', { cacheControl: false });

  app.get('/', { schema: { hide: true } }, page);
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0];
    if (path.startsWith('/api/') || path.startsWith('/docs')) return notFound(request, reply);
    if (path.startsWith('/assets/')) return reply.sendFile(path.slice(1), { immutable: true, maxAge: '365d' });
    if (/\.[a-z0-9]+$/i.test(path)) return reply.sendFile(path.slice(1), { maxAge: '1h' });
    return page(request, reply);
  });
}
