/**
 * PBX connections Callbridge opens itself (Asterisk AMI …): the state of each, when it last heard an
 * event, the last problem in plain words, and a click-to-dial test from one extension to a number.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { Badge, Empty, Loading, PageHeader, type Tone } from '../components.tsx';
import { useConnectorTexts } from '../i18n/connector-texts.ts';
import { useApp } from '../session.tsx';
import { confirmDelete, useToast } from '../toasts.tsx';
import { ConnectionEditor, type ConnectorType, type EditableConnection } from './connection-editor.tsx';

type Connection = EditableConnection & {
  capabilities: { clickToDial: boolean } | null;
  status: { state: string; connectedSince: string | null; lastEventAt: string | null; lastError: string | null; eventsReceived: number } | null;
};

const TONE: Record<string, Tone> = { connected: 'green', connecting: 'amber', starting: 'amber', disconnected: 'red', failed: 'red', stopped: 'neutral' };

export function ConnectionsPage() {
  const { t, fmt, session } = useApp();
  const texts = useConnectorTexts();
  const toast = useToast();
  const [items, setItems] = useState<Connection[] | null>(null);
  const [types, setTypes] = useState<ConnectorType[]>([]);
  // null: no editor open; 'new': adding one.
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const [version, setVersion] = useState(0);
  const [dial, setDial] = useState<{ connectorId: string; extension: string; number: string }>({ connectorId: '', extension: session.user.extension, number: '' });

  useEffect(() => {
    const load = () =>
      api<{ items: Connection[]; types: ConnectorType[] }>('GET', '/api/v1/connectors').then((r) => {
        setItems(r.items);
        setTypes(r.types);
      }, toast.error);
    void load();
    // Connections come and go by themselves; the states follow without a reload.
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [toast, version]);

  const dialers = (items ?? []).filter((c) => c.enabled && c.capabilities?.clickToDial);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/calls/dial', { extension: dial.extension.trim(), number: dial.number.trim(), ...(dial.connectorId ? { connectorId: dial.connectorId } : {}) });
      toast.success(t('connections.dialed', { ext: dial.extension }));
    } catch (err) {
      toast.error(err);
    }
  };

  const remove = async (c: Connection) => {
    if (await confirmDelete(toast, t('connections.confirmDelete', { name: c.name }), `/api/v1/connectors/${encodeURIComponent(c.id)}`, t('connections.deleted'))) setVersion((v) => v + 1);
  };
  const saved = () => {
    setEditing(null);
    setVersion((v) => v + 1);
  };

  if (!items) return <Loading />;
  return (
    <>
      <PageHeader
        title={t('connections.title')}
        subtitle={t('connections.subtitle')}
        actions={
          <button className="btn btn-primary" type="button" onClick={() => setEditing('new')} disabled={types.length === 0}>
            {t('connections.add')}
          </button>
        }
      />
      {editing && <ConnectionEditor connection={editing === 'new' ? null : editing} types={types} onClose={() => setEditing(null)} onSaved={saved} />}
      <section className="card">
        {items.length === 0 ? (
          <Empty>{t('connections.empty')}</Empty>
        ) : (
          <table className="table" data-testid="connections">
            <thead>
              <tr>
                <th>{t('col.name')}</th>
                <th>{t('col.state')}</th>
                <th>{t('connections.lastEvent')}</th>
                <th className="num">{t('connections.events')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => {
                const state = c.enabled ? (c.status?.state ?? 'starting') : 'stopped';
                return (
                  <tr key={c.id}>
                    <td>
                      <div className="caller-name">{c.name}</div>
                      <div className="caller-sub">{texts.typeName('pbx', c.type)}</div>
                    </td>
                    <td>
                      <Badge tone={TONE[state] ?? 'neutral'}>{t(`connections.state.${state as 'connected'}`)}</Badge>
                      {c.status?.lastError && state !== 'connected' && <div className="error-text">{c.status.lastError}</div>}
                    </td>
                    <td className="tabular">{c.status?.lastEventAt ? fmt.dateTime(c.status.lastEventAt) : '–'}</td>
                    <td className="num tabular">{fmt.count(c.status?.eventsReceived ?? 0)}</td>
                    <td className="num">
                      <button className="btn btn-small" type="button" onClick={() => setEditing(c)}>
                        {t('common.edit')}
                      </button>
                      <button className="btn btn-small btn-danger" type="button" onClick={() => void remove(c)}>
                        {t('common.delete')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {dialers.length > 0 && (
        <form className="card filters" onSubmit={submit}>
          <h2 className="card-title" style={{ flexBasis: '100%' }}>
            {t('connections.dialTest')}
          </h2>
          <label className="field">
            <span>{t('connections.connection')}</span>
            <select value={dial.connectorId} onChange={(e) => setDial({ ...dial, connectorId: e.target.value })}>
              <option value="">{t('connections.firstConnected')}</option>
              {dialers.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-narrow">
            <span>{t('col.extension')}</span>
            <input value={dial.extension} onChange={(e) => setDial({ ...dial, extension: e.target.value })} required pattern="[0-9*#]{1,32}" />
          </label>
          <label className="field">
            <span>{t('journal.number')}</span>
            <input value={dial.number} onChange={(e) => setDial({ ...dial, number: e.target.value })} required inputMode="tel" />
          </label>
          <div className="filter-buttons">
            <button className="btn btn-primary" type="submit">
              {t('connections.dial')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
