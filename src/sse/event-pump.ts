import { SseParser, type SseEvent } from "./sse-decoder.js";

export interface EventHandlers {
  /** Frames to send for one upstream event (may be none). */
  onEvent(event: SseEvent): string[];
  /** Frames to send when the upstream ends normally. */
  onEnd(): string[];
  /** Frames to send when the upstream fails mid-stream (socket reset, invalid data): a clean ending. */
  onError(error: unknown): string[];
}

export interface PumpOptions {
  /** Send `ping()` after this long without output (0: never). Keeps idle proxies and Bun from closing. */
  pingIntervalMs?: number;
  ping?: () => string;
}

const encoder = new TextEncoder();

/**
 * Reads an upstream SSE body event by event and writes what the handlers return, as it arrives.
 * Pull-based: nothing is read ahead of the client, and a client that leaves cancels the upstream
 * read, which aborts the upstream request. A failure mid-stream becomes the handler's error frames
 * and a clean close, never a cut connection.
 */
export function pumpEvents(source: ReadableStream<Uint8Array>, handlers: EventHandlers, options: PumpOptions = {}): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const parser = new SseParser();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let closed = false;
  const events: SseEvent[] = [];

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, frames: string[]) => {
    closed = true;
    if (frames.length > 0) controller.enqueue(encoder.encode(frames.join("")));
    controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            if (closed) return;
            if (!pending) {
              pending = reader.read();
              pending.catch(() => {});
            }
            let timer: ReturnType<typeof setTimeout> | undefined;
            const result = options.pingIntervalMs
              ? await Promise.race([pending, new Promise<"ping">((resolve) => (timer = setTimeout(resolve, options.pingIntervalMs, "ping")))])
              : await pending;
            if (timer) clearTimeout(timer);
            if (result === "ping") {
              if (options.ping) controller.enqueue(encoder.encode(options.ping()));
              return;
            }
            pending = undefined;
            events.length = 0;
            if (result.done) {
              parser.end(events);
              const frames = events.flatMap((ev) => handlers.onEvent(ev));
              frames.push(...handlers.onEnd());
              return finish(controller, frames);
            }
            parser.push(result.value, events);
            const frames: string[] = [];
            for (const ev of events) for (const f of handlers.onEvent(ev)) frames.push(f);
            if (frames.length > 0) {
              controller.enqueue(encoder.encode(frames.join("")));
              return;
            }
          }
        } catch (error) {
          if (closed) return;
          reader.cancel(error).catch(() => {});
          finish(controller, handlers.onError(error));
        }
      },
      cancel(reason) {
        closed = true;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
