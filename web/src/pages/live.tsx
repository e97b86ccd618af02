/**
 * Live calls: what rings and who talks now, updated by the call stream without reloading; below, the
 * calls that ended in the last minutes. The first picture comes from the journal.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, type Call } from '../api.ts';
import { useCallStream } from '../call-stream.ts';
import { Badge, CallerCell, DirectionIcon, Empty, OutcomeBadge, PageHeader, StateBadge } from '../components.tsx';
import { secondsSince } from '../format.ts';
import { Link } from '../router.tsx';
import { useApp } from '../session.tsx';

const RECENT = 8;

export function LivePage() {
  const { t, fmt } = useApp();
  const [calls, setCalls] = useState<Map<string, Call>>(new Map());
  const [, tick] = useState(0);

  useEffect(() => {
    const list = (state: string, limit: number) => api<{ items: Call[] }>('GET', `/api/v1/calls?state=${state}&limit=${limit}`).then((r) => r.items);
    Promise.all([list('ringing', 100), list('answered', 100), list('ended', RECENT)]).then((groups) =>
      setCalls((current) => {
        const next = new Map(current);
        // Changes that arrived by stream while the journal answered are newer: keep them.
        for (const call of groups.flat()) if ((next.get(call.id)?.version ?? -1) < call.version) next.set(call.id, call);
        return next;
      }),
    );
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);

  const status = useCallStream((_type, call) =>
    setCalls((current) => {
      if ((current.get(call.id)?.version ?? -1) >= call.version) return current;
      const next = new Map(current);
      next.set(call.id, call);
      return next;
    }),
  );

  const { active, ended } = useMemo(() => {
    const all = [...calls.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return { active: all.filter((c) => c.state !== 'ended'), ended: all.filter((c) => c.state === 'ended').slice(0, RECENT) };
  }, [calls]);

  return (
    <>
      <PageHeader
        title={t('live.title')}
        subtitle={t('live.subtitle')}
        actions={<Badge tone={status === 'live' ? 'green' : 'amber'}>{status === 'live' ? `● ${t('live.connected')}` : t('live.reconnecting')}</Badge>}
      />
      <section className="card">
        {active.length === 0 ? (
          <Empty>{t('live.empty')}</Empty>
        ) : (
          <table className="table" data-testid="live-calls">
            <thead>
              <tr>
                <th>{t('col.state')}</th>
                <th>{t('col.caller')}</th>
                <th>{t('col.extension')}</th>
                <th>{t('col.queue')}</th>
                <th className="num">{t('col.duration')}</th>
              </tr>
            </thead>
            <tbody>
              {active.map((call) => (
                <tr key={call.id} className={`row-${call.state}`}>
                  <td>
                    <StateBadge call={call} />
                  </td>
                  <td>
                    <div className="with-icon">
                      <DirectionIcon call={call} />
                      <CallerCell call={call} />
                    </div>
                  </td>
                  <td>{extensionsText(call)}</td>
                  <td>{call.queue ?? '–'}</td>
                  <td className="num mono">{fmt.duration(secondsSince(call.answeredAt ?? call.startedAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {ended.length > 0 && (
        <section className="card">
          <h2 className="card-title">{t('live.recent')}</h2>
          <table className="table">
            <tbody>
              {ended.map((call) => (
                <tr key={call.id}>
                  <td className="tabular muted nowrap">{new Date(call.startedAt).toDateString() === new Date().toDateString() ? fmt.time(call.startedAt) : fmt.dateTime(call.startedAt)}</td>
                  <td>
                    <div className="with-icon">
                      <DirectionIcon call={call} />
                      <Link to={`/journal/${encodeURIComponent(call.id)}`} className="plain">
                        <CallerCell call={call} />
                      </Link>
                    </div>
                  </td>
                  <td>{extensionsText(call)}</td>
                  <td>
                    <OutcomeBadge call={call} />
                  </td>
                  <td className="num mono">{fmt.duration(call.talkSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

/** Who has the call: the answering extension, or the ones ringing; transfers show as a chain. */
export function extensionsText(call: Call): string {
  if (call.transfers.length) return [call.answeredBy ?? call.transfers[0].from, ...call.transfers.map((x) => x.to)].filter(Boolean).join(' → ');
  if (call.answeredBy) return call.answeredBy;
  return call.extensionsRang.join(', ') || call.extension || '–';
}
