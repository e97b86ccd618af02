/**
 * The PBX connectors that receive webhooks, wired into the HTTP app. Adding a webhook PBX = a folder
 * under connectors/pbx/ with its mapping and routes, plus one line here.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../http/app-deps.ts';
import { placetelRoutes } from './placetel/placetel-routes.ts';
import { zammadCtiRoutes } from './zammad-cti/zammad-cti-routes.ts';

export type WebhookRoutes = (app: FastifyInstance, deps: AppDeps) => Promise<void>;

export const pbxWebhookRoutes: readonly WebhookRoutes[] = [placetelRoutes, zammadCtiRoutes];
