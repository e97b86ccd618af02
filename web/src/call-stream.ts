/**
 * The live call stream (`/api/v1/calls/stream`, Server-Sent Events; the session cookie goes along).
 * EventSource reconnects by itself and resumes with Last-Event-ID, so nothing is missed in between.
 * A call's `version` only grows: an older copy never replaces a newer one.
 */
import { useEffect, useRef, useState } from 'react';
import type { Call } from './api.ts';

export const CALL_EVENTS = ['call.ringing', 'call.answered', 'call.transferred', 'call.ended'] as const;
export type CallEventType = (typeof CALL_EVENTS)[number];

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * Calls `onChange` for every change of a call (of one extension, when given). `onOpen` runs each time
 * the stream is (re)connected: the server subscribes before it answers, so what `onOpen` reads then
 * and what the stream sends afterwards leave no gap.
 */
export function useCallStream(onChange: (type: CallEventType, call: Call) => void, extension?: string, onOpen?: () => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const handler = useRef(onChange);
  handler.current = onChange;
  const opened = useRef(onOpen);
  opened.current = onOpen;
  useEffect(() => {
    const url = `/api/v1/calls/stream${extension ? `?extension=${encodeURIComponent(extension)}` : ''}`;
    const source = new EventSource(url);
    const versions = new Map<string, number>();
    source.onopen = () => {
      setStatus('live');
      opened.current?.();
    };
    source.onerror = () => setStatus('reconnecting');
    for (const type of CALL_EVENTS) {
      source.addEventListener(type, (e) => {
        const call = JSON.parse((e as MessageEvent<string>).data) as Call;
        if ((versions.get(call.id) ?? -1) >= call.version) return;
        versions.set(call.id, call.version);
        handler.current(type, call);
      });
    }
    return () => source.close();
  }, [extension]);
  return status;
}
