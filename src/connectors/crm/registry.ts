/**
 * Every CRM type Callbridge ships. Static and exhaustive (STYLE.md): adding a type means a folder
 * under connectors/crm/ and one line here.
 */
import type { CrmConnectorType } from './crm-connector.ts';
import { restType } from './rest/rest-connector.ts';
import { salesforceType } from './salesforce/salesforce-connector.ts';

export const CRM_TYPE_IDS = ['salesforce', 'rest'] as const;
export type CrmTypeId = (typeof CRM_TYPE_IDS)[number];

export const CRM_TYPES = {
  salesforce: salesforceType,
  rest: restType,
} as const satisfies Record<CrmTypeId, CrmConnectorType>;

export function crmType(id: string): CrmConnectorType | undefined {
  return (CRM_TYPE_IDS as readonly string[]).includes(id) ? CRM_TYPES[id as CrmTypeId] : undefined;
}
