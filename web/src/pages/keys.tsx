/** API keys for machines: list, create (shown once), revoke. */
import { useEffect, useState, type FormEvent } from 'react';
import { api, type ApiKey } from '../api.ts';
import { Badge, Empty, Loading, PageHeader } from '../components.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

const ROLES = ['ingest', 'agent', 'admin'] as const;

export function KeysPage() {
  const { t, fmt } = useApp();
  const toast = useToast();
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [version, setVersion] = useState(0);
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('ingest');
  const [extension, setExtension] = useState('');
  const [created, setCreated] = useState<string | null>(null);

  useEffect(() => {
    api<{ items: ApiKey[] }>('GET', '/api/v1/keys').then((r) => setKeys(r.items), toast.error);
  }, [version, toast]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const body = { name: name.trim(), role, ...(role === 'agent' && extension.trim() ? { extension: extension.trim() } : {}) };
      const r = await api<ApiKey & { key: string }>('POST', '/api/v1/keys', body);
      setCreated(r.key);
      setName('');
      setExtension('');
      setVersion((v) => v + 1);
    } catch (err) {
      toast.error(err);
    }
  };
  const revoke = async (k: ApiKey) => {
    try {
      await api('DELETE', `/api/v1/keys/${encodeURIComponent(k.id)}`);
      setVersion((v) => v + 1);
    } catch (err) {
      toast.error(err);
    }
  };
  const roleLabel = (r: string) => (r === 'ingest' ? t('keys.role.ingest') : r === 'admin' ? t('role.admin') : t('role.agent'));

  return (
    <>
      <PageHeader title={t('keys.title')} subtitle={t('keys.subtitle')} />
      <form className="card filters" onSubmit={create}>
        <label className="field grow">
          <span>{t('col.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="PBX webhook" />
        </label>
        <label className="field">
          <span>{t('col.keyRole')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        {role === 'agent' && (
          <label className="field field-narrow">
            <span>{t('col.extension')}</span>
            <input value={extension} onChange={(e) => setExtension(e.target.value)} pattern="[0-9*#+]{1,32}" />
          </label>
        )}
        <div className="filter-buttons">
          <button className="btn btn-primary" type="submit">
            {t('keys.create')}
          </button>
        </div>
      </form>
      {created && (
        <div className="alert alert-success">
          <div>{t('keys.created')}</div>
          <code className="secret">{created}</code>
          <button className="btn btn-small" type="button" onClick={() => setCreated(null)}>
            {t('common.close')}
          </button>
        </div>
      )}
      <section className="card">
        {keys === null ? (
          <Loading />
        ) : keys.length === 0 ? (
          <Empty>–</Empty>
        ) : (
          <table className="table" data-testid="keys">
            <thead>
              <tr>
                <th>{t('col.name')}</th>
                <th>{t('col.keyRole')}</th>
                <th>{t('col.prefix')}</th>
                <th>{t('col.created')}</th>
                <th>{t('col.lastUsed')}</th>
                <th>{t('col.state')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} className={k.revokedAt ? 'row-muted' : ''}>
                  <td>{k.name}</td>
                  <td>
                    {roleLabel(k.role)}
                    {k.extension && <span className="muted"> · {k.extension}</span>}
                  </td>
                  <td className="mono">cb_{k.prefix}_…</td>
                  <td className="nowrap tabular">{fmt.dateTime(k.createdAt)}</td>
                  <td className="nowrap">{k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : t('keys.never')}</td>
                  <td>{k.revokedAt ? <Badge tone="red">{t('keys.revoked')}</Badge> : <Badge tone="green">{t('keys.active')}</Badge>}</td>
                  <td className="num">
                    {!k.revokedAt && (
                      <button className="btn btn-small btn-danger" type="button" onClick={() => void revoke(k)}>
                        {t('keys.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
