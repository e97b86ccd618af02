/**
 * Snom XML Minibrowser directory (`SnomIPPhoneDirectory`) and search form (`SnomIPPhoneInput`).
 *
 * Sources:
 * - Snom, "Snom XML Minibrowser" (object list, UTF-8 declaration recommended),
 *   http://docs.snom.io/xml_minibrowser/ and https://service.snom.com/display/wiki/Snom+XML+Minibrowser
 * - Snom, "SnomIPPhoneDirectory" (`Title`, `Prompt`, `DirectoryEntry` › `Name`, `Telephone`; the
 *   `Telephone` text is dialled as a SIP URI and a space becomes `%20`, hence dial strings without
 *   spaces), docs.snom.io source `docs/xml_minibrowser/…/SnomIPPhoneDirectory.md`.
 * - Snom, "SnomIPPhoneInput", https://service.snom.com/display/wiki/SnomIPPhoneInput (`Url`, spelled as in its examples, with an
 *   `InputToken` the phone replaces by the entered text; `InputItem` › `DisplayName`,
 *   `DefaultValue`, `InputToken`, `InputFlags` a = text).
 * - Snom User Wiki, "Minibrowser", http://wiki.snom.com/Minibrowser ("speedselect does not
 *   support more than 100 lines"; no control characters in text).
 *
 * Choices: one `DirectoryEntry` per number, labelled when a contact has several; at most 100
 * lines per page (the speed-select limit), further pages by `page=`; the `Prompt` says which
 * page is shown. Soft keys are left to the firmware, whose key names differ between models.
 */
import { directoryLines, documentOf, element, indent, pageOf, WORDS_DE, type DirectoryOptions, type SearchFormOptions } from './xml.ts';
import type { Contact } from '../../core/contacts/contact.ts';

export const SNOM_PAGE_SIZE = 100;

/** The text the phone replaces by the entered query in the search form's URL. */
export const SNOM_INPUT_TOKEN = '__Q__';

export function render(contacts: Contact[], options: DirectoryOptions): string {
  const page = pageOf(directoryLines(contacts, options.labels), options.page ?? 1, SNOM_PAGE_SIZE);
  const prompt = page.pages > 1 ? `${page.page}/${page.pages}` : options.title;
  const entries = page.items.flatMap((line) => [
    '<DirectoryEntry>',
    ...indent([element('Name', line.name), element('Telephone', line.telephone)]),
    '</DirectoryEntry>',
  ]);
  return documentOf('SnomIPPhoneDirectory', [element('Title', options.title), element('Prompt', prompt), ...entries]);
}

export function renderSearch(options: SearchFormOptions): string {
  const words = options.words ?? WORDS_DE;
  const separator = options.targetUrl.includes('?') ? '&' : '?';
  return documentOf('SnomIPPhoneInput', [
    element('Title', options.title),
    element('Prompt', words.query),
    element('Url', `${options.targetUrl}${separator}q=${SNOM_INPUT_TOKEN}`),
    '<InputItem>',
    ...indent([
      element('DisplayName', words.query),
      element('DefaultValue', options.query ?? ''),
      element('InputToken', SNOM_INPUT_TOKEN),
      element('InputFlags', 'a'),
    ]),
    '</InputItem>',
  ]);
}
