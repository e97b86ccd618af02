/**
 * Integrations: webhook subscriptions, every delivery with its per-attempt log, the dead letters and
 * their replay, CRM connections and the employee-integration URLs — one card each.
 */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Loading, PageHeader } from '../components.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';
import { CrmCard } from './integrations/crm-card.tsx';
import { DeliveriesCard } from './integrations/deliveries-card.tsx';
import { EmployeeCard } from './integrations/employee-card.tsx';
import { WebhooksCard, type Webhook } from './integrations/webhooks-card.tsx';

export function IntegrationsPage() {
  const { t } = useApp();
  const toast = useToast();
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);

  const load = useCallback(() => {
    api<{ items: Webhook[] }>('GET', '/api/v1/webhooks').then((r) => setWebhooks(r.items), toast.error);
  }, [toast]);
  useEffect(() => {
    load();
    // A webhook the delivery engine disables (410, too many failures) shows so without a reload.
    const timer = setInterval(load, 4000);
    return () => clearInterval(timer);
  }, [load]);

  if (!webhooks) return <Loading />;
  return (
    <>
      <PageHeader title={t('integrations.title')} subtitle={t('integrations.subtitle')} />
      <WebhooksCard webhooks={webhooks} onChanged={load} />
      <DeliveriesCard names={new Map(webhooks.map((w) => [w.id, w.name]))} />
      <CrmCard />
      <EmployeeCard />
    </>
  );
}
