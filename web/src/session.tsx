/**
 * Who is signed in, the language and the formatters that go with both. Pages read them with useApp().
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { Session } from './api.ts';
import { formatters, type Formatters } from './format.ts';
import { useI18n, type Locale, type Translate } from './i18n/i18n.tsx';

type AppContextValue = {
  session: Session;
  t: Translate;
  locale: Locale;
  fmt: Formatters;
  signOut(): void;
  /** Replaces the session after a change of the user's own preferences. */
  updateSession(session: Session): void;
};

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ session, signOut, updateSession, children }: { session: Session; signOut(): void; updateSession(session: Session): void; children: ReactNode }) {
  const { t, locale } = useI18n();
  const value = useMemo(() => ({ session, t, locale, fmt: formatters(locale, session.defaultCountry), signOut, updateSession }), [session, t, locale, signOut, updateSession]);
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppProvider');
  return value;
}
