/**
 * Benchmark servers for HTTP lookups, each in its own process: `callbridge` (the real app over SQLite
 * with N contacts) or `bare` (a Fastify route answering a fixed lookup body — the reference).
 * Reports `{ url, key, numbers }` over IPC once listening.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { bootstrap, composeDeps } from '../../src/compose.ts';
import type { Contact } from '../../src/core/contacts/contact.ts';
import { buildApp } from '../../src/http/build-app.ts';
import { SecretBox } from '../../src/storage/secret-box.ts';
import { openStore } from '../../src/storage/store.ts';

const [mode, dataDir, count] = process.argv.slice(2);
const N = Number(count ?? 20_000);

if (mode === 'bare') {
  const app = Fastify();
  // The bytes the real route answers for a hit: the match, and it again as the only candidate.
  const match = { contactId: 'c0', name: 'Kontakt 0', company: 'Firma 0', matchType: 'exact', number: '+49301000000', origin: 'manual', personal: false };
  const body = { number: '+49301000000', match, candidates: [match] };
  app.get('/bare', async () => body);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ url, key: '', numbers: [] });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
} else {
  const store = await openStore({ dataDir });
  await bootstrap(store, 'DE');
  const { key } = await createApiKey(store, { tenantId: 'default', role: 'agent', name: 'bench' });
  const now = new Date().toISOString();
  const numbers: string[] = [];
  for (let i = 0; i < N; i += 1000) {
    const page: Contact[] = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) {
      const e164 = `+4930${String(1_000_000 + j)}`;
      numbers.push(e164);
      page.push({ id: `c${j}`, tenantId: 'default', ownerUserId: null, kind: 'person', name: `Kontakt ${j}`, company: `Firma ${j % 997}`, numbers: [{ raw: e164, e164, type: 'business', switchboard: false }], emails: [], notes: null, origin: 'manual', sourceId: null, sourceRecordId: null, forwardingTarget: false, createdAt: now, updatedAt: now });
    }
    await store.contacts.saveMany(page);
  }
  const deps = composeDeps(store, new SecretBox(randomBytes(32)), { bodyLimit: 1 << 20, logLevel: 'warn', logPersonalData: false });
  const app = await buildApp(deps);
  await deps.phonebook.start();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ url, key, numbers: numbers.filter((_, k) => k % 97 === 0) });
  process.on('disconnect', () => void app.close().then(() => store.close()).then(() => process.exit(0)));
}
