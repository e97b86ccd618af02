/**
 * A CRM connection's test (`POST /api/v1/crm/connections/{id}/test`, nothing is written to the CRM):
 * a dry-run lookup of a number, or the journaling requests a stored call would cause. The answer is
 * shown as a result people read — found or not, the record's name and company, why it failed, how
 * long the CRM took — with the previewed requests as the only code on screen.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type Call } from '../../api.ts';
import type { MessageKey } from '../../i18n/en.ts';
import { useApp } from '../../session.tsx';
import type { CrmConnection } from './crm-editor.tsx';

type CrmContact = { id: string; kind: string; name: string | null; firstName: string | null; lastName: string | null; company: string | null; email: string | null; accountId: string | null };
type LookupResult = { outcome: 'found'; contact: CrmContact } | { outcome: 'not_found' };
type RequestPreview = { method: string; url: string; headers: Record<string, string>; body: string | null };
type JournalPreview = { journaled: false; reason: string } | { journaled: true; activity: { kind: string; number: string; extension: string | null; crmUserId: string | null }; requests: RequestPreview[] };

type Outcome =
  | { test: 'lookup'; number: string; ms: number; result: LookupResult }
  | { test: 'journal'; ms: number; result: JournalPreview }
  | { test: 'lookup' | 'journal'; ms: number; failed: { code: string; detail: string } };

/** Why a test failed, in words; the API's own detail follows. */
const FAILURES: Record<string, MessageKey> = {
  CB_CRM_FAILED: 'crmTest.failed.CB_CRM_FAILED',
  CB_VALIDATION: 'crmTest.failed.CB_VALIDATION',
  CB_NOT_FOUND: 'crmTest.failed.CB_NOT_FOUND',
};
const ACTIVITY_KINDS = ['inbound_answered', 'outbound_answered', 'inbound_missed', 'outbound_not_answered'] as const;

/** A JSON body indented, anything else as it is. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function CrmTest({ connection }: { connection: CrmConnection }) {
  const { t, fmt } = useApp();
  const [number, setNumber] = useState('');
  const [callId, setCallId] = useState('');
  const [calls, setCalls] = useState<Call[]>([]);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    api<{ items: Call[] }>('GET', '/api/v1/calls?limit=20').then((r) => setCalls(r.items), () => {});
  }, []);

  const run = async (e: FormEvent, test: 'lookup' | 'journal') => {
    e.preventDefault();
    setOutcome(null);
    setBusy(true);
    const body = test === 'lookup' ? { number: number.trim() } : { callId };
    const started = performance.now();
    try {
      const result = await api<LookupResult & JournalPreview>('POST', `/api/v1/crm/connections/${encodeURIComponent(connection.id)}/test`, body);
      const ms = performance.now() - started;
      setOutcome(test === 'lookup' ? { test, number: number.trim(), ms, result } : { test, ms, result });
    } catch (err) {
      const problem = err instanceof ApiError ? err.problem : { code: 'CB_INTERNAL', title: String(err), detail: undefined };
      setOutcome({ test, ms: performance.now() - started, failed: { code: problem.code, detail: problem.detail ?? problem.title } });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="crm-tools" data-testid="crm-test">
      <form className="filters" onSubmit={(e) => void run(e, 'lookup')}>
        <label className="field">
          <span>{t('crm.testNumber')}</span>
          <input name="number" value={number} onChange={(e) => setNumber(e.target.value)} required placeholder="+49 30 1234567" inputMode="tel" />
        </label>
        <button className="btn" type="submit" disabled={busy}>
          {t('crm.lookupNow')}
        </button>
      </form>
      <form className="filters" onSubmit={(e) => void run(e, 'journal')}>
        <label className="field field-wide">
          <span>{t('crm.testCall')}</span>
          <select name="callId" value={callId} onChange={(e) => setCallId(e.target.value)} required>
            <option value="">–</option>
            {calls.map((c) => (
              <option key={c.id} value={c.id}>
                {fmt.dateTime(c.startedAt)} · {t(`direction.${c.direction}`)} · {c.direction === 'outbound' ? c.to.raw : c.from.raw}
              </option>
            ))}
          </select>
        </label>
        <button className="btn" type="submit" disabled={busy}>
          {t('crm.previewJournal')}
        </button>
      </form>
      {busy && <p className="muted small">{t('crmTest.asking')}</p>}
      {outcome && <TestResult outcome={outcome} />}
    </div>
  );
}

function TestResult({ outcome }: { outcome: Outcome }) {
  const { t, fmt } = useApp();
  const took = <div className="small">{t('crmTest.took', { duration: fmt.elapsed(outcome.ms) })}</div>;
  if ('failed' in outcome) {
    return (
      <div className="alert alert-error" role="alert" data-testid="crm-result">
        <strong>{outcome.test === 'lookup' ? t('crmTest.lookupFailed') : t('crmTest.previewFailed')}</strong>
        <div>{t(FAILURES[outcome.failed.code] ?? 'crmTest.failed.other')}</div>
        {outcome.failed.detail && <div className="small">{t('upload.reason', { detail: outcome.failed.detail })}</div>}
        {took}
      </div>
    );
  }
  if (outcome.test === 'lookup') {
    const { result } = outcome;
    if (result.outcome === 'not_found') {
      return (
        <div className="alert alert-info" data-testid="crm-result">
          <strong>{t('crmTest.notFound', { number: fmt.phone(outcome.number) })}</strong>
          <div>{t('crmTest.notFoundHint')}</div>
          {took}
        </div>
      );
    }
    const c = result.contact;
    const name = c.name ?? ([c.firstName, c.lastName].filter(Boolean).join(' ') || null);
    const rows: [MessageKey, string | null][] = [
      ['col.name', name],
      ['col.company', c.company],
      ['col.email', c.email],
      ['crmTest.kind', c.kind],
      ['crmTest.recordId', c.id],
      ['crmTest.accountId', c.accountId],
    ];
    return (
      <div className="alert alert-success" data-testid="crm-result">
        <strong>{t('crmTest.found', { number: fmt.phone(outcome.number) })}</strong>
        <dl className="result-list">
          {rows
            .filter(([, v]) => v)
            .map(([k, v]) => (
              <div key={k}>
                <dt>{t(k)}</dt>
                <dd>{v}</dd>
              </div>
            ))}
        </dl>
        {took}
      </div>
    );
  }
  const { result } = outcome;
  if (!result.journaled) {
    return (
      <div className="alert alert-info" data-testid="crm-result">
        <strong>{t('crmTest.notJournaled')}</strong>
        <div className="small">{t('upload.reason', { detail: result.reason })}</div>
      </div>
    );
  }
  const kind = ACTIVITY_KINDS.find((k) => k === result.activity.kind);
  return (
    <div className="alert alert-success" data-testid="crm-result">
      <strong>{t('crmTest.journaled', { kind: kind ? t(`crmTest.activity.${kind}`) : result.activity.kind })}</strong>
      <div className="small">{result.activity.crmUserId ? t('crmTest.asUser', { user: result.activity.crmUserId }) : t('crmTest.asConnectionUser')}</div>
      {result.requests.length === 0 && <div>{t('crmTest.noRequests')}</div>}
      {result.requests.map((r, i) => (
        <div className="request-preview" key={i}>
          <div>
            <span className="badge badge-blue">{r.method}</span> <code className="mono small">{r.url}</code>
          </div>
          {r.body && <pre className="code-block">{pretty(r.body)}</pre>}
        </div>
      ))}
    </div>
  );
}
