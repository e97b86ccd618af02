/**
 * The actions feature and the employee integration as the HTTP layer and the composition root see
 * them: built by `composeActions`, which also registers the two change consumers with the journal.
 */
import type { CallJournal } from '../journal/call-journal.ts';
import type { LiveHub } from '../journal/live-hub.ts';
import type { Outbox } from '../delivery/delivery.ts';
import { EmployeeIntegrationConsumer } from '../integrations/employee/employee-consumer.ts';
import type { Store } from '../storage/store.ts';
import { ActionStarter } from './action-starter.ts';
import { ActionsConsumer } from './actions-consumer.ts';
import { ActionsService } from './actions-service.ts';
import { AgentHub } from './agent-hub.ts';

export type ActionsDeps = {
  service: ActionsService;
  starter: ActionStarter;
  agents: AgentHub;
  employee: EmployeeIntegrationConsumer;
};

/** Builds the actions feature over `outbox` and wires its consumers into the journal. */
export function composeActions(store: Store, hub: LiveHub, journal: CallJournal, outbox: Outbox): ActionsDeps {
  // Several instances on one store: an agent's stream may be on any of them (agent-hub.ts).
  const broadcast = store.dialect.broadcast;
  const agents = new AgentHub(hub, broadcast && { db: store.dialect.db, via: broadcast });
  const service = new ActionsService(store);
  const consumer = new ActionsConsumer(store, outbox, agents);
  const employee = new EmployeeIntegrationConsumer(store, outbox);
  service.onChange((tenantId) => consumer.forget(tenantId));
  journal.addConsumer(consumer);
  journal.addConsumer(employee);
  return { service, starter: new ActionStarter(store, agents, outbox), agents, employee };
}
