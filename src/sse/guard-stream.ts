/**
 * Wraps an upstream body so that a failure mid-stream (a dropped socket, a reset) ends the client's
 * stream cleanly with a final event in its dialect instead of a cut connection. Pull-based, so
 * nothing is buffered ahead of the client, and cancelling (the client left) cancels the upstream.
 * `onEnd`, when given, may add a last frame when the source ends normally (e.g. an error chunk for
 * an upstream that stopped before its closing marker).
 */
export function guardStream(
  source: ReadableStream<Uint8Array>,
  onError: (error: unknown) => Uint8Array | undefined,
  onEnd?: () => Uint8Array | undefined,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            const tail = onEnd?.();
            if (tail) controller.enqueue(tail);
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          const tail = onError(error);
          if (tail) controller.enqueue(tail);
          controller.close();
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
