/** The frame around every page: sidebar with navigation, the signed-in user, language and sign-out. */
import type { ReactNode } from 'react';
import type { MessageKey } from './i18n/en.ts';
import { LOCALES, useI18n } from './i18n/i18n.tsx';
import { Link, useLocation } from './router.tsx';
import { useApp } from './session.tsx';

type NavItem = { to: string; label: MessageKey; icon: string };

/** 24×24 stroke icons (paths drawn for this sidebar). */
const ICONS: Record<string, string> = {
  live: 'M12 12m-3 0a3 3 0 1 0 6 0a3 3 0 1 0-6 0M5.6 5.6a9 9 0 0 0 0 12.8M18.4 5.6a9 9 0 0 1 0 12.8',
  journal: 'M4 6h16M4 12h16M4 18h10',
  phonebook: 'M5 4h12a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H5zM9 10a2 2 0 1 0 4 0a2 2 0 1 0-4 0M7.5 16c.8-1.6 2-2.4 3.5-2.4s2.7.8 3.5 2.4',
  users: 'M9 8a3 3 0 1 0 6 0a3 3 0 1 0-6 0M4 20c.9-3.4 4-5.5 8-5.5s7.1 2.1 8 5.5',
  actions: 'M13 3L5 14h6l-1 7 8-11h-6z',
  integrations: 'M9 7V3M15 7V3M7 7h10v4a5 5 0 0 1-10 0zM12 16v5',
  connections: 'M4 5h16v10H4zM8 19h8M12 15v4',
  sources: 'M12 4c4.4 0 8 1.3 8 3s-3.6 3-8 3-8-1.3-8-3 3.6-3 8-3M4 7v5c0 1.7 3.6 3 8 3s8-1.3 8-3V7M4 12v5c0 1.7 3.6 3 8 3s8-1.3 8-3v-5',
  keys: 'M8 12a4 4 0 1 0-.01 0M12 12h8M17 12v3M20 12v2',
  settings: 'M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1',
};

function Icon({ name }: { name: string }) {
  return (
    <svg className="nav-icon" viewBox="0 0 24 24" width={18} height={18} fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={ICONS[name]} />
    </svg>
  );
}

const WORK: NavItem[] = [
  { to: '/live', label: 'nav.live', icon: 'live' },
  { to: '/journal', label: 'nav.journal', icon: 'journal' },
  { to: '/phonebook', label: 'nav.phonebook', icon: 'phonebook' },
  { to: '/actions', label: 'nav.actions', icon: 'actions' },
];
const ADMIN: NavItem[] = [
  { to: '/users', label: 'nav.users', icon: 'users' },
  { to: '/connections', label: 'nav.connections', icon: 'connections' },
  { to: '/sources', label: 'nav.sources', icon: 'sources' },
  { to: '/integrations', label: 'nav.integrations', icon: 'integrations' },
  { to: '/keys', label: 'nav.keys', icon: 'keys' },
  { to: '/settings', label: 'nav.settings', icon: 'settings' },
];

export function Layout({ children }: { children: ReactNode }) {
  const { session, t, signOut } = useApp();
  const { locale, setLocale } = useI18n();
  const { path } = useLocation();
  const item = (i: NavItem) => (
    <Link key={i.to} to={i.to} className={`nav-item${path === i.to || path.startsWith(`${i.to}/`) ? ' active' : ''}`}>
      <Icon name={i.icon} />
      {t(i.label)}
    </Link>
  );
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>{t('app.name')}</span>
        </div>
        <nav aria-label="main">
          <div className="nav-group">{t('nav.work')}</div>
          {WORK.map(item)}
          {session.role === 'admin' && (
            <>
              <div className="nav-group">{t('nav.admin')}</div>
              {ADMIN.map(item)}
            </>
          )}
        </nav>
        <div className="sidebar-footer">
          <div className="me">
            <div className="avatar" aria-hidden>
              {session.user.name.slice(0, 1).toUpperCase()}
            </div>
            <div>
              <div className="me-name">{session.user.name}</div>
              <div className="me-sub">
                {t(`role.${session.role}`)} · {session.user.extension}
              </div>
            </div>
          </div>
          <div className="segmented" role="group" aria-label={t('nav.language')}>
            {LOCALES.map((l) => (
              <button key={l} type="button" className={l === locale ? 'on' : ''} aria-pressed={l === locale} onClick={() => setLocale(l)}>
                {l.toUpperCase()}
              </button>
            ))}
          </div>
          <button type="button" className="btn btn-ghost btn-block" onClick={signOut}>
            {t('nav.signOut')}
          </button>
        </div>
      </aside>
      <main className="content">{children}</main>
    </div>
  );
}
