/**
 * The employee integration: up to four URLs of another system Callbridge calls when a phone rings,
 * an outgoing call starts, a call is answered and a call ends (docs/employee-integration.md); an
 * empty URL switches that request off. GET/PUT /api/v1/integrations/employee.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useApp } from '../../session.tsx';
import { useToast } from '../../toasts.tsx';

const MOMENTS = ['incoming', 'outgoing', 'answered', 'ended'] as const;
type Moment = (typeof MOMENTS)[number];
type Employee = { method: 'GET' | 'POST'; accountId: string | null; urls: Record<Moment, string> };

export function EmployeeCard() {
  const { t } = useApp();
  const toast = useToast();
  const [value, setValue] = useState<Employee | null>(null);

  useEffect(() => {
    api<Employee>('GET', '/api/v1/integrations/employee').then(setValue, toast.error);
  }, [toast]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!value) return;
    try {
      const urls = Object.fromEntries(MOMENTS.map((m) => [m, value.urls[m].trim()])) as Record<Moment, string>;
      setValue(await api<Employee>('PUT', '/api/v1/integrations/employee', { method: value.method, accountId: value.accountId?.trim() || null, urls }));
      toast.success(t('common.saved'));
    } catch (err) {
      toast.error(err);
    }
  };

  if (!value) return null;
  return (
    <form className="card" onSubmit={save} aria-label={t('integrations.employee')}>
      <h2 className="card-title">{t('integrations.employee')}</h2>
      <p className="muted small">{t('employee.help')}</p>
      <div className="form-grid">
        <label className="field">
          <span>{t('integrations.method')}</span>
          <select name="method" value={value.method} onChange={(e) => setValue({ ...value, method: e.target.value as Employee['method'] })}>
            <option value="GET">GET</option>
            <option value="POST">POST</option>
          </select>
        </label>
        <label className="field">
          <span>{t('employee.accountId')}</span>
          <input name="accountId" value={value.accountId ?? ''} onChange={(e) => setValue({ ...value, accountId: e.target.value })} maxLength={200} placeholder={t('employee.accountIdHint')} />
        </label>
        {MOMENTS.map((m) => (
          <label className="field" key={m}>
            <span>{t(`employee.${m}`)}</span>
            <input name={`url-${m}`} type="url" value={value.urls[m]} onChange={(e) => setValue({ ...value, urls: { ...value.urls, [m]: e.target.value } })} maxLength={2000} placeholder={t('employee.off')} />
          </label>
        ))}
      </div>
      <div className="modal-actions">
        <button className="btn btn-primary" type="submit">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
