/**
 * Webhook subscriptions: add one or change one (webhook-form.tsx), the signing secret shown once after
 * creation or after asking for a new one (the API never shows it again), enable/disable, delete.
 */
import { useState } from 'react';
import { api } from '../../api.ts';
import { Badge, Empty } from '../../components.tsx';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';
import { WebhookForm, type Webhook } from './webhook-form.tsx';

export type { Webhook };

export function WebhooksCard({ webhooks, onChanged }: { webhooks: Webhook[]; onChanged(): void }) {
  const { t } = useApp();
  const toast = useToast();
  // null: no form open; 'new': adding one.
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const saved = (newSecret: string | null) => {
    setSecret(newSecret);
    setEditing(null);
    onChanged();
  };
  const act = async (method: 'PATCH' | 'DELETE', w: Webhook, body?: unknown) => {
    if (method === 'DELETE' && !window.confirm(t('webhooks.confirmDelete', { name: w.name }))) return;
    try {
      await api(method, `/api/v1/webhooks/${encodeURIComponent(w.id)}`, body);
    } catch (err) {
      toast.error(err);
    }
    onChanged();
  };

  return (
    <section className="card">
      <div className="card-head">
        <h2 className="card-title">{t('integrations.webhooks')}</h2>
        {!editing && (
          <button className="btn btn-small btn-primary" type="button" onClick={() => setEditing('new')}>
            {t('webhooks.add')}
          </button>
        )}
      </div>
      {secret && (
        <div className="alert alert-success" data-testid="webhook-secret">
          <div>{t('webhooks.secretOnce')}</div>
          <code className="secret">{secret}</code>
          <button className="btn btn-small" type="button" onClick={() => setSecret(null)}>
            {t('common.close')}
          </button>
        </div>
      )}
      {/* Keyed by the webhook: opening another one starts from its stored values. */}
      {editing && <WebhookForm key={editing === 'new' ? 'new' : editing.id} webhook={editing === 'new' ? null : editing} onCancel={() => setEditing(null)} onSaved={saved} />}
      {webhooks.length === 0 ? (
        <Empty>{t('integrations.noWebhooks')}</Empty>
      ) : (
        <table className="table" data-testid="webhooks">
          <tbody>
            {webhooks.map((w) => (
              <tr key={w.id}>
                <td>
                  <div className="caller-name">{w.name}</div>
                  <div className="caller-sub mono">{w.url}</div>
                </td>
                <td className="small">
                  {w.eventTypes.join(', ')}
                  {w.filters.direction && <div className="caller-sub">{w.filters.direction.map((d) => t(`direction.${d as 'inbound'}`)).join(', ')}</div>}
                  {w.filters.kind && <div className="caller-sub">{w.filters.kind.map((k) => t(`webhooks.kind.${k as 'direct'}`)).join(', ')}</div>}
                  {w.filters.extension && <div className="caller-sub">{t('webhooks.onlyExtensions', { list: w.filters.extension.join(', ') })}</div>}
                  {w.filters.queue && <div className="caller-sub">{t('webhooks.onlyQueues', { list: w.filters.queue.join(', ') })}</div>}
                </td>
                <td>
                  {w.enabled ? <Badge tone="green">{t('keys.active')}</Badge> : <Badge tone="red">{t('sources.disabled')}</Badge>}
                  {w.disabledReason && <div className="error-text">{w.disabledReason}</div>}
                  {w.consecutiveFailures > 0 && <div className="caller-sub">{t('integrations.failures', { n: w.consecutiveFailures })}</div>}
                </td>
                <td className="num nowrap">
                  <button className="btn btn-small" type="button" onClick={() => setEditing(w)}>
                    {t('common.edit')}
                  </button>
                  <button className="btn btn-small" type="button" onClick={() => void act('PATCH', w, { enabled: !w.enabled })}>
                    {w.enabled ? t('webhooks.disable') : t('integrations.enable')}
                  </button>
                  <button className="btn btn-small btn-danger" type="button" onClick={() => void act('DELETE', w)}>
                    {t('common.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
