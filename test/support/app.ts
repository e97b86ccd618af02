/**
 * An app over a fresh store of one dialect, with keys for two tenants. Built through the same
 * composeDeps/buildApp as the server.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { bootstrap, composeDeps } from '../../src/compose.ts';
import type { AppDeps } from '../../src/http/app-deps.ts';
import { buildApp } from '../../src/http/build-app.ts';
import { SecretBox } from '../../src/storage/secret-box.ts';
import type { Store } from '../../src/storage/store.ts';
import type { TestDialect } from './databases.ts';

export type TestApp = {
  app: FastifyInstance;
  deps: AppDeps;
  store: Store;
  keys: { admin: string; agent: string; ingest: string; otherTenantAdmin: string };
  close(): Promise<void>;
};

export async function openApp(dialect: TestDialect, options: Partial<AppDeps['options']> = {}): Promise<TestApp> {
  const store = await dialect.open();
  await bootstrap(store, 'DE');
  await store.tenants.update('default', { areaCode: '30' }, new Date().toISOString());
  await store.tenants.create({ id: 'other', name: 'Other GmbH', defaultCountry: 'DK', areaCode: null }, new Date().toISOString());
  const mk = async (tenantId: string, role: 'admin' | 'agent' | 'ingest') => (await createApiKey(store, { tenantId, role, name: role })).key;
  const keys = {
    admin: await mk('default', 'admin'),
    agent: await mk('default', 'agent'),
    ingest: await mk('default', 'ingest'),
    otherTenantAdmin: await mk('other', 'admin'),
  };
  const deps = composeDeps(store, new SecretBox(randomBytes(32)), {
    bodyLimit: 64 * 1024,
    logLevel: 'silent',
    logPersonalData: false,
    heartbeatMs: 200,
    ...options,
  });
  const app = await buildApp(deps);
  return {
    app,
    deps,
    store,
    keys,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** An inbound call from a Berlin number to extension 201: ringing 10:00:00, answered +7 s, ended +127 s. */
export function inboundAnswered(callId = 'call-1', base = '2026-11-21T10:00:00Z') {
  const t = (s: number) => new Date(Date.parse(base) + s * 1000).toISOString();
  const common = { callId, direction: 'inbound', from: '030 1234567', to: '+49 30 999000', extension: '201' };
  return [
    { ...common, type: 'call.ringing', timestamp: t(0) },
    { ...common, type: 'call.answered', timestamp: t(7) },
    { ...common, type: 'call.ended', cause: 'normal', timestamp: t(127) },
  ];
}
