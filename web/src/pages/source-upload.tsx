/**
 * Uploading a file into a phonebook source (`POST /api/v1/sources/{id}/upload`): the bytes go as the
 * request body, the server syncs them at once and answers with the run's report — or with a problem
 * saying why nothing was changed. While the bytes go the dialog shows how far it got; while the
 * server reads them, that it does.
 */
import { useState, type FormEvent } from 'react';
import { ApiError, upload } from '../api.ts';
import type { MessageKey } from '../i18n/en.ts';
import { useApp } from '../session.tsx';

type SkippedItem = { line?: number; recordId?: string; reason: string };
export type UploadReport = { ok: boolean; durationMs: number; read: number; added: number; changed: number; removed: number; skipped: number; error: string | null; skippedItems: SkippedItem[] };

/**
 * Source types that read an uploaded file (their runs take the upload instead of a download), with
 * the Content-Type the upload route accepts for them and the files the picker offers.
 */
const UPLOADS: Record<string, { contentType: string; accept: string; help: MessageKey }> = {
  csv: { contentType: 'text/csv', accept: '.csv,.txt,.tsv,text/csv,text/plain', help: 'upload.help.csv' },
  vcard: { contentType: 'text/vcard', accept: '.vcf,.vcard,text/vcard', help: 'upload.help.vcard' },
};

export const takesUploads = (type: string) => Object.hasOwn(UPLOADS, type);

/** The problems an upload can meet, each in words an admin can act on. */
const PROBLEMS: Record<string, MessageKey> = {
  CB_SOURCE_FAILED: 'upload.error.CB_SOURCE_FAILED',
  CB_CONFLICT: 'upload.error.CB_CONFLICT',
  CB_NOT_FOUND: 'upload.error.CB_NOT_FOUND',
  CB_NETWORK: 'upload.error.CB_NETWORK',
  CB_UNSUPPORTED_MEDIA_TYPE: 'upload.error.CB_UNSUPPORTED_MEDIA_TYPE',
};

type State =
  | { step: 'pick' }
  | { step: 'sending'; sent: number; total: number }
  | { step: 'applying' }
  | { step: 'done'; report: UploadReport }
  | { step: 'failed'; code: string; detail: string };

export function SourceUpload({ source, onClose, onUploaded }: { source: { id: string; name: string; type: string }; onClose(): void; onUploaded(): void }) {
  const { t, fmt } = useApp();
  const kind = UPLOADS[source.type];
  const [file, setFile] = useState<File | null>(null);
  const [state, setState] = useState<State>({ step: 'pick' });
  const busy = state.step === 'sending' || state.step === 'applying';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || !kind) return;
    setState({ step: 'sending', sent: 0, total: file.size });
    try {
      const report = await upload<UploadReport>(`/api/v1/sources/${encodeURIComponent(source.id)}/upload`, file, kind.contentType, (sent, total) =>
        // Every byte sent: the server reads the file into the phonebook now, until it answers.
        setState(sent >= total ? { step: 'applying' } : { step: 'sending', sent, total }),
      );
      setState({ step: 'done', report });
    } catch (err) {
      const problem = err instanceof ApiError ? err.problem : { code: 'CB_INTERNAL', detail: String(err), title: '' };
      setState({ step: 'failed', code: problem.code, detail: problem.detail ?? problem.title });
    }
    // The list shows the new last run (or the failed one) either way.
    onUploaded();
  };

  const kb = (bytes: number) => `${fmt.count(Math.max(1, Math.ceil(bytes / 1024)))} KB`;
  return (
    <div className="modal-backdrop" onClick={busy ? undefined : onClose}>
      <form className="modal card" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label={t('upload.dialog')}>
        <h2>{t('upload.title', { name: source.name })}</h2>
        {kind && <p className="muted">{t(kind.help)}</p>}
        <div className="field">
          <label htmlFor="upload-file">{t('upload.file')}</label>
          <input
            id="upload-file"
            name="file"
            type="file"
            accept={kind?.accept}
            disabled={busy}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setState({ step: 'pick' });
            }}
          />
          {file && <small className="muted">{`${file.name} · ${kb(file.size)}`}</small>}
        </div>
        {state.step === 'sending' && (
          <div className="upload-progress" data-testid="upload-progress">
            <progress value={state.sent} max={state.total || 1} />
            <span className="small">{t('upload.sending', { percent: state.total ? Math.floor((state.sent / state.total) * 100) : 0, size: kb(state.total) })}</span>
          </div>
        )}
        {state.step === 'applying' && (
          <div className="upload-progress" data-testid="upload-progress">
            <progress />
            <span className="small">{t('upload.applying')}</span>
          </div>
        )}
        {state.step === 'done' && (
          <div className="alert alert-success" data-testid="upload-report">
            <strong>{t('upload.done', { duration: fmt.elapsed(state.report.durationMs) })}</strong>
            <div>{t('sources.report', { read: fmt.count(state.report.read), added: fmt.count(state.report.added), changed: fmt.count(state.report.changed), removed: fmt.count(state.report.removed), skipped: fmt.count(state.report.skipped) })}</div>
            {state.report.skippedItems.length > 0 && (
              <details className="small">
                <summary>{t('sources.skippedWhy')}</summary>
                <ul className="skipped-list">
                  {state.report.skippedItems.map((item, i) => (
                    <li key={i}>
                      {item.line !== undefined ? t('sources.line', { n: item.line }) : (item.recordId ?? '')} {item.reason}
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </div>
        )}
        {state.step === 'failed' && (
          <div className="alert alert-error" role="alert" data-testid="upload-error">
            <strong>{t(PROBLEMS[state.code] ?? 'upload.error.other')}</strong>
            {state.detail && <div>{t('upload.reason', { detail: state.detail })}</div>}
          </div>
        )}
        <div className="modal-actions">
          <button className="btn" type="button" onClick={onClose} disabled={busy}>
            {t('common.close')}
          </button>
          <button className="btn btn-primary" type="submit" disabled={!file || busy}>
            {t('upload.start')}
          </button>
        </div>
      </form>
    </div>
  );
}
