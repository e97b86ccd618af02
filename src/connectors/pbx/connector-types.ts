/**
 * Every PBX connector type Callbridge can connect to, by id. Adding one = a folder under
 * connectors/pbx/ and one line here.
 */
import { asteriskAmi } from './asterisk-ami/asterisk-ami-connector.ts';
import type { PbxConnectorType } from './pbx-connector.ts';

export const PBX_CONNECTOR_TYPES = {
  'asterisk-ami': asteriskAmi,
} as const satisfies Record<string, PbxConnectorType>;

export type PbxConnectorTypeId = keyof typeof PBX_CONNECTOR_TYPES;

export function connectorType(id: string): PbxConnectorType | undefined {
  return Object.hasOwn(PBX_CONNECTOR_TYPES, id) ? PBX_CONNECTOR_TYPES[id as PbxConnectorTypeId] : undefined;
}
