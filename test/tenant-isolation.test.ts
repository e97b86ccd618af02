/**
 * Tenant isolation, swept over the built app: every route with an id parameter, called with another
 * tenant's admin key on this tenant's ids, answers 404 — not 403 (which would confirm the id exists),
 * not 200, not 500 — and changes nothing. The routes come from the app itself (printRoutes), so a new
 * id route without a case here fails the sweep until it is added.
 *
 * And secrets at rest: after creating a source with a password, a webhook (its signing secret), a CRM
 * connection (API key), an AMI connector (secret), a Placetel secret and API keys, none of those
 * strings is in the SQLite file (and its WAL) or in any row of any PostgreSQL table.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { auth, inboundAnswered, openApp, type TestApp } from './support/app.ts';
import { forEachDialect } from './support/databases.ts';

/** Every route of the app as `METHOD /path`, rebuilt from Fastify's route tree. */
function routesOf(t: TestApp): string[] {
  const tree = t.app.printRoutes({ commonPrefix: false });
  const parents: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[└├]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const path = (parents[depth - 1] ?? '') + m[2];
    parents[depth] = path;
    parents.length = depth + 1;
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) out.push(`${method} ${path}`);
  }
  return out;
}

/** Parameters that are credentials, not ids: the CTI token and the phone-directory key/file. */
const NOT_IDS = new Set(['token', 'key', 'file']);
const isIdLike = (param: string) => param === 'id' || /Id$/.test(param);

forEachDialect('tenant isolation', (dialect) => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  const secrets: Record<string, string> = {};

  before(async () => {
    t = await openApp(dialect);
    const api = async (method: string, url: string, payload?: unknown, status = 200) => {
      const res = await t.app.inject({ method: method as never, url, headers: auth(t.keys.admin), ...(payload === undefined ? {} : { payload: payload as object }) });
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
      return res.body ? res.json() : undefined;
    };
    secrets.amiSecret = 'ami-secret-Zq81xT0pWm';
    secrets.sourcePassword = 'source-pass-Hh3kL9vQe2';
    secrets.crmApiKey = 'crm-api-key-Pp7dN2sRx5';
    secrets.placetelSecret = 'placetel-secret-Vb4mC8yUa1';
    ids.connectors = (await api('POST', '/api/v1/connectors', { type: 'asterisk-ami', name: 'pbx', host: '192.0.2.10', port: 5038, username: 'cb', secret: secrets.amiSecret, enabled: false }, 201)).id;
    ids.contacts = (await api('POST', '/api/v1/contacts', { name: 'Anna Alt', numbers: [{ number: '030 1111111' }] }, 201)).id;
    ids['crm/connections'] = (await api('POST', '/api/v1/crm/connections', { type: 'rest', name: 'CRM', enabled: false, options: { preset: 'pipedrive', baseUrl: 'https://crm.example.com', apiKey: secrets.crmApiKey } }, 201)).id;
    ids.sources = (await api('POST', '/api/v1/sources', { type: 'csv', name: 'Kunden', url: 'https://files.example.com/k.csv', username: 'u', password: secrets.sourcePassword, interval: 'off' }, 201)).id;
    const key = await api('POST', '/api/v1/keys', { name: 'temp', role: 'agent' }, 201);
    ids.keys = key.id;
    secrets.apiKey = key.key;
    secrets.adminKey = t.keys.admin;
    secrets.ingestKey = t.keys.ingest;
    await api('PUT', '/api/v1/users', [{ extension: '201', name: 'Anna Schmidt' }]);
    ids.users = (await api('GET', '/api/v1/users')).items[0].id;
    const hook = await api('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/x', eventTypes: ['call.ringing'] }, 201);
    ids.webhooks = hook.id;
    secrets.webhookSecret = hook.secret;
    ids.actions = (await api('POST', '/api/v1/actions', { name: 'CRM', target: { type: 'url', url: 'https://crm.example.com/?n=${number}' } }, 201)).id;
    await api('PATCH', '/api/v1/settings', { placetelSecret: secrets.placetelSecret });
    const posted = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth(t.keys.ingest), payload: inboundAnswered('iso-1') });
    assert.equal(posted.statusCode, 200);
    ids.calls = (await api('GET', '/api/v1/calls')).items[0].id;
    ids.deliveries = (await api('GET', '/api/v1/deliveries')).items[0].id;
  });
  after(() => t.close());

  /** A body each route accepts (so that a 400 from validation cannot hide the answer to the id). */
  const BODIES: Record<string, { payload?: unknown; contentType?: string }> = {
    'POST /api/v1/calls/:id/actions/:actionId': { payload: {} },
    'PATCH /api/v1/connectors/:id': { payload: { name: 'stolen' } },
    'PATCH /api/v1/contacts/:id': { payload: { name: 'stolen' } },
    'POST /api/v1/contacts/:id/copy': { payload: {} },
    'PATCH /api/v1/crm/connections/:id': { payload: { name: 'stolen' } },
    'PUT /api/v1/crm/connections/:id/mappings': { payload: { mappings: [] } },
    'POST /api/v1/crm/connections/:id/test': { payload: { number: '+49301111111' } },
    'PATCH /api/v1/sources/:id': { payload: { name: 'stolen' } },
    'POST /api/v1/sources/:id/sync': { payload: {} },
    'POST /api/v1/sources/:id/upload': { payload: 'id,Name,Telefon\n1,X,030 2\n', contentType: 'text/csv' },
    'PUT /api/v1/users/:id/login': { payload: { password: 'a-long-enough-passphrase-42', role: 'admin' } },
    'POST /api/v1/deliveries/:id/replay': { payload: {} },
    'PATCH /api/v1/actions/:id': { payload: { name: 'stolen' } },
    'POST /api/v1/actions/:id/favourite': { payload: {} },
    'PATCH /api/v1/webhooks/:id': { payload: { url: 'https://evil.example.com/x' } },
    'POST /api/v1/webhooks/:id/enable': { payload: {} },
  };

  /** The resource an id parameter names, from the path before it. */
  const resourceOf = (path: string, param: string): string => {
    if (param === 'actionId') return 'actions';
    const m = /^\/api\/v1\/(crm\/connections|[a-z]+)\/:id/.exec(path);
    assert.ok(m, `no resource known for ${path}: add it to this sweep`);
    assert.ok(ids[m[1]], `no ${m[1]} created in tenant A for ${path}: add one to this sweep`);
    return m[1];
  };

  it("answers 404 on every id route called with another tenant's key, and changes nothing", async () => {
    const routes = routesOf(t);
    assert.ok(routes.length > 50, `the route tree was read (${routes.length} routes)`);
    const withParams = routes.filter((r) => r.includes('/:'));
    const params = new Set(withParams.flatMap((r) => [...r.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1])));
    for (const p of params) assert.ok(isIdLike(p) || NOT_IDS.has(p), `parameter :${p} is neither an id nor a known credential: classify it here`);
    const idRoutes = withParams.filter((r) => [...r.matchAll(/:([A-Za-z]+)/g)].some((m) => isIdLike(m[1])));
    assert.ok(idRoutes.length >= 35, `id routes found: ${idRoutes.length}`);

    // Deletions last, so that with A's own key (below) every other route still finds its resource.
    idRoutes.sort((a, b) => Number(a.startsWith('DELETE ')) - Number(b.startsWith('DELETE ')));
    const call = (route: string, key: string) => {
      const [method, path] = route.split(' ');
      const url = path.replace(/:([A-Za-z]+)/g, (_, p: string) => ids[resourceOf(path, p)]);
      const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : BODIES[route];
      if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') assert.ok(body, `no request body for ${route}: add one to BODIES`);
      return t.app.inject({
        method: method as never,
        url,
        headers: { ...auth(key), ...(body?.contentType ? { 'content-type': body.contentType } : {}) },
        ...(body?.payload === undefined ? {} : { payload: body.payload as string }),
      });
    };

    const before = await snapshot();
    const leaks: string[] = [];
    for (const route of idRoutes) {
      const res = await call(route, t.keys.otherTenantAdmin);
      if (res.statusCode !== 404) leaks.push(`${route} → ${res.statusCode} ${res.body.slice(0, 200)}`);
      else if (!route.startsWith('HEAD ')) assert.equal(res.json().code, 'CB_NOT_FOUND', route);
    }
    assert.deepEqual(leaks, [], 'every id route answers 404 to another tenant');
    assert.deepEqual(await snapshot(), before, "nothing of tenant A changed through B's calls");

    // The same requests with A's own key find the resources: the 404s above were about the tenant,
    // not about a wrong id or body.
    for (const route of idRoutes) {
      const res = await call(route, t.keys.admin);
      assert.notEqual(res.statusCode, 404, `${route} with the owner's key: ${res.body.slice(0, 200)}`);
      // 502 is the CRM test reaching for a CRM that is not there: past the id check, as wanted.
      assert.ok(res.statusCode < 500 || res.statusCode === 502, `${route} with the owner's key: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
  });

  /** Everything a foreign call could have changed, as tenant A's admin sees it. */
  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const r of ['calls', 'contacts', 'connectors', 'sources', 'webhooks', 'actions', 'deliveries', 'crm/connections', 'keys', 'users', 'logins']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/${r}`, headers: auth(t.keys.admin) });
      assert.equal(res.statusCode, 200, r);
      // Volatile fields (last use of a key, running state of a source) are not what this checks.
      out[r] = JSON.stringify(res.json(), (k, v) => (['lastUsedAt', 'nextRunAt', 'state', 'progress', 'updatedAt', 'status'].includes(k) ? undefined : v));
    }
    return out;
  }

  it('keeps no secret and no API key in plain text in the database', async () => {
    const haystack = await databaseText(t);
    assert.ok(haystack.includes('Other GmbH'), 'the dump holds the data (a tenant name)');
    for (const [what, secret] of Object.entries(secrets)) {
      assert.ok(secret && secret.length >= 16, what);
      assert.equal(haystack.includes(secret), false, `${what} is stored in plain text`);
      // Also not the part after a well-known prefix (whsec_…, cb_<prefix>_…).
      const tail = secret.replace(/^(whsec_|cb_[a-z0-9]{10}_)/, '');
      assert.ok(tail.length >= 16);
      assert.equal(haystack.includes(tail), false, `the secret part of ${what} is stored in plain text`);
    }
  });

  /** Every byte of the SQLite file and its WAL, or every row of every PostgreSQL table as JSON. */
  async function databaseText(app: TestApp): Promise<string> {
    const db = app.store.dialect.db;
    if (dialect.name === 'sqlite') {
      const files = await sql<{ file: string }>`pragma database_list`.execute(db);
      const file = files.rows.find((r) => r.file)!.file;
      return [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('\n');
    }
    const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = current_schema()`.execute(db);
    assert.ok(tables.rows.length > 10);
    let text = '';
    for (const { tablename } of tables.rows) {
      const rows = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(tablename)} t`.execute(db);
      text += rows.rows.map((r) => r.row).join('\n');
    }
    return text;
  }
});
