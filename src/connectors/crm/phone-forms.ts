/**
 * The written forms of one number that CRMs store or expect: people type numbers into CRMs as they
 * see fit ("+49 30 1234567", "030 1234567", "0049301234567"), and CRM searches compare text, not
 * numbers. Pure.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneForms = {
  /** `+49301234567`, or the raw value when it is not an international number. */
  e164: string;
  /** `030 1234567` as the country writes it. */
  national: string;
  /** `0301234567`. */
  nationalDigits: string;
  /** `+49 30 1234567`. */
  international: string;
  /** `49301234567`. */
  digits: string;
  /** `004930 1234567` written without spaces: `004930…`. */
  idd: string;
};

export function phoneForms(number: string): PhoneForms {
  const parsed = number.startsWith('+') ? parsePhoneNumberFromString(number) : undefined;
  if (!parsed) {
    const digits = number.replace(/\D/g, '');
    return { e164: number, national: number, nationalDigits: digits, international: number, digits, idd: digits };
  }
  const national = parsed.formatNational();
  const digits = parsed.number.slice(1);
  return { e164: parsed.number, national, nationalDigits: national.replace(/\D/g, ''), international: parsed.formatInternational(), digits, idd: '00' + digits };
}

/** The last `n` digits (some CRMs match on a number's tail). */
export function lastDigits(forms: PhoneForms, n: number): string {
  return forms.digits.slice(-n);
}

/** Every distinct form, most specific first (for an OR search). */
export function allForms(forms: PhoneForms): string[] {
  return [...new Set([forms.e164, forms.international, forms.national, forms.nationalDigits, forms.idd])];
}
