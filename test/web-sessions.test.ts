/**
 * Sign-in for people: passwords, session cookies, CSRF and the sign-in rate limit, through inject()
 * on SQLite and PostgreSQL. The browser tests (test/web/) cover the same path through the UI.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { hashPassword, verifyPassword } from '../src/auth/passwords.ts';
import { forEachDialect } from './support/databases.ts';
import { auth, openApp, type TestApp } from './support/app.ts';

const PASSWORD = 'correct horse battery';

forEachDialect('web sessions', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await openApp(dialect);
    const now = new Date().toISOString();
    await t.store.users.upsertMany('default', [
      { extension: '200', name: 'Ada Admin', email: 'ada@example.com' },
      { extension: '201', name: 'Anna Agent', email: 'anna@example.com' },
      { extension: '202', name: 'No Login', email: null },
    ], now);
    const ada = (await t.store.users.byExtension('default', '200'))!;
    const anna = (await t.store.users.byExtension('default', '201'))!;
    await t.deps.sessions.setPassword(ada, PASSWORD, 'admin');
    await t.deps.sessions.setPassword(anna, PASSWORD, 'agent');
  });
  after(() => t.close());

  const signIn = (login: string, password = PASSWORD, ip = '10.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: ip, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ login, password }) });
  const session = async (login: string) => {
    const res = await signIn(login);
    assert.equal(res.statusCode, 200, res.body);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    return { cookie, csrf: res.json().csrfToken as string, body: res.json(), setCookie: String(res.headers['set-cookie']) };
  };

  it('signs in by e-mail (any case) with an HttpOnly, SameSite=Lax cookie and stores only a hash of its token', async () => {
    const s = await session('ADA@example.com');
    assert.match(s.setCookie, /^cb_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/, 'no Secure over plain http');
    assert.deepEqual({ role: s.body.role, ext: s.body.user.extension, country: s.body.defaultCountry }, { role: 'admin', ext: '200', country: 'DE' });
    const token = s.cookie.split('=')[1];
    const rows = await t.store.dialect.db.selectFrom('web_sessions').select('token_hash').execute();
    assert.ok(rows.every((r) => r.token_hash !== token));
    assert.ok(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex')));
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: s.cookie } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().csrfToken, s.csrf);
  });

  it('admits the cookie on every route with the role of the login, and changes only with the CSRF token', async () => {
    const admin = await session('200');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/settings', headers: { cookie: admin.cookie } })).statusCode, 200);
    const body = JSON.stringify({ name: 'Zeta GmbH', numbers: [{ number: '089 445566-0', switchboard: true }] });
    const headers = { cookie: admin.cookie, 'content-type': 'application/json' };
    const without = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers, payload: body });
    assert.equal(without.statusCode, 403);
    assert.equal(without.json().code, 'CB_CSRF');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { ...headers, 'x-csrf-token': admin.csrf.slice(1) + 'A' }, payload: body });
    assert.equal(wrong.json().code, 'CB_CSRF');
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { ...headers, 'x-csrf-token': admin.csrf }, payload: body });
    assert.equal(ok.statusCode, 201, ok.body);

    const agent = await session('201');
    const forbidden = await t.app.inject({ method: 'GET', url: '/api/v1/keys', headers: { cookie: agent.cookie } });
    assert.equal(forbidden.statusCode, 403);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: { cookie: agent.cookie } })).statusCode, 200);
    // An agent session acts for the user's extension, like an agent key with --extension: personal contacts work.
    const personal = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { cookie: agent.cookie, 'content-type': 'application/json', 'x-csrf-token': agent.csrf }, payload: JSON.stringify({ name: 'Mum', numbers: [{ number: '0171 1234567' }], personal: true }) });
    assert.equal(personal.statusCode, 201, personal.body);
    assert.equal(personal.json().personal, true);
  });

  it('judges a request with an API key by the key alone: no CSRF token needed, the cookie ignored', async () => {
    const agent = await session('201');
    const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/settings', headers: { ...auth(t.keys.admin), cookie: agent.cookie, 'content-type': 'application/json' }, payload: JSON.stringify({ areaCode: '30' }) });
    assert.equal(res.statusCode, 200, res.body);
    const agentKey = await t.app.inject({ method: 'GET', url: '/api/v1/settings', headers: { ...auth(t.keys.agent), cookie: (await session('200')).cookie } });
    assert.equal(agentKey.statusCode, 403, 'an admin cookie does not lift an agent key');
  });

  it("stores the user's own preference (run the favourite automatically) with the CSRF token only", async () => {
    const anna = await session('201');
    assert.deepEqual(anna.body.preferences, { autoRunFavourite: false });
    const put = (headers: Record<string, string>) =>
      t.app.inject({ method: 'PUT', url: '/api/v1/session/preferences', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ autoRunFavourite: true }) });
    assert.equal((await put({ cookie: anna.cookie })).json().code, 'CB_CSRF');
    assert.equal((await put({})).statusCode, 401);
    const ok = await put({ cookie: anna.cookie, 'x-csrf-token': anna.csrf });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().preferences, { autoRunFavourite: true });
    // Server-side: a new session (another browser) starts with it; other users keep theirs.
    assert.deepEqual((await session('anna@example.com')).body.preferences, { autoRunFavourite: true });
    assert.deepEqual((await session('200')).body.preferences, { autoRunFavourite: false });
  });

  it('signs out: the cookie is cleared and the session no longer opens anything', async () => {
    const s = await session('200');
    const noCsrf = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie } });
    assert.equal(noCsrf.json().code, 'CB_CSRF');
    const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /^cb_session=; .*Max-Age=0/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: { cookie: s.cookie } })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: s.cookie } })).statusCode, 401);
  });

  it('refuses wrong passwords, users without a login and form posts alike', async () => {
    for (const [login, password] of [['200', 'wrong password!'], ['202', PASSWORD], ['299', PASSWORD], ['', PASSWORD]]) {
      const res = await signIn(login, password, '10.0.0.2');
      assert.equal(res.statusCode, login ? 401 : 400, `${login}: ${res.body}`);
    }
    const form = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `login=200&password=${encodeURIComponent(PASSWORD)}` });
    assert.equal(form.statusCode, 415);
  });

  it('locks an account after five failures, even for the right password, and says when to retry', async () => {
    await t.store.users.upsertMany('default', [{ extension: '203', name: 'Target', email: null }], new Date().toISOString());
    await t.deps.sessions.setPassword((await t.store.users.byExtension('default', '203'))!, PASSWORD, 'agent');
    for (let i = 0; i < 5; i++) assert.equal((await signIn('203', `guess number ${i}`, `10.1.0.${i}`)).statusCode, 401);
    const locked = await signIn('203', PASSWORD, '10.1.0.99');
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().code, 'CB_TOO_MANY_ATTEMPTS');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal((await signIn('201')).statusCode, 200, 'other accounts are not affected');
  });

  it('ends the sessions of a user whose password is set anew (PUT /users/{id}/login)', async () => {
    const s = await session('201');
    const anna = (await t.store.users.byExtension('default', '201'))!;
    const short = await t.app.inject({ method: 'PUT', url: `/api/v1/users/${anna.id}/login`, headers: { ...auth(t.keys.admin), 'content-type': 'application/json' }, payload: JSON.stringify({ password: 'short', role: 'agent' }) });
    assert.equal(short.statusCode, 400);
    const res = await t.app.inject({ method: 'PUT', url: `/api/v1/users/${anna.id}/login`, headers: { ...auth(t.keys.admin), 'content-type': 'application/json' }, payload: JSON.stringify({ password: PASSWORD, role: 'agent' }) });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: { cookie: s.cookie } })).statusCode, 401);
    const logins = await t.app.inject({ method: 'GET', url: '/api/v1/logins', headers: auth(t.keys.admin) });
    assert.deepEqual(new Set(logins.json().items.map((l: { role: string }) => l.role)), new Set(['admin', 'agent']));
  });
});

it('hashes passwords with scrypt and a salt of their own, and verifies only the right one', async () => {
  const [a, b] = [await hashPassword(PASSWORD), await hashPassword(PASSWORD)];
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$16384\$8\$1\$/);
  assert.ok(!a.includes(PASSWORD));
  assert.equal(await verifyPassword(PASSWORD, a), true);
  assert.equal(await verifyPassword(PASSWORD + ' ', a), false);
  assert.equal(await verifyPassword(PASSWORD, 'plain$text'), false);
});
