/** One call: who, when, how long; its legs, the transfer chain and every event in order. */
import { useEffect, useState, type ReactNode } from 'react';
import { api, type CallDetail } from '../api.ts';
import { ActionButtons } from '../action-buttons.tsx';
import { Badge, CallerCell, DirectionIcon, Empty, Loading, OutcomeBadge, PageHeader, type Tone } from '../components.tsx';
import { Link } from '../router.tsx';
import { useApp } from '../session.tsx';

type Delivery = { id: string; eventType: string; state: string; attempts: number; lastStatus: number | null; lastError: string | null; createdAt: string };
const DELIVERY_TONE: Record<string, Tone> = { pending: 'amber', delivering: 'blue', delivered: 'green', dead: 'red' };

export function CallDetailPage({ id }: { id: string }) {
  const { t, fmt, session } = useApp();
  const [call, setCall] = useState<CallDetail | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<CallDetail>('GET', `/api/v1/calls/${encodeURIComponent(id)}`).then(setCall, (err: Error) => setError(err.message));
    // What the call caused (webhooks, CRM, server-side actions); only admins may read deliveries.
    if (session.role === 'admin') api<{ items: Delivery[] }>('GET', `/api/v1/calls/${encodeURIComponent(id)}/deliveries`).then((r) => setDeliveries(r.items), () => {});
  }, [id, session.role]);

  if (error) return <Empty>{error}</Empty>;
  if (!call) return <Loading />;
  const when = (iso: string | null) => (iso ? fmt.dateTime(iso) : '–');
  const facts: [string, ReactNode][] = [
    [t('col.direction'), t(`direction.${call.direction}`)],
    [t('col.from'), fmt.phone(call.from, t('call.withheld'))],
    [t('col.to'), fmt.phone(call.to, t('call.withheld'))],
    [t('col.queue'), call.queue ?? '–'],
    [t('call.answeredBy'), call.answeredBy ?? '–'],
    [t('call.started'), when(call.startedAt)],
    [t('call.answered'), when(call.answeredAt)],
    [t('call.ended'), when(call.endedAt)],
    [t('col.ring'), fmt.duration(call.ringSeconds)],
    [t('col.talk'), fmt.duration(call.talkSeconds)],
  ];

  return (
    <>
      <p>
        <Link to="/journal" className="back">
          ← {t('call.back')}
        </Link>
      </p>
      <PageHeader
        title={call.caller?.name ?? fmt.phone(call.direction === 'outbound' ? call.to : call.from, t('call.withheld'))}
        subtitle={call.caller?.company ?? undefined}
        actions={
          <>
            <ActionButtons callId={call.id} className="header-actions" />
            <OutcomeBadge call={call} />
          </>
        }
      />
      <div className="grid-2">
        <section className="card">
          <div className="with-icon detail-caller">
            <DirectionIcon call={call} />
            <CallerCell call={call} />
          </div>
          <dl className="facts">
            {facts.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="card">
          <h2 className="card-title">{t('call.transfers')}</h2>
          {call.transfers.length === 0 ? (
            <p className="muted">{t('call.noTransfers')}</p>
          ) : (
            <ol className="chain">
              {call.transfers.map((x, i) => (
                <li key={i}>
                  <span className="mono">{x.from ?? '?'}</span> → <span className="mono">{x.to}</span> <Badge>{x.type}</Badge> <span className="muted small">{fmt.time(x.at)}</span>
                </li>
              ))}
            </ol>
          )}
          <h2 className="card-title">{t('call.legs')}</h2>
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t('col.extension')}</th>
                <th>{t('call.started')}</th>
                <th>{t('call.answered')}</th>
                <th>{t('call.ended')}</th>
                <th>{t('call.cause')}</th>
              </tr>
            </thead>
            <tbody>
              {call.legs.map((leg) => (
                <tr key={leg.id}>
                  <td className="mono">{leg.extension ?? '–'}</td>
                  <td className="mono">{fmt.time(leg.startedAt)}</td>
                  <td className="mono">{leg.answeredAt ? fmt.time(leg.answeredAt) : '–'}</td>
                  <td className="mono">{leg.endedAt ? fmt.time(leg.endedAt) : '–'}</td>
                  <td>{leg.cause ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section className="card">
        <h2 className="card-title">{t('call.timeline')}</h2>
        <ol className="timeline" data-testid="timeline">
          {call.events.map((e) => (
            <li key={e.seq} className={`timeline-${e.type.replace('call.', '')}`}>
              <span className="mono muted">{fmt.time(e.at)}</span>
              <strong>{e.type}</strong>
              {e.extension && <span className="mono">{e.extension}</span>}
              {e.transferTo && <span className="mono">→ {e.transferTo}</span>}
              {e.cause && <Badge>{e.cause}</Badge>}
              <span className="muted small">
                {e.source} · {e.effect}
              </span>
            </li>
          ))}
        </ol>
      </section>
      {deliveries.length > 0 && (
        <section className="card">
          <h2 className="card-title">{t('integrations.deliveries')}</h2>
          <table className="table table-compact" data-testid="call-deliveries">
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td className="tabular nowrap">{fmt.dateTime(d.createdAt)}</td>
                  <td className="mono">{d.eventType}</td>
                  <td>
                    <Badge tone={DELIVERY_TONE[d.state] ?? 'neutral'}>{t(`delivery.${d.state as 'pending'}`)}</Badge> <span className="muted small">×{d.attempts}</span>
                  </td>
                  <td>
                    {d.lastStatus !== null && <span className="mono">HTTP {d.lastStatus} </span>}
                    {d.lastError && <span className="error-text">{d.lastError}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small">
            <Link to="/integrations">{t('nav.integrations')} →</Link>
          </p>
        </section>
      )}
    </>
  );
}
