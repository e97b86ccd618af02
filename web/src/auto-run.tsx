/**
 * "Run my favourite automatically": the user's switch (stored server-side with their login, so it
 * follows them to every browser) and the run itself, started by the screen pop when a call rings.
 */
import { api, type Session } from './api.ts';
import type { Translate } from './i18n/i18n.tsx';
import { useApp } from './session.tsx';
import { useToast } from './toasts.tsx';

type RunnableAction = { id: string; name: string; enabled: boolean; favourite: boolean };
type StartOutcome = { execution: 'server' } | { execution: 'client'; open: { kind: 'url'; url: string } | { kind: 'application' } };

/**
 * Starts the user's favourite for the call, as its button on the pop would. A URL opens in a new tab;
 * a browser that blocks tabs nobody clicked for gets a notice, the button on the pop still works.
 */
export async function runFavourite(callId: string, t: Translate, toast: { success(text: string): void; error(err: unknown): void }): Promise<void> {
  const { items } = await api<{ items: RunnableAction[] }>('GET', '/api/v1/actions');
  const favourite = items.find((a) => a.favourite && a.enabled);
  if (!favourite) return;
  const outcome = await api<StartOutcome>('POST', `/api/v1/calls/${encodeURIComponent(callId)}/actions/${encodeURIComponent(favourite.id)}`, {});
  if (outcome.execution === 'client' && outcome.open.kind === 'url') {
    if (!window.open(outcome.open.url, '_blank', 'noopener')) toast.error(t('pop.blocked', { name: favourite.name }));
  } else toast.success(t('pop.autoRan', { name: favourite.name }));
}

export function AutoRunSwitch() {
  const { t, session, updateSession } = useApp();
  const toast = useToast();
  const change = async (on: boolean) => {
    try {
      updateSession(await api<Session>('PUT', '/api/v1/session/preferences', { autoRunFavourite: on }));
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <label className="check" title={t('actions.autoRunHint')}>
      <input type="checkbox" name="autoRunFavourite" checked={session.preferences.autoRunFavourite} onChange={(e) => void change(e.target.checked)} />
      {t('actions.autoRun')}
    </label>
  );
}
