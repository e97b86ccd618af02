/**
 * Yealink "Remote Phone Book" and XML-browser directory (`YealinkIPPhoneDirectory`).
 *
 * Sources:
 * - Yealink, "Administrator's Guide for SIP-T2/T4/T5 Series IP Phones", Directory → Remote Phone
 *   Book (`remote_phonebook.data.N.url`, `.name`; web UI Directory → Remote Phone Book), copy at
 *   https://manualarchiveguide.com/manuals/Yealink-SIP-T2-Series-Administrator-s-Manual-4781961?page=368
 *   (local directory: up to 1000 contacts).
 * - Yealink, "XML Browser Developer's Guide" (SIP-T4X, release 71–80): the Directory object
 *   (`YealinkIPPhoneDirectory` › `Title`, `DirectoryEntry` › `Name`, `Telephone`) and the
 *   InputScreen object (`YealinkIPPhoneInputScreen type="string"` › `Title`, `URL`, `InputField`
 *   › `Prompt`, `Parameter`, `Default`); copies at http://manualzz.com/doc/1165335/yealink-sip-t4x-specifications
 *   and https://www.manualslib.com/manual/1197281/Yealink-Sip-Vp-T49g.html.
 *
 * Choices: one `DirectoryEntry` per number (several `Telephone` children per entry are read by
 * some firmware only), labelled "Name (Mobil)" when a contact has several numbers. No paging: the
 * phone downloads the remote phone book whole and pages on its own. Search is the InputScreen,
 * reached from an XML-browser key; its `Parameter` is appended to `URL` as `q=<text>`.
 */
import { directoryLines, documentOf, element, indent, WORDS_DE, type DirectoryOptions, type SearchFormOptions } from './xml.ts';
import type { Contact } from '../../core/contacts/contact.ts';

export function render(contacts: Contact[], options: DirectoryOptions): string {
  const entries = directoryLines(contacts, options.labels).flatMap((line) => [
    '<DirectoryEntry>',
    ...indent([element('Name', line.name), element('Telephone', line.telephone)]),
    '</DirectoryEntry>',
  ]);
  return documentOf('YealinkIPPhoneDirectory', [element('Title', options.title), ...entries]);
}

export function renderSearch(options: SearchFormOptions): string {
  const words = options.words ?? WORDS_DE;
  return documentOf(
    'YealinkIPPhoneInputScreen',
    [
      element('Title', options.title),
      element('URL', options.targetUrl),
      '<InputField type="string">',
      ...indent([element('Prompt', words.query), element('Parameter', 'q'), element('Default', options.query ?? '')]),
      '</InputField>',
    ],
    { type: 'string' },
  );
}
