/** Small building blocks every page uses: headers, badges, the caller cell, empty states. */
import type { ReactNode } from 'react';
import type { Call } from './api.ts';
import { useApp } from './session.tsx';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: string; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export type Tone = 'neutral' | 'blue' | 'green' | 'amber' | 'red' | 'violet';

export function Badge({ tone = 'neutral', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const STATE_TONE: Record<Call['state'], Tone> = { ringing: 'amber', answered: 'green', ended: 'neutral' };
const OUTCOME_TONE: Record<NonNullable<Call['outcome']>, Tone> = { answered: 'green', missed: 'red', busy: 'amber', rejected: 'red', failed: 'red' };

export function StateBadge({ call }: { call: Call }) {
  const { t } = useApp();
  if (call.state !== 'ended' && call.transfers.length > 0 && call.state === 'ringing') return <Badge tone="violet">{t('state.transferred')}</Badge>;
  return (
    <Badge tone={STATE_TONE[call.state]}>
      {call.state === 'ringing' && <span className="pulse" aria-hidden />}
      {t(`state.${call.state}`)}
    </Badge>
  );
}

export function OutcomeBadge({ call }: { call: Call }) {
  const { t } = useApp();
  if (!call.outcome) return <StateBadge call={call} />;
  return <Badge tone={OUTCOME_TONE[call.outcome]}>{t(`outcome.${call.outcome}`)}</Badge>;
}

const ARROWS: Record<Call['direction'], string> = { inbound: '↙', outbound: '↗', internal: '↔' };

export function DirectionIcon({ call }: { call: Call }) {
  const { t } = useApp();
  return (
    <span className={`direction direction-${call.direction}`} title={t(`direction.${call.direction}`)} aria-label={t(`direction.${call.direction}`)}>
      {ARROWS[call.direction]}
    </span>
  );
}

/** The other party: the phonebook's name and company when known, the number always. */
export function otherParty(call: Call) {
  return call.direction === 'outbound' ? call.to : call.from;
}

export function CallerCell({ call }: { call: Call }) {
  const { t, fmt } = useApp();
  const number = fmt.phone(otherParty(call), t('call.withheld'));
  const name = call.caller?.name;
  return (
    <div className="caller">
      <div className="caller-name">{name ?? number}</div>
      <div className="caller-sub">{name ? [call.caller?.company, number].filter(Boolean).join(' · ') : call.caller?.company ?? ''}</div>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Loading() {
  const { t } = useApp();
  return <div className="empty muted">{t('common.loading')}</div>;
}
