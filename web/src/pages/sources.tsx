/**
 * Phonebook sources: each source's state, its last run (what changed), the last error in the words
 * the sync engine chose for people, and "sync now". While a run is going the page polls for progress.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Badge, Empty, Loading, PageHeader } from '../components.tsx';
import { useConnectorTexts } from '../i18n/connector-texts.ts';
import { useApp } from '../session.tsx';
import { confirmDelete, useToast } from '../toasts.tsx';
import { SourceEditor, type EditableSource, type SourceType } from './source-editor.tsx';
import { SourceUpload, takesUploads } from './source-upload.tsx';

type Report = { ok: boolean; finishedAt: string; durationMs: number; read: number; added: number; changed: number; removed: number; skipped: number; error: string | null; skippedItems?: { line?: number; recordId?: string; reason: string }[] };
type Source = EditableSource & {
  status: {
    running: boolean;
    progress: { read: number; total?: number } | null;
    nextRunAt: string | null;
    lastSuccessAt: string | null;
    lastError: string | null;
    lastErrorAt: string | null;
    lastReport: Report | null;
  };
};

export function SourcesPage() {
  const { t, fmt } = useApp();
  const texts = useConnectorTexts();
  const toast = useToast();
  const [sources, setSources] = useState<Source[] | null>(null);
  const [types, setTypes] = useState<SourceType[]>([]);
  // null: no editor open; 'new': adding one.
  const [editing, setEditing] = useState<Source | 'new' | null>(null);
  const [uploading, setUploading] = useState<Source | null>(null);
  const [version, setVersion] = useState(0);
  const running = sources?.some((s) => s.status.running) ?? false;

  useEffect(() => {
    api<{ items: Source[]; types: SourceType[] }>('GET', '/api/v1/sources').then((r) => {
      setSources(r.items);
      setTypes(r.types);
    }, toast.error);
  }, [version, toast]);
  // Progress: poll while anything runs (a run reports what it has read so far).
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setVersion((v) => v + 1), 1500);
    return () => clearInterval(timer);
  }, [running]);

  const syncNow = async (s: Source) => {
    try {
      await api('POST', `/api/v1/sources/${encodeURIComponent(s.id)}/sync`);
      toast.success(t('sources.started'));
    } catch (err) {
      toast.error(err);
    }
    // A short run may be over before the first poll; look again either way.
    setVersion((v) => v + 1);
    setTimeout(() => setVersion((v) => v + 1), 800);
  };

  const remove = async (s: Source) => {
    // Deleting a source deletes every contact synced from it: worth a second thought.
    if (await confirmDelete(toast, t('sources.confirmDelete', { name: s.name }), `/api/v1/sources/${encodeURIComponent(s.id)}`, t('sources.deleted'))) setVersion((v) => v + 1);
  };
  const saved = () => {
    setEditing(null);
    setVersion((v) => v + 1);
  };

  if (!sources) return <Loading />;
  return (
    <>
      <PageHeader
        title={t('sources.title')}
        subtitle={t('sources.subtitle')}
        actions={
          <button className="btn btn-primary" type="button" onClick={() => setEditing('new')} disabled={types.length === 0}>
            {t('sources.add')}
          </button>
        }
      />
      {uploading && <SourceUpload source={uploading} onClose={() => setUploading(null)} onUploaded={() => setVersion((v) => v + 1)} />}
      {editing && <SourceEditor source={editing === 'new' ? null : editing} types={types} onClose={() => setEditing(null)} onSaved={saved} />}
      <section className="card">
        {sources.length === 0 ? (
          <Empty>{t('sources.empty')}</Empty>
        ) : (
          <table className="table" data-testid="sources">
            <thead>
              <tr>
                <th>{t('col.name')}</th>
                <th>{t('col.state')}</th>
                <th>{t('sources.lastRun')}</th>
                <th>{t('sources.next')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => {
                const r = s.status.lastReport;
                const failedLast = s.status.lastErrorAt !== null && (s.status.lastSuccessAt === null || s.status.lastErrorAt > s.status.lastSuccessAt);
                return (
                  <tr key={s.id}>
                    <td>
                      <div className="caller-name">{s.name}</div>
                      <div className="caller-sub">{texts.typeName('source', s.type)}</div>
                    </td>
                    <td>
                      {s.status.running ? (
                        <Badge tone="blue">
                          <span className="pulse" aria-hidden />
                          {t('sources.running')}
                          {s.status.progress && ` · ${fmt.count(s.status.progress.read)}${s.status.progress.total ? ` / ${fmt.count(s.status.progress.total)}` : ''}`}
                        </Badge>
                      ) : !s.enabled ? (
                        <Badge>{t('sources.disabled')}</Badge>
                      ) : failedLast ? (
                        <Badge tone="red">{t('sources.failed')}</Badge>
                      ) : s.status.lastSuccessAt ? (
                        <Badge tone="green">{t('sources.ok')}</Badge>
                      ) : (
                        <Badge>{t('sources.never')}</Badge>
                      )}
                    </td>
                    <td>
                      {r ? (
                        <>
                          <div className="tabular">
                            {fmt.dateTime(r.finishedAt)} · {fmt.duration(Math.round(r.durationMs / 1000))}
                          </div>
                          <div className="caller-sub">{t('sources.report', { read: fmt.count(r.read), added: fmt.count(r.added), changed: fmt.count(r.changed), removed: fmt.count(r.removed), skipped: fmt.count(r.skipped) })}</div>
                        </>
                      ) : (
                        <span className="muted">–</span>
                      )}
                      {r && r.skippedItems && r.skippedItems.length > 0 && (
                        <details className="small" data-testid="skipped">
                          <summary>{t('sources.skippedWhy')}</summary>
                          <ul className="skipped-list">
                            {r.skippedItems.map((item, i) => (
                              <li key={i}>
                                {item.line !== undefined ? t('sources.line', { n: item.line }) : item.recordId ?? ''} {item.reason}
                              </li>
                            ))}
                          </ul>
                        </details>
                      )}
                      {failedLast && s.status.lastError && (
                        <div className="error-text" data-testid="source-error">
                          {s.status.lastError}
                        </div>
                      )}
                    </td>
                    <td className="tabular nowrap">{s.status.nextRunAt ? fmt.dateTime(s.status.nextRunAt) : s.interval === 'off' ? t('sources.manualOnly') : '–'}</td>
                    <td className="num">
                      <button className="btn btn-small" type="button" disabled={s.status.running} onClick={() => void syncNow(s)}>
                        {t('sources.syncNow')}
                      </button>
                      {takesUploads(s.type) && (
                        <button className="btn btn-small" type="button" disabled={s.status.running} onClick={() => setUploading(s)}>
                          {t('upload.button')}
                        </button>
                      )}
                      <button className="btn btn-small" type="button" onClick={() => setEditing(s)}>
                        {t('common.edit')}
                      </button>
                      <button className="btn btn-small btn-danger" type="button" onClick={() => void remove(s)}>
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
    </>
  );
}
