/**
 * Transfers reported by AMI, as one `transferred` event each. Pure.
 *
 * - BlindTransfer (docs.asterisk.org "Asterisk 22 ManagerEvent_BlindTransfer"; recorded in
 *   fixtures/07): Transferer*, Transferee* channel snapshots, `Extension`@`Context` the target,
 *   `Result`. The transferee stays in its conversation and dials the target there, so the target's
 *   ringing and answer are ordinary Dial events of the same call.
 * - AttendedTransfer ("ManagerEvent_AttendedTransfer"; not recorded): OrigTransferer* is the
 *   transferer's channel in the bridge with the transferee, SecondTransferer* its channel to the
 *   target, TransferTarget* the target, DestType Bridge | App | Link | Threeway | Fail. The target's
 *   extension is its leg's, else TransferTargetCallerIDNum, SecondTransfererConnectedLineNum or
 *   SecondTransfererExten. When the consultation was a call of its own (another Linkedid, e.g. a SIP
 *   REFER with Replaces), the target's leg ends there and is answered in the transferee's call.
 * Only `Result: Success` counts. The transferer's later leaving is no hangup of the call.
 */
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { clean } from './ami-channels.ts';
import { field, looksLikeExtension } from './ami-classification.ts';
import type { AmiCalls } from './ami-conversations.ts';
import type { AmiMessage } from './ami-parser.ts';

export function blindTransfer(calls: AmiCalls, m: AmiMessage, at: string): CallEvent[] {
  if (field(m, 'Result') !== 'Success') return [];
  const transferer = calls.find(m, 'TransfererUniqueid');
  const k = calls.find(m, 'TransfereeUniqueid') ?? transferer;
  if (!k) return [];
  const leg = transferer?.conv === k.conv ? transferer.leg : undefined;
  const extension = leg?.extension ?? extensionOr(field(m, 'TransfererCallerIDNum'));
  return calls.transfer(k.conv, leg, clean(field(m, 'Extension')), 'blind', at, extension);
}

export function attendedTransfer(calls: AmiCalls, m: AmiMessage, at: string): CallEvent[] {
  if (field(m, 'Result') !== 'Success') return [];
  const orig = calls.find(m, 'OrigTransfererUniqueid');
  const second = calls.find(m, 'SecondTransfererUniqueid');
  const target = calls.find(m, 'TransferTargetUniqueid');
  const k = calls.find(m, 'TransfereeUniqueid') ?? orig;
  if (!k) return [];
  const leg = orig?.conv === k.conv ? orig.leg : undefined;
  if (second?.leg && second.leg.id !== target?.leg?.id) second.leg.handedOver = true;
  const extension = leg?.extension ?? extensionOr(field(m, 'OrigTransfererCallerIDNum'));
  const to =
    target?.leg?.extension ??
    extensionOr(field(m, 'TransferTargetCallerIDNum')) ??
    extensionOr(field(m, 'SecondTransfererConnectedLineNum')) ??
    (clean(field(m, 'SecondTransfererExten')) || clean(field(m, 'TransferTargetCallerIDNum')));
  const out = calls.transfer(k.conv, leg, to, 'attended', at, extension);
  if (target && target.conv !== k.conv) out.push(...calls.adopt(target.ch, k.conv, at));
  else if (target?.leg && target.leg.id !== k.conv.origin) out.push(...calls.answer(k.conv, target.leg, at));
  return out;
}

function extensionOr(value: string): string | null {
  return looksLikeExtension(value) ? value : null;
}
