/**
 * Actions: what opens or is called when a call rings, is answered or ends — the list with enable
 * switch and favourite star, and the editor with a live preview of its templates against a real call
 * from the journal or a sample call.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Badge, Empty, Loading, PageHeader } from '../components.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';
import { AutoRunSwitch } from '../auto-run.tsx';
import { ActionEditor, type Action } from './action-editor.tsx';

export function ActionsPage() {
  const { t, session } = useApp();
  const toast = useToast();
  const [actions, setActions] = useState<Action[] | null>(null);
  const [editing, setEditing] = useState<Action | 'new' | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api<{ items: Action[] }>('GET', '/api/v1/actions').then((r) => setActions(r.items), toast.error);
  }, [version, toast]);

  const change = async (a: Action, patch: Partial<Action>) => {
    try {
      await api('PATCH', `/api/v1/actions/${encodeURIComponent(a.id)}`, patch);
      setVersion((v) => v + 1);
    } catch (err) {
      toast.error(err);
    }
  };
  const favourite = async (a: Action) => {
    try {
      await api('POST', `/api/v1/actions/${encodeURIComponent(a.id)}/favourite`, {});
      setVersion((v) => v + 1);
    } catch (err) {
      toast.error(err);
    }
  };
  const triggerText = (a: Action) =>
    a.trigger.mode === 'manual'
      ? t('actions.manual')
      : `${t(`actions.dir.${a.trigger.direction}`)} · ${a.trigger.results.map((r) => t(`actions.result.${r}`)).join(', ')} · ${a.trigger.callTypes.map((c) => t(`actions.type.${c}`)).join(', ')}`;

  if (!actions) return <Loading />;
  return (
    <>
      <PageHeader
        title={t('actions.title')}
        subtitle={t('actions.subtitle')}
        actions={
          <>
            <AutoRunSwitch />
            <button className="btn btn-primary" type="button" onClick={() => setEditing('new')}>
              + {t('actions.new')}
            </button>
          </>
        }
      />
      <section className="card">
        {actions.length === 0 ? (
          <Empty>{t('actions.empty')}</Empty>
        ) : (
          <table className="table" data-testid="actions">
            <thead>
              <tr>
                <th style={{ width: 40 }} />
                <th>{t('col.name')}</th>
                <th>{t('actions.trigger')}</th>
                <th>{t('actions.enabled')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {actions.map((a) => (
                <tr key={a.id} className={a.enabled ? '' : 'row-muted'}>
                  <td>
                    {/* Agents star any action they see; an admin's favourite is the owner's (tenant-wide ones name a user via the API). */}
                    {session.role === 'agent' || a.ownerUserId !== null || a.favourite ? (
                      <button type="button" className={`star${a.favourite ? ' on' : ''}`} aria-pressed={a.favourite} aria-label={t('actions.favourite')} title={t('actions.favourite')} onClick={() => void favourite(a)}>
                        {a.favourite ? '★' : '☆'}
                      </button>
                    ) : null}
                  </td>
                  <td>
                    <div className="caller-name">{a.name}</div>
                    <div className="caller-sub mono">{a.target.type === 'url' ? a.target.url : `${a.target.command} ${a.target.args.join(' ')}`}</div>
                  </td>
                  <td>
                    <div>{triggerText(a)}</div>
                    <div className="caller-sub">
                      {a.execution === 'server' ? t('actions.server') : t('actions.client')}
                      {a.ownerUserId === null && <> · {t('actions.tenantWide')}</>}
                    </div>
                  </td>
                  <td>
                    <label className="switch">
                      <input type="checkbox" checked={a.enabled} onChange={(e) => void change(a, { enabled: e.target.checked })} aria-label={t('actions.enabled')} />
                      <span />
                    </label>
                  </td>
                  <td className="num">
                    {a.target.type === 'url' ? (
                      <button className="btn btn-small" type="button" onClick={() => setEditing(a)}>
                        {t('phonebook.edit')}
                      </button>
                    ) : (
                      <Badge>{t('actions.application')}</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {editing && (
        <ActionEditor
          action={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setVersion((v) => v + 1);
            toast.success(t('actions.saved'));
          }}
        />
      )}
    </>
  );
}
