/**
 * Names of connector types (sources, PBX connections, CRM connections) and the labels, help and
 * choices of their options, in the UI's language. The API serves each type's options schema with the
 * option ids (`timeoutSeconds`); people read the tables in options-en.ts / options-de.ts. A type or
 * option the tables do not know yet (a new connector) still gets a readable label from its id and the
 * schema's own description, never a raw camelCase id.
 */
import { useMemo } from 'react';
import { useI18n, type Locale } from './i18n.tsx';
import { choiceNamesDe, optionTextsDe, typeNamesDe } from './options-de.ts';
import { choiceNamesEn, optionTextsEn, typeNamesEn, type OptionText } from './options-en.ts';

export type ConnectorGroup = 'source' | 'pbx' | 'crm';

const TABLES: Record<Locale, { types: Record<string, string>; options: Record<string, OptionText>; choices: Record<string, string> }> = {
  en: { types: typeNamesEn, options: optionTextsEn, choices: choiceNamesEn },
  de: { types: typeNamesDe, options: optionTextsDe, choices: choiceNamesDe },
};

/** "timeoutSeconds" → "Timeout seconds", "microsoft-365" → "Microsoft 365". */
export function readable(id: string): string {
  const words = id
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export type ConnectorTexts = {
  /** The type's name for people; `title` is what the server calls it, used when the table has none. */
  typeName(group: ConnectorGroup, type: string, title?: string): string;
  /** Label and help of an option; `description` is the schema's, the fallback help. */
  option(group: ConnectorGroup, type: string, name: string, description?: string): OptionText;
  /** The text of one choice of an option (an enum value). */
  choice(group: ConnectorGroup, type: string, name: string, value: string): string;
};

export function connectorTexts(locale: Locale): ConnectorTexts {
  const { types, options, choices } = TABLES[locale];
  const has = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);
  return {
    typeName: (group, type, title) => has(types, `${group}.${type}`) ?? title ?? readable(type),
    option(group, type, name, description) {
      const text = has(options, `${group}.${type}.${name}`) ?? has(options, `${group}.${name}`) ?? has(options, name);
      // A known option's help is the table's (or none); the schema's English words only for unknown ones.
      return text ?? { label: readable(name), help: description };
    },
    choice: (group, type, name, value) => has(choices, `${group}.${type}.${name}=${value}`) ?? has(choices, `${name}=${value}`) ?? value,
  };
}

/** The texts in the language the user chose. */
export function useConnectorTexts(): ConnectorTexts {
  const { locale } = useI18n();
  return useMemo(() => connectorTexts(locale), [locale]);
}
