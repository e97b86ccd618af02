/**
 * "Run my favourite automatically": the user's switch (stored server-side with their login, so it
 * follows them to every browser) and the run itself, started by the screen pop when a call rings —
 * once per call and user: the pop pops a ringing call again after a reload (or in a second tab),
 * and the favourite must not open a second CRM tab or send a second request then.
 */
import { api, type Session } from './api.ts';
import type { Translate } from './i18n/i18n.tsx';
import { useApp } from './session.tsx';
import { useToast } from './toasts.tsx';

const MEMORY_KEY = 'callbridge.autoRun';
/** Longer than any call rings; entries older than this are dropped. */
const REMEMBER_MS = 24 * 3_600_000;

/**
 * True the first time it is asked for this user and call in this browser, and remembers the answer
 * (localStorage, so reloads and other tabs see it). Claimed before the run starts, so a reload
 * during the run does not start it again. Without storage (blocked), every call runs once per page.
 */
function claimAutoRun(userKey: string, callId: string, now = Date.now()): boolean {
  const key = `${userKey}/${callId}`;
  let seen: Record<string, number> = {};
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(MEMORY_KEY) ?? '{}');
    if (stored && typeof stored === 'object') seen = stored as Record<string, number>;
  } catch {
    // Unreadable or blocked storage: start afresh.
  }
  if ((seen[key] ?? 0) > now) return false;
  const kept = Object.fromEntries(Object.entries(seen).filter(([, until]) => typeof until === 'number' && until > now));
  kept[key] = now + REMEMBER_MS;
  try {
    localStorage.setItem(MEMORY_KEY, JSON.stringify(kept));
  } catch {
    // Storage full or blocked: the run goes ahead; only a reload could repeat it.
  }
  return true;
}

type RunnableAction = { id: string; name: string; enabled: boolean; favourite: boolean };
type StartOutcome = { execution: 'server' } | { execution: 'client'; open: { kind: 'url'; url: string } | { kind: 'application' } };

/** What the favourite did for a call: started now, or already before (a reload, another tab). */
export type AutoRunOutcome = { state: 'ran'; name: string } | { state: 'before' };

/**
 * Starts the user's favourite for the call, as its button on the pop would, unless it ran for this
 * call already (claimAutoRun, asked only once there is a favourite to run). A URL opens in a new tab;
 * a browser that blocks tabs nobody clicked for gets a notice, the button on the pop still works.
 * Null: the user has no enabled favourite.
 */
export async function runFavourite(callId: string, userKey: string, t: Translate, toast: { success(text: string): void; error(err: unknown): void }): Promise<AutoRunOutcome | null> {
  const { items } = await api<{ items: RunnableAction[] }>('GET', '/api/v1/actions');
  const favourite = items.find((a) => a.favourite && a.enabled);
  if (!favourite) return null;
  if (!claimAutoRun(userKey, callId)) return { state: 'before' };
  const outcome = await api<StartOutcome>('POST', `/api/v1/calls/${encodeURIComponent(callId)}/actions/${encodeURIComponent(favourite.id)}`, {});
  if (outcome.execution === 'client' && outcome.open.kind === 'url') {
    // Not window.open(…, 'noopener'): that returns null even when the tab opened, so a blocked tab
    // could not be told apart. The new page gets no handle on this one all the same.
    const tab = window.open(outcome.open.url, '_blank');
    if (tab) tab.opener = null;
    else toast.error(t('pop.blocked', { name: favourite.name }));
  } else toast.success(t('pop.autoRan', { name: favourite.name }));
  return { state: 'ran', name: favourite.name };
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
