/**
 * Passes bytes through untouched and keeps only the last `keep` bytes, handed to `onEnd` when the
 * stream finishes. Passthrough streams use it to read the final usage chunk without parsing every
 * chunk on the way (the usage chunk comes last, just before [DONE]).
 */
export function tapTail(keep: number, onEnd: (tail: string) => void): TransformStream<Uint8Array, Uint8Array> {
  let tail = new Uint8Array(0);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      if (chunk.byteLength >= keep) tail = chunk.slice(chunk.byteLength - keep);
      else {
        const joined = new Uint8Array(Math.min(keep, tail.byteLength + chunk.byteLength));
        const fromTail = joined.byteLength - chunk.byteLength;
        joined.set(tail.subarray(tail.byteLength - fromTail), 0);
        joined.set(chunk, fromTail);
        tail = joined;
      }
    },
    flush() {
      onEnd(new TextDecoder().decode(tail));
    },
  });
}

/** The last `"usage":{...}` object in an OpenAI chat stream tail, if any. */
export function lastChatUsage(tail: string): unknown {
  const lines = tail.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith("data: {") || !line.includes('"usage"')) continue;
    try {
      const usage = (JSON.parse(line.slice(6)) as { usage?: unknown }).usage;
      if (usage) return usage;
    } catch {
      // a partial line at the start of the tail
    }
  }
  return undefined;
}
