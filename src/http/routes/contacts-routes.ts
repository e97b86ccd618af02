import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NUMBER_TYPES, type Contact } from '../../core/contacts/contact.ts';
import { CallbridgeError } from '../../core/errors.ts';
import type { ContactInput } from '../../phonebook/phonebook.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';

const numberSchema = {
  type: 'object',
  required: ['number'],
  additionalProperties: false,
  properties: {
    number: { type: 'string', maxLength: 64 },
    type: { type: 'string', enum: [...NUMBER_TYPES] },
    switchboard: { type: 'boolean', description: "The company's main number: callers from its unknown extensions match as the company" },
  },
} as const;

const contactBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200 },
    company: { type: ['string', 'null'], maxLength: 200 },
    kind: { type: 'string', enum: ['person', 'company'] },
    numbers: { type: 'array', maxItems: 20, items: numberSchema },
    emails: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 254 } },
    notes: { type: ['string', 'null'], maxLength: 4000 },
    forwardingTarget: { type: 'boolean', description: 'May serve as a call-forwarding target (manual entries only)' },
    personal: { type: 'boolean', description: 'A personal contact of the agent (agent keys with an extension)' },
  },
} as const;

/** The API view: origin as the phonebook's S/M badge. */
export function contactView(c: Contact) {
  return { ...c, badge: c.origin === 'manual' ? 'M' : 'S', personal: c.ownerUserId !== null };
}

/** The user an agent key acts for (its extension), whose personal contacts it sees. */
export async function ownerOf(deps: AppDeps, request: FastifyRequest): Promise<string | null> {
  const p = principalOf(request);
  if (!p.extension) return null;
  return (await deps.store.users.byExtension(p.tenantId, p.extension))?.id ?? null;
}

/** `/api/v1/contacts`: the company phonebook (manual and synced entries) and personal contacts. */
export async function contactsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const readers = requireRole(deps.keys, ['agent', 'admin']);
  const tags = ['phonebook'];
  const docs = { tags, security: [{ apiKey: [] }], response: { '4xx': { $ref: 'Problem#' } } };
  const idParam = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } };

  const visible = async (request: FastifyRequest, id: string) => {
    const { tenantId } = principalOf(request);
    const contact = await deps.phonebook.get(tenantId, id);
    if (!contact || (contact.ownerUserId !== null && contact.ownerUserId !== (await ownerOf(deps, request)))) {
      throw new CallbridgeError('CB_NOT_FOUND', 'No contact with this id', '/id');
    }
    return contact;
  };
  const mayEdit = (request: FastifyRequest, contact: Contact) => {
    if (contact.ownerUserId === null && principalOf(request).role !== 'admin') {
      throw new CallbridgeError('CB_FORBIDDEN', 'Only admins change the company phonebook; agents keep personal contacts');
    }
  };

  app.get<{ Querystring: { q?: string; limit?: number; offset?: number } }>(
    '/api/v1/contacts',
    {
      preHandler: readers,
      schema: {
        ...docs,
        summary: 'Search the phonebook (name, company, e-mail, number digits)',
        querystring: { type: 'object', additionalProperties: false, properties: { q: { type: 'string', maxLength: 100 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: 100000, default: 0 } } },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const items = await deps.phonebook.search(tenantId, request.query.q ?? '', { limit: request.query.limit, offset: request.query.offset, ownerUserId: await ownerOf(deps, request) });
      return { items: items.map(contactView) };
    },
  );

  app.post<{ Body: ContactInput & { personal?: boolean } }>(
    '/api/v1/contacts',
    { preHandler: readers, schema: { ...docs, summary: 'Create a manual contact', body: { ...contactBody, required: ['name', 'numbers'] } } },
    async (request, reply) => {
      const { tenantId, role } = principalOf(request);
      const { personal, ...input } = request.body;
      let ownerUserId: string | null = null;
      if (personal || role !== 'admin') {
        ownerUserId = await ownerOf(deps, request);
        if (!ownerUserId) throw new CallbridgeError('CB_FORBIDDEN', personal ? 'personal contacts need an agent key with an extension that belongs to a user' : 'only admins add to the company phonebook', '/personal');
      }
      reply.code(201);
      return contactView(await deps.phonebook.create(tenantId, input, { ownerUserId }));
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/contacts/:id', { preHandler: readers, schema: { ...docs, params: idParam } }, async (request) =>
    contactView(await visible(request, request.params.id)),
  );

  app.patch<{ Params: { id: string }; Body: Partial<ContactInput> }>(
    '/api/v1/contacts/:id',
    { preHandler: readers, schema: { ...docs, params: idParam, summary: 'Change a manual contact (synced ones are read-only)', body: { ...contactBody, minProperties: 1 } } },
    async (request) => {
      const contact = await visible(request, request.params.id);
      mayEdit(request, contact);
      const { personal: _p, ...patch } = request.body as Partial<ContactInput> & { personal?: boolean };
      return contactView(await deps.phonebook.update(contact.tenantId, contact.id, patch));
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/contacts/:id', { preHandler: readers, schema: { ...docs, params: idParam } }, async (request, reply) => {
    const contact = await visible(request, request.params.id);
    mayEdit(request, contact);
    await deps.phonebook.delete(contact.tenantId, contact.id);
    reply.code(204);
  });

  app.post<{ Params: { id: string } }>(
    '/api/v1/contacts/:id/copy',
    { preHandler: readers, schema: { ...docs, params: idParam, summary: 'Copy a (synced) contact to an editable manual entry' } },
    async (request, reply) => {
      const contact = await visible(request, request.params.id);
      mayEdit(request, contact);
      reply.code(201);
      return contactView(await deps.phonebook.copyToManual(contact.tenantId, contact.id));
    },
  );
}
