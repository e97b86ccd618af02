/**
 * CRM connections: the list, adding one from a preset, edit, delete, and per connection its test
 * (dry-run lookup, journaling preview) and extension mappings, opened below the row.
 */
import { Fragment, useCallback, useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { Badge, Empty } from '../../components.tsx';
import { useApp } from '../../session.tsx';
import { confirmDelete, useToast } from '../../toasts.tsx';
import { CrmEditor, PRESETS, type CrmConnection, type CrmType } from './crm-editor.tsx';
import { CrmTest } from './crm-test.tsx';
import { CrmMappings } from './crm-tools.tsx';

type Editing = { connection: CrmConnection | null; preset: (typeof PRESETS)[number] };

export function CrmCard() {
  const { t } = useApp();
  const toast = useToast();
  const [items, setItems] = useState<CrmConnection[]>([]);
  const [types, setTypes] = useState<CrmType[]>([]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = useCallback(() => {
    api<{ items: CrmConnection[]; types: CrmType[] }>('GET', '/api/v1/crm/connections').then((r) => {
      setItems(r.items);
      setTypes(r.types);
    }, toast.error);
  }, [toast]);
  useEffect(load, [load]);

  const remove = async (c: CrmConnection) => {
    if (await confirmDelete(toast, t('crm.confirmDelete', { name: c.name }), `/api/v1/crm/connections/${encodeURIComponent(c.id)}`)) load();
  };
  const presetOf = (c: CrmConnection) => PRESETS.find((p) => p.type === c.type && p.preset === c.options.preset) ?? PRESETS[PRESETS.length - 1];

  return (
    <section className="card">
      <div className="card-head">
        <h2 className="card-title">{t('crm.title')}</h2>
        <div className="preset-buttons" role="group" aria-label={t('crm.add')}>
          <span className="muted small">{t('crm.add')}</span>
          {PRESETS.map((p) => (
            // Until the CRM types are here the editor could not fill in the preset (as on the sources page).
            <button key={p.id} className="btn btn-small" type="button" onClick={() => setEditing({ connection: null, preset: p })} disabled={types.length === 0}>
              {p.title}
            </button>
          ))}
        </div>
      </div>
      {editing && (
        <CrmEditor
          connection={editing.connection}
          preset={editing.preset}
          types={types}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            load();
          }}
        />
      )}
      {items.length === 0 ? (
        <Empty>{t('crm.empty')}</Empty>
      ) : (
        <table className="table" data-testid="crm">
          <tbody>
            {items.map((c) => (
              <Fragment key={c.id}>
                <tr>
                  <td>
                    <div className="caller-name">{c.name}</div>
                    <div className="caller-sub">{presetOf(c).title}</div>
                  </td>
                  <td>
                    {c.enabled ? <Badge tone="green">{t('keys.active')}</Badge> : <Badge>{t('sources.disabled')}</Badge>} {c.lookup && <Badge tone="blue">{t('crm.lookup')}</Badge>}{' '}
                    {c.journal.enabled && <Badge tone="violet">{t('crm.journal')}</Badge>}
                  </td>
                  <td className="num">
                    <button className="btn btn-small" type="button" aria-expanded={open === c.id} onClick={() => setOpen(open === c.id ? null : c.id)}>
                      {t('crm.test')}
                    </button>
                    <button className="btn btn-small" type="button" onClick={() => setEditing({ connection: c, preset: presetOf(c) })}>
                      {t('common.edit')}
                    </button>
                    <button className="btn btn-small btn-danger" type="button" onClick={() => void remove(c)}>
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
                {open === c.id && (
                  <tr className="attempts">
                    <td colSpan={3}>
                      <div className="grid-2">
                        <CrmTest connection={c} />
                        <CrmMappings connection={c} />
                      </div>
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
