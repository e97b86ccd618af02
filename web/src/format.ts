/**
 * Dates, durations and phone numbers for the chosen language. Numbers of the tenant's own country are
 * shown the national way (030 1234567), others internationally (+45 12 34 56 78).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import type { PhoneNumber } from './api.ts';
import type { Locale } from './i18n/i18n.tsx';

const TAGS: Record<Locale, string> = { de: 'de-DE', en: 'en-GB' };

export type Formatters = {
  dateTime(iso: string): string;
  time(iso: string): string;
  date(iso: string): string;
  duration(seconds: number | null | undefined): string;
  /** A short wait, such as a request's: "850 ms", "1.2 s". */
  elapsed(ms: number): string;
  phone(number: PhoneNumber | string | null | undefined, withheldText?: string): string;
  count(n: number): string;
};

export function formatters(locale: Locale, defaultCountry: string): Formatters {
  const tag = TAGS[locale];
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(tag, { timeStyle: 'medium' });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'medium' });
  const unit = (u: string) => new Intl.NumberFormat(tag, { style: 'unit', unit: u, unitDisplay: 'narrow' });
  const hours = unit('hour');
  const minutes = unit('minute');
  const seconds = unit('second');
  const count = new Intl.NumberFormat(tag);
  const millis = new Intl.NumberFormat(tag, { style: 'unit', unit: 'millisecond', unitDisplay: 'short' });
  const tenths = new Intl.NumberFormat(tag, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 });
  return {
    dateTime: (iso) => dateTime.format(new Date(iso)),
    time: (iso) => time.format(new Date(iso)),
    date: (iso) => date.format(new Date(iso)),
    duration(total) {
      if (total === null || total === undefined) return '–';
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = Math.round(total % 60);
      if (h > 0) return `${hours.format(h)} ${minutes.format(m)}`;
      if (m > 0) return `${minutes.format(m)} ${seconds.format(s)}`;
      return seconds.format(s);
    },
    elapsed: (ms) => (ms < 1000 ? millis.format(Math.round(ms)) : tenths.format(ms / 1000)),
    phone(number, withheldText = '–') {
      if (!number) return '–';
      const n = typeof number === 'string' ? { raw: number, e164: number.startsWith('+') ? number : null, withheld: false } : number;
      if (n.withheld) return withheldText;
      if (!n.e164) return n.raw;
      const parsed = parsePhoneNumberFromString(n.e164);
      if (!parsed) return n.e164;
      return parsed.country === (defaultCountry as CountryCode) ? parsed.formatNational() : parsed.formatInternational();
    },
    count: (n) => count.format(n),
  };
}

/** Seconds since `iso`, for the running timers of live calls. */
export function secondsSince(iso: string, now = Date.now()): number {
  return Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
}
