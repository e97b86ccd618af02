/**
 * Webhook subscriptions: add one (URL, event types, filters), its signing secret shown once after
 * creation (the API never shows it again), enable/disable, delete.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { Badge, Empty } from '../../components.tsx';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';

export type Webhook = { id: string; name: string; url: string; eventTypes: string[]; filters: { direction?: string[]; kind?: string[]; extension?: string[]; queue?: string[] }; enabled: boolean; disabledReason: string | null; consecutiveFailures: number };

const EVENT_TYPES = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'call.missed'] as const;
const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;

/** "200, 201" → ["200", "201"]; empty → undefined (no filter). */
const list = (s: string) => {
  const items = s.split(/[,\s]+/).filter(Boolean);
  return items.length ? items : undefined;
};

export function WebhooksCard({ webhooks, onChanged }: { webhooks: Webhook[]; onChanged(): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['call.ended', 'call.missed']);
  const [directions, setDirections] = useState<string[]>([]);
  const [extensions, setExtensions] = useState('');
  const [secret, setSecret] = useState<string | null>(null);

  const toggle = (all: string[], v: string) => (all.includes(v) ? all.filter((x) => x !== v) : [...all, v]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (events.length === 0) return toast.error(t('webhooks.pickEvent'));
    const filters = { ...(directions.length ? { direction: directions } : {}), ...(list(extensions) ? { extension: list(extensions) } : {}) };
    try {
      const r = await api<Webhook & { secret: string }>('POST', '/api/v1/webhooks', { name: name.trim() || undefined, url: url.trim(), eventTypes: events, filters });
      setSecret(r.secret);
      setAdding(false);
      setName('');
      setUrl('');
      onChanged();
    } catch (err) {
      toast.error(err);
    }
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
        {!adding && (
          <button className="btn btn-small btn-primary" type="button" onClick={() => setAdding(true)}>
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
      {adding && (
        <form className="inline-form" onSubmit={create} aria-label={t('webhooks.add')}>
          <div className="form-grid">
            <label className="field">
              <span>{t('col.name')}</span>
              <input name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder={t('webhooks.nameHint')} />
            </label>
            <label className="field">
              <span>URL</span>
              <input name="url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required maxLength={2000} placeholder="https://example.com/callbridge" />
            </label>
          </div>
          <fieldset className="numbers">
            <legend>{t('webhooks.events')}</legend>
            {EVENT_TYPES.map((ev) => (
              <label className="check check-spaced" key={ev}>
                <input type="checkbox" checked={events.includes(ev)} onChange={() => setEvents(toggle(events, ev))} />
                <span className="mono">{ev}</span>
              </label>
            ))}
          </fieldset>
          <fieldset className="numbers">
            <legend>{t('webhooks.filters')}</legend>
            {DIRECTIONS.map((d) => (
              <label className="check check-spaced" key={d}>
                <input type="checkbox" checked={directions.includes(d)} onChange={() => setDirections(toggle(directions, d))} />
                {t(`direction.${d}`)}
              </label>
            ))}
            <label className="field">
              <span>{t('webhooks.extensions')}</span>
              <input name="extensions" value={extensions} onChange={(e) => setExtensions(e.target.value)} placeholder="200, 201" />
            </label>
          </fieldset>
          <div className="modal-actions">
            <button className="btn" type="button" onClick={() => setAdding(false)}>
              {t('common.cancel')}
            </button>
            <button className="btn btn-primary" type="submit">
              {t('webhooks.create')}
            </button>
          </div>
        </form>
      )}
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
                  {w.filters.extension && <div className="caller-sub">{t('webhooks.onlyExtensions', { list: w.filters.extension.join(', ') })}</div>}
                </td>
                <td>
                  {w.enabled ? <Badge tone="green">{t('keys.active')}</Badge> : <Badge tone="red">{t('sources.disabled')}</Badge>}
                  {w.disabledReason && <div className="error-text">{w.disabledReason}</div>}
                  {w.consecutiveFailures > 0 && <div className="caller-sub">{t('integrations.failures', { n: w.consecutiveFailures })}</div>}
                </td>
                <td className="num">
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
