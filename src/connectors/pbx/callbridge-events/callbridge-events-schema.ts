/** JSON Schema of the own event format, for OpenAPI. Validation itself is in the mapping. */
import { CALL_DIRECTIONS, END_CAUSES, TRANSFER_TYPES } from '../../../core/calls/call.ts';
import { OWN_EVENT_TYPES } from './callbridge-events-mapping.ts';

export const callbridgeEventSchema = {
  type: 'object',
  required: ['type', 'callId', 'direction', 'from', 'to'],
  properties: {
    type: { type: 'string', enum: [...OWN_EVENT_TYPES] },
    callId: { type: 'string', description: "The PBX's id of this leg." },
    linkedCallId: { type: 'string', description: 'The id of the conversation the leg belongs to.' },
    direction: { type: 'string', enum: [...CALL_DIRECTIONS] },
    from: { type: 'string', description: 'Calling number as the PBX wrote it; anonymous/unknown/empty = withheld.' },
    to: { type: 'string', description: 'Called number (for inbound calls: the DID).' },
    extension: { type: 'string', description: 'The extension ringing, answering or handing over.' },
    queue: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    cause: { type: 'string', enum: [...END_CAUSES], description: 'Why the leg ended (call.ended).' },
    transferTo: { type: 'string', description: 'Target of a call.transferred.' },
    transferType: { type: 'string', enum: [...TRANSFER_TYPES] },
    timestamp: { type: 'string', format: 'date-time', description: 'When it happened; defaults to the receive time.' },
    eventId: { type: 'string', description: 'Sender id for de-duplication; without it a hash of the event is used.' },
  },
} as const;
