/**
 * Cisco IP Phone Services directory (`CiscoIPPhoneDirectory`) and search form (`CiscoIPPhoneInput`).
 *
 * Sources:
 * - Cisco, "Cisco Unified IP Phone Services Application Development Notes" (OL-20949-01, release
 *   7.1(3); OL-18696-01), chapter "CiscoIPPhone XML Objects":
 *   CiscoIPPhoneDirectory (`Title`, `Prompt`, `DirectoryEntry` › `Name`, `Telephone`; "a maximum
 *   of 32 DirectoryEntry objects … use multiple CiscoIPPhoneDirectory objects in subsequent HTTP
 *   requests", the next one announced by an HTTP Refresh header) and CiscoIPPhoneInput (`Title`,
 *   `Prompt`, `URL`, `InputItem` › `DisplayName`, `QueryStringParam`, `DefaultValue`,
 *   `InputFlags`; the phone appends `param=value` to `URL` with GET), and "Custom Directories"
 *   (Input → Directory); copies at https://www.manualsdir.com/manuals/63300/cisco-systems-ol-20949-01.html?page=23,
 *   https://azmanual.top/manuals/63300/cisco-systems-ol-20949-01.html?page=25 and
 *   https://manualshive.com/en/manual/cisco/ol-18696-01/65724?page=20
 * - The same guide's `SoftKeyItem` (`Name`, `URL`, `Position`) and SoftKey URIs (`SoftKey:Dial`,
 *   `SoftKey:EditDial`, `SoftKey:Exit`); custom soft keys replace the phone's defaults, so Dial,
 *   EditDial and Exit are listed again.
 *
 * Choices: 32 lines per page; the route also sends `Refresh: 0; url=<next page>` as the guide
 * describes, and the page has "Weiter"/"Zurück" soft keys. One `DirectoryEntry` per number,
 * labelled when a contact has several. The `Prompt` shows "page/pages".
 */
import { directoryLines, documentOf, element, indent, pageOf, WORDS_DE, type DirectoryOptions, type SearchFormOptions } from './xml.ts';
import type { Contact } from '../../core/contacts/contact.ts';

export const CISCO_PAGE_SIZE = 32;

export function render(contacts: Contact[], options: DirectoryOptions): string {
  const words = options.words ?? WORDS_DE;
  const page = pageOf(directoryLines(contacts, options.labels), options.page ?? 1, CISCO_PAGE_SIZE);
  const entries = page.items.flatMap((line) => [
    '<DirectoryEntry>',
    ...indent([element('Name', line.name), element('Telephone', line.telephone)]),
    '</DirectoryEntry>',
  ]);
  const keys: Array<[string, string]> = [[words.dial, 'SoftKey:Dial']];
  if (page.hasNext && options.pageUrl) keys.push([words.next, options.pageUrl(page.page + 1)]);
  if (page.hasPrevious && options.pageUrl) keys.push([words.previous, options.pageUrl(page.page - 1)]);
  if (options.searchUrl) keys.push([words.search, options.searchUrl]);
  keys.push([words.editDial, 'SoftKey:EditDial'], [words.exit, 'SoftKey:Exit']);
  const softKeys = keys.flatMap(([name, url], i) => [
    '<SoftKeyItem>',
    ...indent([element('Name', name), element('URL', url), element('Position', String(i + 1))]),
    '</SoftKeyItem>',
  ]);
  return documentOf('CiscoIPPhoneDirectory', [
    element('Title', options.title),
    element('Prompt', `${page.page}/${page.pages}`),
    ...entries,
    ...softKeys,
  ]);
}

export function renderSearch(options: SearchFormOptions): string {
  const words = options.words ?? WORDS_DE;
  return documentOf('CiscoIPPhoneInput', [
    element('Title', options.title),
    element('Prompt', words.query),
    element('URL', options.targetUrl),
    '<InputItem>',
    ...indent([
      element('DisplayName', words.query),
      element('QueryStringParam', 'q'),
      element('DefaultValue', options.query ?? ''),
      element('InputFlags', 'A'),
    ]),
    '</InputItem>',
  ]);
}
