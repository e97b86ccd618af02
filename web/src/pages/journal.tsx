/**
 * The journal: every call, newest first, with the API's filters. Filters live in the address, so a
 * filtered view can be reloaded, bookmarked and sent to a colleague.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, query, type Call } from '../api.ts';
import { CallerCell, DirectionIcon, Empty, Loading, OutcomeBadge, PageHeader } from '../components.tsx';
import { navigate, useLocation } from '../router.tsx';
import { useApp } from '../session.tsx';
import { extensionsText } from './live.tsx';

const FILTERS = ['from', 'to', 'direction', 'outcome', 'extension', 'number', 'queue'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** `datetime-local` values are local time without zone; the API wants ISO 8601 instants. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function JournalPage() {
  const { t, fmt } = useApp();
  const { query: q } = useLocation();
  const applied = Object.fromEntries(FILTERS.map((f) => [f, q.get(f) ?? ''])) as Filters;
  const key = FILTERS.map((f) => applied[f]).join('|');
  const [draft, setDraft] = useState<Filters>(applied);
  const [items, setItems] = useState<Call[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (cursor?: string) => {
    const params = { ...applied, from: toIso(applied.from), to: toIso(applied.to), limit: 50, cursor };
    try {
      const page = await api<{ items: Call[]; next: string | null }>('GET', `/api/v1/calls${query(params)}`);
      setItems((current) => (cursor && current ? [...current, ...page.items] : page.items));
      setNext(page.next);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setItems([]);
    }
  };

  useEffect(() => {
    setDraft(applied);
    setItems(null);
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/journal${query(draft)}`);
  };
  const set = (name: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });

  return (
    <>
      <PageHeader title={t('journal.title')} subtitle={t('journal.subtitle')} />
      <form className="card filters" onSubmit={submit}>
        <label className="field field-wide">
          <span>{t('journal.from')}</span>
          <input type="datetime-local" value={draft.from} onChange={set('from')} />
        </label>
        <label className="field field-wide">
          <span>{t('journal.to')}</span>
          <input type="datetime-local" value={draft.to} onChange={set('to')} />
        </label>
        <label className="field">
          <span>{t('col.direction')}</span>
          <select name="direction" value={draft.direction} onChange={set('direction')}>
            <option value="">{t('journal.any')}</option>
            {(['inbound', 'outbound', 'internal'] as const).map((d) => (
              <option key={d} value={d}>
                {t(`direction.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('col.outcome')}</span>
          <select name="outcome" value={draft.outcome} onChange={set('outcome')}>
            <option value="">{t('journal.any')}</option>
            {(['answered', 'missed', 'busy', 'rejected', 'failed'] as const).map((o) => (
              <option key={o} value={o}>
                {t(`outcome.${o}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-narrow">
          <span>{t('col.extension')}</span>
          <input name="extension" value={draft.extension} onChange={set('extension')} inputMode="numeric" />
        </label>
        <label className="field">
          <span>{t('journal.number')}</span>
          <input name="number" value={draft.number} onChange={set('number')} inputMode="tel" />
        </label>
        <label className="field field-narrow">
          <span>{t('col.queue')}</span>
          <input name="queue" value={draft.queue} onChange={set('queue')} />
        </label>
        <div className="filter-buttons">
          <button className="btn btn-primary" type="submit">
            {t('journal.apply')}
          </button>
          <button className="btn btn-ghost" type="button" onClick={() => navigate('/journal')}>
            {t('journal.reset')}
          </button>
        </div>
      </form>
      <section className="card">
        {error && <div className="alert alert-error">{error}</div>}
        {items === null ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>{t('journal.empty')}</Empty>
        ) : (
          <table className="table table-clickable" data-testid="journal">
            <thead>
              <tr>
                <th>{t('col.time')}</th>
                <th>{t('col.caller')}</th>
                <th>{t('col.extension')}</th>
                <th>{t('col.queue')}</th>
                <th>{t('col.outcome')}</th>
                <th className="num">{t('col.ring')}</th>
                <th className="num">{t('col.talk')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((call) => (
                <tr key={call.id} onClick={() => navigate(`/journal/${encodeURIComponent(call.id)}`)}>
                  <td className="tabular nowrap">{fmt.dateTime(call.startedAt)}</td>
                  <td>
                    <div className="with-icon">
                      <DirectionIcon call={call} />
                      <CallerCell call={call} />
                    </div>
                  </td>
                  <td>{extensionsText(call)}</td>
                  <td>{call.queue ?? '–'}</td>
                  <td>
                    <OutcomeBadge call={call} />
                  </td>
                  <td className="num mono">{fmt.duration(call.ringSeconds)}</td>
                  <td className="num mono">{fmt.duration(call.talkSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next && (
          <div className="more">
            <button className="btn" type="button" onClick={() => void load(next)}>
              {t('journal.more')}
            </button>
          </div>
        )}
      </section>
    </>
  );
}
