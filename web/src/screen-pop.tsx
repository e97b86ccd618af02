/**
 * The agent's screen pop: a call ringing at the signed-in user's extension appears at once, on every
 * page, with the caller's name, company, number and how often that number called before; a browser
 * notification when the tab is in the background.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ActionButtons } from './action-buttons.tsx';
import { runFavourite, type AutoRunOutcome } from './auto-run.tsx';
import { api, query, type Call } from './api.ts';
import { useCallStream } from './call-stream.ts';
import { otherParty } from './components.tsx';
import { Link } from './router.tsx';
import { useApp } from './session.tsx';
import { useToast } from './toasts.tsx';

type Pop = { call: Call; earlier: number | null; autoRun: AutoRunOutcome | null };

/** How many earlier calls the journal has with this number (the API pages by 500 at most). */
async function earlierCalls(call: Call): Promise<number> {
  const party = otherParty(call);
  const number = party.e164 ?? party.raw;
  const r = await api<{ items: Call[] }>('GET', `/api/v1/calls${query({ number, limit: 500 })}`);
  return r.items.filter((c) => c.id !== call.id).length;
}

export function ScreenPop() {
  const { session, t, fmt } = useApp();
  const [pops, setPops] = useState<Pop[]>([]);
  const extension = session.user.extension;
  const userKey = `${session.tenantId}/${session.user.id}`;
  const toast = useToast();
  // Read when a call pops, without resubscribing the stream whenever the user flips the switch.
  const autoRun = useRef(session.preferences.autoRunFavourite);
  autoRun.current = session.preferences.autoRunFavourite;

  // Calls popped already (also dismissed ones): later changes update their pop, never pop again.
  const popped = useRef(new Set<string>());

  const onChange = useCallback(
    (_type: string, call: Call) => {
      if (popped.current.has(call.id)) {
        setPops((all) => all.map((p) => (p.call.id === call.id && call.version > p.call.version ? { ...p, call } : p)));
        return;
      }
      if (call.state !== 'ringing' || call.direction === 'outbound') return;
      popped.current.add(call.id);
      setPops((all) => [{ call, earlier: null, autoRun: null }, ...all]);
      // Once per call and user, even when a reload or a second tab pops the same call again.
      if (autoRun.current) {
        runFavourite(call.id, userKey, t, toast).then(
          (outcome) => outcome && setPops((all) => all.map((p) => (p.call.id === call.id ? { ...p, autoRun: outcome } : p))),
          toast.error,
        );
      }
      earlierCalls(call).then(
        (n) => setPops((all) => all.map((p) => (p.call.id === call.id ? { ...p, earlier: n } : p))),
        () => {},
      );
      if (document.hidden && 'Notification' in window && Notification.permission === 'granted') {
        const party = otherParty(call);
        const who = call.caller?.name ?? fmt.phone(party, t('call.withheld'));
        new Notification(t('pop.notification', { who }), { body: call.caller?.company ?? fmt.phone(party, t('call.withheld')), tag: call.id });
      }
    },
    [fmt, t, toast, userKey],
  );
  // A call already ringing when the page opens (or the stream reconnects) pops too.
  const catchUp = useCallback(() => {
    api<{ items: Call[] }>('GET', `/api/v1/calls${query({ state: 'ringing', extension, limit: 20 })}`).then(
      (r) => r.items.forEach((call) => onChange('call.ringing', call)),
      () => {},
    );
  }, [extension, onChange]);
  useCallStream(onChange, extension, catchUp);

  // An ended call's pop stays a moment (who was that?), then leaves.
  useEffect(() => {
    const ended = pops.filter((p) => p.call.state === 'ended');
    if (!ended.length) return;
    const timer = setTimeout(() => setPops((all) => all.filter((p) => p.call.state !== 'ended')), 10_000);
    return () => clearTimeout(timer);
  }, [pops]);

  if (!pops.length) return null;
  return (
    <div className="pops" aria-live="assertive">
      {pops.map(({ call, earlier, autoRun: ran }) => {
        const party = otherParty(call);
        return (
          <div key={call.id} className={`pop pop-${call.state}`} role="alert" data-testid="screen-pop">
            <div className="pop-head">
              <span className="pop-label">
                {call.state === 'ringing' && <span className="pulse" aria-hidden />}
                {call.state === 'ringing' ? t('pop.incoming') : t(`state.${call.state}`)}
              </span>
              <span className="muted small">{t('pop.forYou', { ext: extension })}</span>
              <button type="button" className="pop-close" aria-label={t('pop.dismiss')} onClick={() => setPops((all) => all.filter((p) => p.call.id !== call.id))}>
                ×
              </button>
            </div>
            <div className="pop-name">{call.caller?.name ?? t('call.unknownCaller')}</div>
            {call.caller?.company && <div className="pop-company">{call.caller.company}</div>}
            <div className="pop-number mono">{fmt.phone(party, t('call.withheld'))}</div>
            <ActionButtons callId={call.id} />
            {ran && (
              <div className="pop-auto-run small" data-testid="pop-auto-run">
                ★ {ran.state === 'ran' ? t('pop.autoRanOnPop', { name: ran.name }) : t('pop.autoRanBefore')}
              </div>
            )}
            <div className="pop-foot">
              <span className="muted small" data-testid="pop-history">
                {earlier === null ? '…' : earlier === 0 ? t('pop.firstCall') : earlier === 1 ? t('pop.oneCallBefore') : t('pop.callsBefore', { n: fmt.count(earlier) })}
              </span>
              <Link to={`/journal?${new URLSearchParams({ number: party.e164 ?? party.raw })}`} className="small">
                {t('pop.openJournal')}
              </Link>
            </div>
          </div>
        );
      })}
    </div>
  );
}
