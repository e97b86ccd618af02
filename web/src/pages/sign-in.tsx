/** Sign-in with e-mail or extension and password. Offers the language switch before anyone is known. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, type Session } from '../api.ts';
import { LOCALES, useI18n } from '../i18n/i18n.tsx';

export function SignInPage({ onSignedIn }: { onSignedIn(session: Session): void }) {
  const { t, locale, setLocale } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    // Asked here because browsers want a click for it: the screen pop notifies while the tab is hidden.
    if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
    try {
      onSignedIn(await api<Session>('POST', '/api/v1/session', { login: login.trim(), password }));
    } catch (err) {
      setError(err instanceof ApiError && err.problem.code === 'CB_TOO_MANY_ATTEMPTS' ? t('signIn.limited') : t('signIn.failed'));
      setBusy(false);
    }
  };

  return (
    <div className="sign-in">
      <form className="card sign-in-card" onSubmit={submit}>
        <div className="brand brand-large">
          <img src="/favicon.svg" alt="" width={36} height={36} />
          <span>Callbridge</span>
        </div>
        <h1>{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.subtitle')}</p>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span>{t('signIn.login')}</span>
          <input name="login" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} required autoFocus />
        </label>
        <label className="field">
          <span>{t('signIn.password')}</span>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {t('signIn.submit')}
        </button>
        <p className="muted small">{t('signIn.help')}</p>
        <div className="segmented segmented-center" role="group" aria-label={t('nav.language')}>
          {LOCALES.map((l) => (
            <button key={l} type="button" className={l === locale ? 'on' : ''} aria-pressed={l === locale} onClick={() => setLocale(l)}>
              {l === 'de' ? 'Deutsch' : 'English'}
            </button>
          ))}
        </div>
      </form>
    </div>
  );
}
