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
};

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ session, signOut, children }: { session: Session; signOut(): void; children: ReactNode }) {
  const { t, locale } = useI18n();
  const value = useMemo(() => ({ session, t, locale, fmt: formatters(locale, session.defaultCountry), signOut }), [session, t, locale, signOut]);
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppProvider');
  return value;
}
