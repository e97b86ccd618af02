/**
 * The phonebook: search, S/M badges (synced from a source, or manual) and the source, copying a synced
 * entry to an editable manual one, editing manual entries and their switchboard numbers.
 */
import { useEffect, useState } from 'react';
import { api, query, type Contact } from '../api.ts';
import { Badge, Empty, Loading, PageHeader } from '../components.tsx';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';
import { ContactEditor } from './contact-editor.tsx';

export function PhonebookPage() {
  const { t, fmt, session } = useApp();
  const toast = useToast();
  const [q, setQ] = useState('');
  const [items, setItems] = useState<Contact[] | null>(null);
  const [editing, setEditing] = useState<Contact | 'new' | null>(null);
  const [version, setVersion] = useState(0);
  const admin = session.role === 'admin';
  const [sources, setSources] = useState<Map<string, string>>(new Map());

  // Synced entries name their source by id; admins may read the sources' names.
  useEffect(() => {
    if (!admin) return;
    api<{ items: { id: string; name: string }[] }>('GET', '/api/v1/sources').then((r) => setSources(new Map(r.items.map((x) => [x.id, x.name]))), () => {});
  }, [admin]);

  useEffect(() => {
    // Typing fires a search per pause, not per key.
    const timer = setTimeout(() => {
      api<{ items: Contact[] }>('GET', `/api/v1/contacts${query({ q, limit: 100 })}`).then((r) => setItems(r.items), toast.error);
    }, 200);
    return () => clearTimeout(timer);
  }, [q, version, toast]);

  const copy = async (c: Contact) => {
    try {
      const copied = await api<Contact>('POST', `/api/v1/contacts/${encodeURIComponent(c.id)}/copy`);
      toast.success(t('phonebook.copied'));
      setVersion((v) => v + 1);
      setEditing(copied);
    } catch (err) {
      toast.error(err);
    }
  };
  const mayEdit = (c: Contact) => c.badge === 'M' && (admin || c.personal);

  return (
    <>
      <PageHeader
        title={t('phonebook.title')}
        subtitle={t('phonebook.subtitle')}
        actions={
          <button className="btn btn-primary" type="button" onClick={() => setEditing('new')}>
            + {t('phonebook.new')}
          </button>
        }
      />
      <div className="card">
        <input className="search" type="search" placeholder={t('phonebook.search')} value={q} onChange={(e) => setQ(e.target.value)} aria-label={t('phonebook.search')} />
        {items === null ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>{t('phonebook.empty')}</Empty>
        ) : (
          <table className="table" data-testid="contacts">
            <thead>
              <tr>
                <th style={{ width: 48 }} />
                <th>{t('col.name')}</th>
                <th>{t('col.numbers')}</th>
                <th>{t('col.source')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} data-contact={c.name}>
                  <td>
                    <span className={`sm-badge sm-${c.badge}`} title={c.badge === 'M' ? t('phonebook.manual') : t('phonebook.synced')}>
                      {c.badge}
                    </span>
                  </td>
                  <td>
                    <div className="caller-name">{c.name}</div>
                    <div className="caller-sub">{[c.kind === 'person' ? c.company : null, c.emails[0]].filter(Boolean).join(' · ')}</div>
                  </td>
                  <td>
                    {c.numbers.map((n, i) => (
                      <div key={i} className="number-line">
                        <span className="mono">{fmt.phone(n.e164 ? { raw: n.raw, e164: n.e164, withheld: false } : n.raw)}</span>
                        <span className="muted small">{t(`numberType.${n.type as 'business'}`)}</span>
                        {n.switchboard && <Badge tone="blue">{t('phonebook.switchboard')}</Badge>}
                      </div>
                    ))}
                  </td>
                  <td>
                    {c.personal ? <Badge tone="violet">{t('phonebook.personal')}</Badge> : c.badge === 'S' ? <span className="muted">{(c.sourceId && sources.get(c.sourceId)) ?? c.sourceId ?? t('phonebook.synced')}</span> : <span className="muted">{t('phonebook.manual')}</span>}
                  </td>
                  <td className="num nowrap">
                    {c.badge === 'S' && admin && (
                      <button className="btn btn-small" type="button" onClick={() => void copy(c)}>
                        {t('phonebook.copy')}
                      </button>
                    )}
                    {mayEdit(c) && (
                      <button className="btn btn-small" type="button" onClick={() => setEditing(c)}>
                        {t('phonebook.edit')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {editing && (
        <ContactEditor
          contact={editing === 'new' ? null : editing}
          personal={!admin}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setVersion((v) => v + 1);
            toast.success(t('phonebook.saved'));
          }}
        />
      )}
    </>
  );
}
