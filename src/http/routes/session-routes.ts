/**
 * `/api/v1/session`: sign-in for people (the web UI). A session is an HttpOnly cookie; `GET` tells the
 * page who is signed in and the CSRF token it must send with every change. Admins give users a
 * password and role through `PUT /api/v1/users/{id}/login` (or `callbridge users password`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { passwordProblem, PASSWORD_MAX_LENGTH } from '../../auth/passwords.ts';
import { SESSION_COOKIE, WEB_ROLES, type ActiveSession, type WebRole } from '../../auth/web-sessions.ts';
import { CallbridgeError } from '../../core/errors.ts';
import { DEFAULT_TENANT } from '../../core/tenant.ts';
import type { AppDeps } from '../app-deps.ts';
import { cookie, principalOf, requireRole } from '../plugins/auth.ts';

type SignInBody = { login: string; password: string; tenant?: string };

const docs = { tags: ['session'], response: { '4xx': { $ref: 'Problem#' } } };

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  // Secure only over https: on http://127.0.0.1 a Secure cookie would never come back.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`);
}

/** The page needs the numbering to show numbers as the tenant writes them; agents may not read /settings. */
async function view(deps: AppDeps, token: string, s: ActiveSession) {
  const { id, name, email, extension } = s.user;
  const { defaultCountry } = await deps.settings.numbering(s.user.tenantId);
  const preferences = await deps.store.webSessions.preferences(s.user.id);
  return { user: { id, name, email, extension }, role: s.role, tenantId: s.user.tenantId, defaultCountry, expiresAt: s.expiresAt, csrfToken: deps.sessions.csrfToken(token), preferences };
}

export async function sessionRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const sessions = deps.sessions;
  const admin = requireRole(deps.keys, ['admin']);

  app.post<{ Body: SignInBody }>(
    '/api/v1/session',
    {
      schema: {
        ...docs,
        summary: 'Sign in with e-mail or extension and password; sets the session cookie',
        body: {
          type: 'object',
          required: ['login', 'password'],
          additionalProperties: false,
          properties: {
            login: { type: 'string', minLength: 1, maxLength: 254, description: 'E-mail or extension' },
            password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
            tenant: { type: 'string', maxLength: 64, description: `Tenant id (default: ${DEFAULT_TENANT})` },
          },
        },
      },
    },
    async (request, reply) => {
      // JSON only: a form on another site can post url-encoded bodies without asking, JSON it cannot.
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        throw new CallbridgeError('CB_UNSUPPORTED_MEDIA_TYPE', 'Sign in with a JSON body');
      }
      const { login, password, tenant } = request.body;
      const result = await sessions.signIn({ tenantId: tenant ?? DEFAULT_TENANT, identifier: login, password, address: request.ip });
      if (!result.ok && result.reason === 'limited') {
        reply.header('retry-after', String(result.retryAfterSeconds));
        throw new CallbridgeError('CB_TOO_MANY_ATTEMPTS', `Too many failed sign-ins; try again in ${Math.ceil(result.retryAfterSeconds / 60)} minutes`);
      }
      if (!result.ok) throw new CallbridgeError('CB_UNAUTHORIZED', 'E-mail or extension and password do not match a user who may sign in');
      setCookie(request, reply, result.token, sessions.maxAgeSeconds);
      return view(deps, result.token, result.session);
    },
  );

  app.get('/api/v1/session', { schema: { ...docs, summary: 'Who is signed in, and the CSRF token for changes' } }, async (request) => {
    const token = cookie(request, SESSION_COOKIE);
    const session = await sessions.verify(token);
    if (!session || !token) throw new CallbridgeError('CB_UNAUTHORIZED', 'Not signed in');
    return view(deps, token, session);
  });

  // The signed-in person's own choices (a session, not an API key: machines have no screen pop).
  app.put<{ Body: { autoRunFavourite: boolean } }>(
    '/api/v1/session/preferences',
    {
      schema: {
        ...docs,
        summary: "Your web UI preferences: autoRunFavourite = the screen pop runs your favourite action when a call rings",
        body: { type: 'object', required: ['autoRunFavourite'], additionalProperties: false, properties: { autoRunFavourite: { type: 'boolean' } } },
      },
    },
    async (request) => {
      const token = cookie(request, SESSION_COOKIE);
      const session = await sessions.verify(token);
      if (!session || !token) throw new CallbridgeError('CB_UNAUTHORIZED', 'Not signed in');
      const presented = request.headers['x-csrf-token'];
      if (!sessions.csrfMatches(token, typeof presented === 'string' ? presented : undefined)) {
        throw new CallbridgeError('CB_CSRF', 'Send the CSRF token of your session in the x-csrf-token header');
      }
      await deps.store.webSessions.setPreferences(session.user.id, { autoRunFavourite: request.body.autoRunFavourite });
      return view(deps, token, session);
    },
  );

  app.delete('/api/v1/session', { schema: { ...docs, summary: 'Sign out' } }, async (request, reply) => {
    const token = cookie(request, SESSION_COOKIE);
    if (token && (await sessions.verify(token))) {
      const presented = request.headers['x-csrf-token'];
      if (!sessions.csrfMatches(token, typeof presented === 'string' ? presented : undefined)) {
        throw new CallbridgeError('CB_CSRF', 'Send the CSRF token of your session in the x-csrf-token header');
      }
      await sessions.signOut(token);
    }
    setCookie(request, reply, '', 0);
    reply.code(204);
  });

  app.get('/api/v1/logins', { preHandler: admin, schema: { ...docs, tags: ['users'], summary: 'Which users may sign in to the web UI, with their role', security: [{ apiKey: [] }] } }, async (request) => {
    const roles = await deps.store.webSessions.roles(principalOf(request).tenantId);
    return { items: [...roles].map(([userId, role]) => ({ userId, role })) };
  });

  app.put<{ Params: { id: string }; Body: { password: string; role: WebRole } }>(
    '/api/v1/users/:id/login',
    {
      preHandler: admin,
      schema: {
        ...docs,
        tags: ['users'],
        summary: "Set a user's web sign-in password and role (ends the user's sessions)",
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        body: {
          type: 'object',
          required: ['password', 'role'],
          additionalProperties: false,
          properties: { password: { type: 'string', maxLength: PASSWORD_MAX_LENGTH }, role: { type: 'string', enum: [...WEB_ROLES] } },
        },
      },
    },
    async (request, reply) => {
      const user = await deps.store.users.get(principalOf(request).tenantId, request.params.id);
      if (!user) throw new CallbridgeError('CB_NOT_FOUND', 'No user with this id', '/id');
      const problem = passwordProblem(request.body.password);
      if (problem) throw new CallbridgeError('CB_VALIDATION', problem, '/password');
      await sessions.setPassword(user, request.body.password, request.body.role);
      reply.code(204);
    },
  );
}
