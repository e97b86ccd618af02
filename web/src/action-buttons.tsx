/**
 * Buttons that start the user's actions for a call (`POST /api/v1/calls/{id}/actions/{actionId}`):
 * on the screen pop and in the call's detail. A URL opens here in a new tab; a server-side action is
 * sent by Callbridge; programs are started by the desktop companion.
 */
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import { useApp } from './session.tsx';
import { useToast } from './toasts.tsx';

type RunnableAction = { id: string; name: string; enabled: boolean; favourite: boolean };
type StartOutcome = { execution: 'server' } | { execution: 'client'; open: { kind: 'url'; url: string } | { kind: 'application' } };

export function ActionButtons({ callId, className }: { callId: string; className?: string }) {
  const { t } = useApp();
  const toast = useToast();
  const [actions, setActions] = useState<RunnableAction[]>([]);

  useEffect(() => {
    api<{ items: RunnableAction[] }>('GET', '/api/v1/actions').then(
      (r) => setActions(r.items.filter((a) => a.enabled).sort((a, b) => Number(b.favourite) - Number(a.favourite))),
      () => {},
    );
  }, []);

  const start = async (action: RunnableAction) => {
    try {
      const outcome = await api<StartOutcome>('POST', `/api/v1/calls/${encodeURIComponent(callId)}/actions/${encodeURIComponent(action.id)}`, {});
      if (outcome.execution === 'client' && outcome.open.kind === 'url') window.open(outcome.open.url, '_blank', 'noopener');
      else toast.success(`${action.name} ✓`);
    } catch (err) {
      toast.error(err);
    }
  };

  if (!actions.length) return null;
  return (
    <div className={className ?? 'pop-actions'}>
      {actions.map((a) => (
        <button key={a.id} type="button" className={`btn btn-small${a.favourite ? ' btn-primary' : ''}`} onClick={() => void start(a)} title={t('actions.open')}>
          {a.favourite && '★ '}
          {a.name}
        </button>
      ))}
    </div>
  );
}
