/**
 * The action editor (URL actions). The preview renders the templates on the server, exactly as a
 * start would, against a call chosen from the journal or a sample call, while the admin types.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type Call } from '../api.ts';
import { useApp } from '../session.tsx';
import { useToast } from '../toasts.tsx';

type Result = 'ringing' | 'answered' | 'hangup';
type CallType = 'direct' | 'queue' | 'internal';
export type Trigger = { mode: 'manual' } | { mode: 'automatic'; direction: 'inbound' | 'outbound' | 'both'; results: Result[]; callTypes: CallType[] };
export type Action = {
  id: string;
  name: string;
  ownerUserId: string | null;
  enabled: boolean;
  execution: 'client' | 'server';
  target: { type: 'url'; url: string } | { type: 'application'; command: string; args: string[] };
  trigger: Trigger;
  favourite: boolean;
};
type Preview = { url?: string; body?: string; variables: Record<string, string> };

const RESULTS = ['ringing', 'answered', 'hangup'] as const;
const TYPES = ['direct', 'queue', 'internal'] as const;

export function ActionEditor({ action, onClose, onSaved }: { action: Action | null; onClose(): void; onSaved(): void }) {
  const { t, fmt, session } = useApp();
  const toast = useToast();
  const [name, setName] = useState(action?.name ?? '');
  const [url, setUrl] = useState(action?.target.type === 'url' ? action.target.url : 'https://crm.example.com/search?phone=${number}');
  const [execution, setExecution] = useState(action?.execution ?? 'client');
  const [automatic, setAutomatic] = useState(action?.trigger.mode === 'automatic');
  const auto = action?.trigger.mode === 'automatic' ? action.trigger : null;
  const [direction, setDirection] = useState(auto?.direction ?? 'inbound');
  const [results, setResults] = useState<Result[]>(auto?.results ?? ['ringing']);
  const [callTypes, setCallTypes] = useState<CallType[]>(auto?.callTypes ?? ['direct', 'queue']);
  const [calls, setCalls] = useState<Call[]>([]);
  const [callId, setCallId] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);

  const body = () => ({
    name: name.trim() || 'preview',
    execution,
    target: { type: 'url' as const, url },
    trigger: automatic ? { mode: 'automatic' as const, direction, results, callTypes } : { mode: 'manual' as const },
    // Agents' actions are their own; an admin's new action is for everybody.
    ...(action === null && session.role === 'admin' ? { ownerUserId: null } : {}),
  });

  useEffect(() => {
    api<{ items: Call[] }>('GET', '/api/v1/calls?limit=20').then((r) => setCalls(r.items), () => {});
  }, []);
  useEffect(() => {
    const timer = setTimeout(() => {
      api<Preview>('POST', '/api/v1/actions/preview', { action: body(), ...(callId ? { callId } : {}) }).then(
        (p) => (setPreview(p), setPreviewError(null)),
        (err: unknown) => setPreviewError(err instanceof ApiError ? err.message : String(err)),
      );
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url, execution, automatic, direction, results, callTypes, callId]);

  const toggle = <T,>(list: T[], value: T, on: boolean): T[] => (on ? [...list, value] : list.filter((x) => x !== value));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      if (action) await api('PATCH', `/api/v1/actions/${encodeURIComponent(action.id)}`, body());
      else await api('POST', '/api/v1/actions', body());
      onSaved();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal modal-wide card" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label={t('actions.editor')}>
        <h2>{action ? action.name : t('actions.new')}</h2>
        <div className="grid-2">
          <div>
            <label className="field">
              <span>{t('col.name')}</span>
              <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
            </label>
            <label className="field">
              <span>{t('actions.url')}</span>
              <input name="url" className="mono" value={url} onChange={(e) => setUrl(e.target.value)} required />
            </label>
            <label className="field">
              <span>{t('actions.execution')}</span>
              <select value={execution} onChange={(e) => setExecution(e.target.value as 'client' | 'server')}>
                <option value="client">{t('actions.client')}</option>
                <option value="server">{t('actions.server')}</option>
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={automatic} onChange={(e) => setAutomatic(e.target.checked)} /> {t('actions.automatic')}
            </label>
            {automatic && (
              <div className="trigger-grid">
                <select aria-label={t('col.direction')} value={direction} onChange={(e) => setDirection(e.target.value as 'inbound')}>
                  {(['inbound', 'outbound', 'both'] as const).map((d) => (
                    <option key={d} value={d}>
                      {t(`actions.dir.${d}`)}
                    </option>
                  ))}
                </select>
                <div>
                  {RESULTS.map((r) => (
                    <label key={r} className="check">
                      <input type="checkbox" checked={results.includes(r)} onChange={(e) => setResults(toggle(results, r, e.target.checked))} /> {t(`actions.result.${r}`)}
                    </label>
                  ))}
                </div>
                <div>
                  {TYPES.map((c) => (
                    <label key={c} className="check">
                      <input type="checkbox" checked={callTypes.includes(c)} onChange={(e) => setCallTypes(toggle(callTypes, c, e.target.checked))} /> {t(`actions.type.${c}`)}
                    </label>
                  ))}
                </div>
              </div>
            )}
          </div>
          <div className="preview">
            <label className="field">
              <span>{t('actions.previewWith')}</span>
              <select aria-label={t('actions.previewWith')} value={callId} onChange={(e) => setCallId(e.target.value)}>
                <option value="">{t('actions.sampleCall')}</option>
                {calls.map((c) => (
                  <option key={c.id} value={c.id}>
                    {fmt.dateTime(c.startedAt)} · {c.caller?.name ?? fmt.phone(c.direction === 'outbound' ? c.to : c.from, t('call.withheld'))}
                  </option>
                ))}
              </select>
            </label>
            <div className="field">
              <span>{t('actions.preview')}</span>
              {previewError ? <div className="error-text">{previewError}</div> : <code className="preview-url" data-testid="action-preview">{preview?.url ?? '…'}</code>}
            </div>
            {preview && (
              <details>
                <summary className="small">{t('actions.variables')}</summary>
                <table className="table table-compact">
                  <tbody>
                    {Object.entries(preview.variables).map(([k, v]) => (
                      <tr key={k}>
                        <td className="mono">{'${' + k + '}'}</td>
                        <td className="mono">{String(v)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </div>
        </div>
        <div className="modal-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary">
            {t('common.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
