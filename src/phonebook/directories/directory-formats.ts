/**
 * The desk-phone directory formats: a static registry from the format id in the URL
 * (`/api/v1/directory/<id>.xml`) to its renderer, content type and capabilities. The route
 * branches on the capabilities, never on the vendor.
 */
import type { Contact, NumberType } from '../../core/contacts/contact.ts';
import * as cisco from './cisco-directory.ts';
import * as grandstream from './grandstream-directory.ts';
import * as snom from './snom-directory.ts';
import * as yealink from './yealink-directory.ts';
import { WORDS_DE, type DirectoryOptions, type DirectoryWords, type SearchFormOptions } from './xml.ts';

export type DirectoryFormat = {
  render(contacts: Contact[], options: DirectoryOptions): string;
  /** The search form (an input screen that sends `q` to the directory URL); absent when the phone cannot search on the server. */
  renderSearch?: (options: SearchFormOptions) => string;
  contentType: string;
  /** Entries per page when the phone needs paging; null when it takes the whole list. */
  pageSize: number | null;
  /** Whether the next page is announced with an HTTP `Refresh` header (Cisco's documented way). */
  refreshHeader: boolean;
};

const XML = 'text/xml; charset=utf-8';

export const DIRECTORY_FORMATS = {
  yealink: { render: yealink.render, renderSearch: yealink.renderSearch, contentType: XML, pageSize: null, refreshHeader: false },
  snom: { render: snom.render, renderSearch: snom.renderSearch, contentType: XML, pageSize: snom.SNOM_PAGE_SIZE, refreshHeader: false },
  grandstream: { render: grandstream.render, contentType: XML, pageSize: null, refreshHeader: false },
  cisco: { render: cisco.render, renderSearch: cisco.renderSearch, contentType: XML, pageSize: cisco.CISCO_PAGE_SIZE, refreshHeader: true },
} as const satisfies Record<string, DirectoryFormat>;

export type DirectoryFormatId = keyof typeof DIRECTORY_FORMATS;

/** Grandstream phones append `/phonebook.xml` to the configured server path; that file name means Grandstream. */
export const FILE_ALIASES: Record<string, DirectoryFormatId> = { phonebook: 'grandstream' };

export function directoryFormat(id: string): DirectoryFormat | undefined {
  return Object.hasOwn(DIRECTORY_FORMATS, id) ? (DIRECTORY_FORMATS as Record<string, DirectoryFormat>)[id] : undefined;
}

export const DIRECTORY_LANGUAGES = ['de', 'en'] as const;
export type DirectoryLanguage = (typeof DIRECTORY_LANGUAGES)[number];

/** What the phone shows, per language; German is the default. */
export const DIRECTORY_TEXTS = {
  de: {
    title: 'Telefonbuch',
    labels: { business: 'Geschäftlich', mobile: 'Mobil', home: 'Privat', fax: 'Fax', other: 'Sonstige' },
    words: WORDS_DE,
  },
  en: {
    title: 'Phonebook',
    labels: { business: 'Business', mobile: 'Mobile', home: 'Home', fax: 'Fax', other: 'Other' },
    words: { search: 'Search', query: 'Name or number', next: 'Next', previous: 'Back', dial: 'Dial', editDial: 'EditDial', exit: 'Exit' },
  },
} as const satisfies Record<DirectoryLanguage, { title: string; labels: Record<NumberType, string>; words: DirectoryWords }>;
