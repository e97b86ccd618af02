/**
 * Language of the UI: German or English, chosen by the user and remembered in localStorage; the
 * browser's language decides the first time. `t` fills `{name}` placeholders.
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { de } from './de.ts';
import { en, type MessageKey } from './en.ts';

export type Locale = 'de' | 'en';
export const LOCALES: Locale[] = ['de', 'en'];
const MESSAGES: Record<Locale, Record<MessageKey, string>> = { de, en };
const STORAGE_KEY = 'callbridge.locale';

function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'de' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

type I18n = { locale: Locale; setLocale(locale: Locale): void; t: Translate };

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = locale;
    const messages = MESSAGES[locale];
    return {
      locale,
      setLocale(next) {
        localStorage.setItem(STORAGE_KEY, next);
        setLocaleState(next);
      },
      t: (key, values) => messages[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values?.[name] ?? `{${name}}`)),
    };
  }, [locale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
