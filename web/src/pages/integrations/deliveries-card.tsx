/**
 * Every delivery with its per-attempt log (click a row), filtered by state; dead letters can be sent
 * again one by one, the ticked ones, or all at once. Deliveries move on by themselves (retries, the
 * worker), so the list follows every few seconds.
 */
import { Fragment, useEffect, useState } from 'react';
import { api, query } from '../../api.ts';
import { Badge, Empty, Loading, type Tone } from '../../components.tsx';
import { Link } from '../../router.tsx';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';

type Delivery = { id: string; endpointId: string; eventType: string; callId: string | null; state: 'pending' | 'delivering' | 'delivered' | 'dead'; attempts: number; nextAttemptAt: string | null; lastStatus: number | null; lastError: string | null; createdAt: string };
type Attempt = { n: number; at: string; outcome: string; status: number | null; durationMs: number; error: string | null };

const STATES = ['', 'pending', 'delivered', 'dead'] as const;
const STATE_TONE: Record<Delivery['state'], Tone> = { pending: 'amber', delivering: 'blue', delivered: 'green', dead: 'red' };

export function DeliveriesCard({ names }: { names: Map<string, string> }) {
  const { t, fmt } = useApp();
  const toast = useToast();
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [state, setState] = useState<(typeof STATES)[number]>('');
  const [open, setOpen] = useState<{ id: string; attempts: Attempt[] } | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 4000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    // An answer that arrives after the tab changed (or a newer request went out) is dropped: it would
    // show another tab's rows until the next poll.
    let current = true;
    api<{ items: Delivery[] }>('GET', `/api/v1/deliveries${query({ state, limit: 100 })}`).then((r) => current && setDeliveries(r.items), (err: unknown) => current && toast.error(err));
    return () => {
      current = false;
    };
  }, [state, version, toast]);
  // The attempt log of the open row follows too: a replayed delivery gains attempts while it is open.
  useEffect(() => {
    if (!open) return;
    api<{ attemptLog: Attempt[] }>('GET', `/api/v1/deliveries/${encodeURIComponent(open.id)}`).then(
      (d) => setOpen((o) => (o && o.id === open.id && d.attemptLog.length !== o.attempts.length ? { id: o.id, attempts: d.attemptLog } : o)),
      () => {},
    );
  }, [version]); // eslint-disable-line react-hooks/exhaustive-deps

  const replay = async (ids: string[] | 'all') => {
    try {
      if (ids === 'all') await api('POST', '/api/v1/deliveries/replay', {});
      else for (const id of ids) await api('POST', `/api/v1/deliveries/${encodeURIComponent(id)}/replay`);
      toast.success(t('deliveries.replayed'));
    } catch (err) {
      toast.error(err);
    }
    setPicked(new Set());
    setVersion((v) => v + 1);
  };
  const toggle = async (d: Delivery) => {
    if (open?.id === d.id) return setOpen(null);
    const detail = await api<{ attemptLog: Attempt[] }>('GET', `/api/v1/deliveries/${encodeURIComponent(d.id)}`).catch((err: unknown) => (toast.error(err), null));
    if (detail) setOpen({ id: d.id, attempts: detail.attemptLog });
  };
  const pick = (id: string, on: boolean) => setPicked((p) => (on ? new Set(p).add(id) : new Set([...p].filter((x) => x !== id))));
  const dead = state === 'dead' && (deliveries?.length ?? 0) > 0;

  return (
    <section className="card">
      <div className="card-head">
        <h2 className="card-title">{t('integrations.deliveries')}</h2>
        <div className="segmented segmented-light" role="group">
          {STATES.map((s) => (
            <button key={s} type="button" className={s === state ? 'on' : ''} aria-pressed={s === state} onClick={() => (setState(s), setPicked(new Set()), setOpen(null))}>
              {s ? t(`delivery.${s}`) : t('journal.any')}
            </button>
          ))}
        </div>
        {dead && picked.size > 0 && (
          <button className="btn btn-small" type="button" onClick={() => void replay([...picked])}>
            {t('deliveries.replayPicked', { n: picked.size })}
          </button>
        )}
        {dead && (
          <button className="btn btn-small" type="button" onClick={() => void replay('all')}>
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
                  <td className="tabular nowrap">
                    {d.state === 'dead' && (
                      <input type="checkbox" className="row-pick" aria-label={t('deliveries.pick')} checked={picked.has(d.id)} onClick={(e) => e.stopPropagation()} onChange={(e) => pick(d.id, e.target.checked)} />
                    )}
                    {fmt.dateTime(d.createdAt)}
                  </td>
                  <td className="mono">{d.eventType}</td>
                  <td>{names.get(d.endpointId) ?? d.endpointId}</td>
                  <td>
                    <Badge tone={STATE_TONE[d.state]}>{t(`delivery.${d.state}`)}</Badge> <span className="muted small">×{d.attempts}</span>
                  </td>
                  <td>
                    {/* The error names the status already when it is about the answer. */}
                    {d.lastStatus !== null && !d.lastError?.startsWith('HTTP') && <span className="mono">HTTP {d.lastStatus} </span>}
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
                      <button className="btn btn-small" type="button" onClick={() => void replay([d.id])}>
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
  );
}
