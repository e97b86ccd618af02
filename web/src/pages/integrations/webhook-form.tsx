/**
 * The form of a webhook subscription, for adding one (`POST /api/v1/webhooks`) and for changing one
 * (`PATCH /api/v1/webhooks/{id}`): name, URL, event types, the filters (direction, kind, extensions,
 * queues), parallel deliveries, enabled; when editing, also a new signing secret on request. A new
 * secret is made here from the browser's random source and shown once, like the one the server makes
 * for a new subscription.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';

export type Webhook = {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  filters: { direction?: string[]; kind?: string[]; extension?: string[]; queue?: string[] };
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  maxConcurrency: number;
};

const EVENT_TYPES = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended', 'call.missed'] as const;
const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
const KINDS = ['direct', 'queue', 'internal'] as const;

/** "200, 201" → ["200", "201"]; empty → undefined (no filter). */
const list = (s: string) => {
  const items = s.split(/[,\s]+/).filter(Boolean);
  return items.length ? items : undefined;
};

/** `whsec_` and 32 random bytes in base64, the shape the API takes for a secret of one's own. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

const toggle = (all: string[], v: string) => (all.includes(v) ? all.filter((x) => x !== v) : [...all, v]);

/**
 * `webhook` null: adding one. `onSaved` gets the signing secret when there is a new one to show
 * (always after adding; after editing only when a new one was asked for).
 */
export function WebhookForm({ webhook, onCancel, onSaved }: { webhook: Webhook | null; onCancel(): void; onSaved(secret: string | null): void }) {
  const { t } = useApp();
  const toast = useToast();
  const [name, setName] = useState(webhook?.name ?? '');
  const [url, setUrl] = useState(webhook?.url ?? '');
  const [events, setEvents] = useState<string[]>(webhook?.eventTypes ?? ['call.ended', 'call.missed']);
  const [directions, setDirections] = useState<string[]>(webhook?.filters.direction ?? []);
  const [kinds, setKinds] = useState<string[]>(webhook?.filters.kind ?? []);
  const [extensions, setExtensions] = useState(webhook?.filters.extension?.join(', ') ?? '');
  const [queues, setQueues] = useState(webhook?.filters.queue?.join(', ') ?? '');
  const [concurrency, setConcurrency] = useState(String(webhook?.maxConcurrency ?? 4));
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);
  const [rotate, setRotate] = useState(false);
  const label = webhook ? t('webhooks.edit') : t('webhooks.add');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (events.length === 0) return toast.error(t('webhooks.pickEvent'));
    const filters = {
      ...(directions.length ? { direction: directions } : {}),
      ...(kinds.length ? { kind: kinds } : {}),
      ...(list(extensions) ? { extension: list(extensions) } : {}),
      ...(list(queues) ? { queue: list(queues) } : {}),
    };
    const body = { name: name.trim() || undefined, url: url.trim(), eventTypes: events, filters, maxConcurrency: Number(concurrency) || 4 };
    try {
      if (!webhook) {
        const created = await api<Webhook & { secret: string }>('POST', '/api/v1/webhooks', { ...body, enabled });
        return onSaved(created.secret);
      }
      const secret = rotate ? newSecret() : null;
      // Only what changed: PATCH leaves the rest as it is (and enabling again resets the failure count).
      await api('PATCH', `/api/v1/webhooks/${encodeURIComponent(webhook.id)}`, { ...body, ...(enabled !== webhook.enabled ? { enabled } : {}), ...(secret ? { secret } : {}) });
      toast.success(t('common.saved'));
      onSaved(secret);
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label={label}>
      {webhook && <h3 className="card-title">{t('webhooks.editing', { name: webhook.name })}</h3>}
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
        <div>
          {DIRECTIONS.map((d) => (
            <label className="check check-spaced" key={d}>
              <input type="checkbox" checked={directions.includes(d)} onChange={() => setDirections(toggle(directions, d))} />
              {t(`direction.${d}`)}
            </label>
          ))}
        </div>
        <div>
          {KINDS.map((k) => (
            <label className="check check-spaced" key={k}>
              <input type="checkbox" checked={kinds.includes(k)} onChange={() => setKinds(toggle(kinds, k))} />
              {t(`webhooks.kind.${k}`)}
            </label>
          ))}
        </div>
        <div className="form-grid">
          <label className="field">
            <span>{t('webhooks.extensions')}</span>
            <input name="extensions" value={extensions} onChange={(e) => setExtensions(e.target.value)} placeholder="200, 201" />
          </label>
          <label className="field">
            <span>{t('webhooks.queues')}</span>
            <input name="queues" value={queues} onChange={(e) => setQueues(e.target.value)} placeholder="sales, support" />
          </label>
        </div>
      </fieldset>
      <div className="form-grid">
        <label className="field">
          <span>{t('webhooks.concurrency')}</span>
          <input name="maxConcurrency" type="number" min={1} max={64} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
        </label>
        <div className="field">
          <span>&nbsp;</span>
          <div>
            <label className="check check-spaced">
              <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
              {t('common.enabled')}
            </label>
            {webhook && (
              <label className="check check-spaced" title={t('webhooks.rotateHint')}>
                <input type="checkbox" name="rotate" checked={rotate} onChange={(e) => setRotate(e.target.checked)} />
                {t('webhooks.rotate')}
              </label>
            )}
          </div>
        </div>
      </div>
      <div className="modal-actions">
        <button className="btn" type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button className="btn btn-primary" type="submit">
          {webhook ? t('common.save') : t('webhooks.create')}
        </button>
      </div>
    </form>
  );
}
