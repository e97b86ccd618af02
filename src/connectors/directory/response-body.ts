/**
 * A fetch Response's body as bytes, for readers that hand the stream on to be read later (CSV and
 * vCard downloads: the engine first loads last run's hashes, which can take a while).
 *
 * undici cancels the body of a Response that is garbage-collected before its body was touched
 * (a FinalizationRegistry in its fetch), and a cancelled body simply ends: a reader that kept only
 * `response.body` then saw an empty file whenever a garbage collection came between the response
 * and the first read (a re-sync of a million rows on PostgreSQL, every time). Here the body is
 * locked at once, and the Response stays referenced until the stream is done.
 */
export function responseBytes(response: Response, onError: (err: unknown, received: number) => unknown): AsyncGenerator<Uint8Array> {
  if (!response.body) throw new Error('responseBytes needs a response with a body');
  // Locked now: undici's registry leaves a locked stream alone.
  const reader = response.body.getReader();
  return read(response, reader, onError);
}

async function* read(response: Response, reader: ReadableStreamDefaultReader<Uint8Array>, onError: (err: unknown, received: number) => unknown): AsyncGenerator<Uint8Array> {
  let received = 0;
  let finished = false;
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (err) {
        finished = true;
        throw onError(err, received);
      }
      if (next.done) {
        finished = true;
        return;
      }
      received += next.value.byteLength;
      yield next.value;
    }
  } finally {
    // Stopped early (the run failed or was stopped): close the connection.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
    // The Response lives as long as its body is read (see above).
    void response.ok;
  }
}
