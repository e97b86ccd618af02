/** A CRM connection's extension → CRM user mappings (its test: crm-test.tsx). */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';
import type { CrmConnection } from './crm-editor.tsx';

type Mapping = { extension: string; crmUserId: string; logCalls: 'answered' | 'lost' | 'both' };

export function CrmMappings({ connection }: { connection: CrmConnection }) {
  const { t } = useApp();
  const toast = useToast();
  const [rows, setRows] = useState<Mapping[] | null>(null);
  const path = `/api/v1/crm/connections/${encodeURIComponent(connection.id)}/mappings`;

  useEffect(() => {
    api<{ items: Mapping[] }>('GET', path).then((r) => setRows(r.items), toast.error);
  }, [path, toast]);

  const set = (i: number, patch: Partial<Mapping>) => setRows((all) => all!.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await api<{ items: Mapping[] }>('PUT', path, rows!.filter((m) => m.extension.trim() && m.crmUserId.trim()));
      setRows(r.items);
      toast.success(t('common.saved'));
    } catch (err) {
      toast.error(err);
    }
  };

  if (!rows) return null;
  return (
    <form className="crm-tools" onSubmit={save} data-testid="crm-mappings">
      <h3 className="card-title">{t('crm.mappings')}</h3>
      {rows.map((m, i) => (
        <div className="form-row" key={i}>
          <input aria-label={t('col.extension')} className="field-narrow" value={m.extension} onChange={(e) => set(i, { extension: e.target.value })} placeholder="201" />
          <input aria-label={t('crm.crmUser')} className="grow" value={m.crmUserId} onChange={(e) => set(i, { crmUserId: e.target.value })} placeholder={t('crm.crmUser')} />
          <select aria-label={t('crm.logCalls')} value={m.logCalls} onChange={(e) => set(i, { logCalls: e.target.value as Mapping['logCalls'] })}>
            {(['both', 'answered', 'lost'] as const).map((v) => (
              <option key={v} value={v}>
                {t(`crm.log.${v}`)}
              </option>
            ))}
          </select>
          <button className="btn btn-small btn-ghost" type="button" aria-label={t('common.delete')} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <div className="modal-actions">
        <button className="btn btn-small" type="button" onClick={() => setRows([...rows, { extension: '', crmUserId: '', logCalls: 'both' }])}>
          {t('crm.addMapping')}
        </button>
        <button className="btn btn-small btn-primary" type="submit">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
