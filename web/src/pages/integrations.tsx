/**
 * Integrations: webhook subscriptions and every delivery with its per-attempt log, the dead letters
 * and their replay, and the employee-integration URLs. Read from /webhooks, /deliveries and
 * /integrations/employee.
 */
import { Fragment, useEffect, useState } from 'react';
import { api, query } from '../api.ts';
import { Badge, Empty, Loading, PageHeader, type Tone } from '../components.tsx';
import { Link } from '../router.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

type Webhook = { id: string; name: string; url: string; eventTypes: string[]; enabled: boolean; disabledReason: string | null; consecutiveFailures: number };
type Delivery = { id: string; endpointId: string; eventType: string; callId: string | null; state: 'pending' | 'delivering' | 'delivered' | 'dead'; attempts: number; nextAttemptAt: string | null; lastStatus: number | null; lastError: string | null; createdAt: string };
type Attempt = { n: number; at: string; outcome: string; status: number | null; durationMs: number; error: string | null };
type Employee = { method: string; urls: Record<string, string> };

const STATES = ['', 'pending', 'delivered', 'dead'] as const;
const STATE_TONE: Record<Delivery['state'], Tone> = { pending: 'amber', delivering: 'blue', delivered: 'green', dead: 'red' };

export function IntegrationsPage() {
  const { t, fmt } = useApp();
  const toast = useToast();
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [employee, setEmployee] = useState<Employee | null>(null);
  const [state, setState] = useState<(typeof STATES)[number]>('');
  const [open, setOpen] = useState<{ id: string; attempts: Attempt[] } | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api<{ items: Webhook[] }>('GET', '/api/v1/webhooks').then((r) => setWebhooks(r.items), toast.error);
    api<Employee>('GET', '/api/v1/integrations/employee').then(setEmployee, () => {});
  }, [version, toast]);
  // Deliveries move on by themselves (retries, the worker); the log follows every few seconds.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 4000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    api<{ items: Delivery[] }>('GET', `/api/v1/deliveries${query({ state, limit: 100 })}`).then((r) => setDeliveries(r.items), toast.error);
  }, [state, version, toast]);

  const names = new Map((webhooks ?? []).map((w) => [w.id, w.name]));
  const act = async (method: 'POST', path: string, body?: unknown) => {
    try {
      await api(method, path, body);
      setVersion((v) => v + 1);
    } catch (err) {
      toast.error(err);
    }
  };
  const toggle = async (d: Delivery) => {
    if (open?.id === d.id) return setOpen(null);
    const detail = await api<{ attemptLog: Attempt[] }>('GET', `/api/v1/deliveries/${encodeURIComponent(d.id)}`).catch((err: unknown) => (toast.error(err), null));
    if (detail) setOpen({ id: d.id, attempts: detail.attemptLog });
  };

  if (!webhooks) return <Loading />;
  return (
    <>
      <PageHeader title={t('integrations.title')} subtitle={t('integrations.subtitle')} />
      <section className="card">
        <h2 className="card-title">{t('integrations.webhooks')}</h2>
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
                  <td className="small">{w.eventTypes.join(', ')}</td>
                  <td>
                    {w.enabled ? <Badge tone="green">{t('keys.active')}</Badge> : <Badge tone="red">{t('sources.disabled')}</Badge>}
                    {w.disabledReason && <div className="error-text">{w.disabledReason}</div>}
                    {w.consecutiveFailures > 0 && <div className="caller-sub">{t('integrations.failures', { n: w.consecutiveFailures })}</div>}
                  </td>
                  <td className="num">
                    {!w.enabled && (
                      <button className="btn btn-small" type="button" onClick={() => void act('POST', `/api/v1/webhooks/${encodeURIComponent(w.id)}/enable`)}>
                        {t('integrations.enable')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <div className="card-head">
          <h2 className="card-title">{t('integrations.deliveries')}</h2>
          <div className="segmented segmented-light" role="group">
            {STATES.map((s) => (
              <button key={s} type="button" className={s === state ? 'on' : ''} aria-pressed={s === state} onClick={() => setState(s)}>
                {s ? t(`delivery.${s}`) : t('journal.any')}
              </button>
            ))}
          </div>
          {state === 'dead' && (deliveries?.length ?? 0) > 0 && (
            <button className="btn btn-small" type="button" onClick={() => void act('POST', '/api/v1/deliveries/replay', {})}>
              {t('integrations.replayAll')}
            </button>
          )}
        </div>
        {deliveries === null ? (
          <Loading />
        ) : deliveries.length === 0 ? (
          <Empty>{t('integrations.noDeliveries')}</Empty>
        ) : (
          <table className="table table-clickable" data-testid="deliveries">
            <thead>
              <tr>
                <th>{t('col.time')}</th>
                <th>{t('integrations.event')}</th>
                <th>{t('integrations.to')}</th>
                <th>{t('col.state')}</th>
                <th>{t('integrations.lastResult')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <Fragment key={d.id}>
                  <tr onClick={() => void toggle(d)}>
                    <td className="tabular nowrap">{fmt.dateTime(d.createdAt)}</td>
                    <td className="mono">{d.eventType}</td>
                    <td>{names.get(d.endpointId) ?? d.endpointId}</td>
                    <td>
                      <Badge tone={STATE_TONE[d.state]}>{t(`delivery.${d.state}`)}</Badge> <span className="muted small">×{d.attempts}</span>
                    </td>
                    <td>
                      {d.lastStatus !== null && <span className="mono">HTTP {d.lastStatus} </span>}
                      {d.lastError && <span className="error-text">{d.lastError}</span>}
                      {d.nextAttemptAt && <div className="caller-sub">{t('integrations.next', { at: fmt.dateTime(d.nextAttemptAt) })}</div>}
                    </td>
                    <td className="num" onClick={(e) => e.stopPropagation()}>
                      {d.callId && (
                        <Link to={`/journal/${encodeURIComponent(d.callId)}`} className="btn btn-small">
                          {t('call.title')}
                        </Link>
                      )}
                      {(d.state === 'dead' || d.state === 'delivered') && (
                        <button className="btn btn-small" type="button" onClick={() => void act('POST', `/api/v1/deliveries/${encodeURIComponent(d.id)}/replay`)}>
                          {t('integrations.replay')}
                        </button>
                      )}
                    </td>
                  </tr>
                  {open?.id === d.id && (
                    <tr className="attempts">
                      <td colSpan={6}>
                        <table className="table table-compact" data-testid="attempts">
                          <tbody>
                            {open.attempts.map((a) => (
                              <tr key={a.n}>
                                <td className="mono">#{a.n}</td>
                                <td className="tabular">{fmt.dateTime(a.at)}</td>
                                <td>{a.outcome}</td>
                                <td className="mono">{a.status ?? '–'}</td>
                                <td className="mono">{a.durationMs} ms</td>
                                <td className="error-text">{a.error}</td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {employee && employee.method !== 'off' && (
        <section className="card">
          <h2 className="card-title">{t('integrations.employee')}</h2>
          <dl className="facts">
            <div>
              <dt>{t('integrations.method')}</dt>
              <dd>{employee.method}</dd>
            </div>
            {Object.entries(employee.urls).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd className="mono small">{v || '–'}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
    </>
  );
}
