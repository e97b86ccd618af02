/**
 * Every directory source type, by id. Adding one = a folder under connectors/directory/ and one line
 * here; nothing else names a source type.
 */
import { carddavSourceType } from './carddav/carddav-source.ts';
import { csvSource } from './csv/csv-source.ts';
import type { DirectorySourceType } from './directory-source.ts';
import { ldapSourceType } from './ldap/ldap-source.ts';
import { exchangeEwsSource } from './ews/ews-source.ts';
import { microsoft365Source } from './graph/graph-source.ts';
import { salesforceSource } from './salesforce/salesforce-source.ts';
import { sugarcrmSource } from './sugarcrm/sugarcrm-source.ts';
import { vcardSourceType } from './vcard/vcard-source.ts';

export const DIRECTORY_SOURCE_TYPES = {
  csv: csvSource,
  ldap: ldapSourceType,
  'microsoft-365': microsoft365Source,
  'exchange-ews': exchangeEwsSource,
  salesforce: salesforceSource,
  sugarcrm: sugarcrmSource,
  vcard: vcardSourceType,
  carddav: carddavSourceType,
} as const satisfies Record<string, DirectorySourceType>;

export type DirectorySourceTypeId = keyof typeof DIRECTORY_SOURCE_TYPES;

export function directorySourceType(id: string): DirectorySourceType | undefined {
  return Object.hasOwn(DIRECTORY_SOURCE_TYPES, id) ? DIRECTORY_SOURCE_TYPES[id as DirectorySourceTypeId] : undefined;
}
