/**
 * Following an SSE response in a test: every message parsed (the CLI's parser) into `messages` in
 * the background, until `stop()`.
 */
import { SseParser, type SseMessage } from '../../src/cli/sse-client.ts';

export function collectSse(res: Response): { messages: SseMessage[]; stop(): Promise<void> } {
  const messages: SseMessage[] = [];
  const parser = new SseParser();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      messages.push(...parser.feed(decoder.decode(chunk.value, { stream: true })));
    }
  })();
  return { messages, stop: () => reader.cancel().catch(() => {}) };
}
