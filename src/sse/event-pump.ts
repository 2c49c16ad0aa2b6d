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

  // Pings: one timer per stream, armed while the pump waits on the upstream and re-armed only when it
  // fires (a timer per read cost more than the rest of the pump on fast streams).
  const pingMs = options.pingIntervalMs ?? 0;
  let waiting: ReadableStreamDefaultController<Uint8Array> | undefined;
  let reads = 0;
  let readsAtArm = 0;
  let lastReadAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    readsAtArm = reads;
    timer = setTimeout(onTimer, ms);
    (timer as { unref?: () => void }).unref?.();
  };
  const onTimer = () => {
    timer = undefined;
    if (closed || !waiting) return;
    if (reads !== readsAtArm) {
      // Data came since the timer was armed: a full interval of silence is counted from the last read.
      return arm(Math.max(1, pingMs - (performance.now() - lastReadAt)));
    }
    if (options.ping) waiting.enqueue(encoder.encode(options.ping()));
    arm(pingMs);
  };
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let frames: string[] = [];
        try {
          for (;;) {
            if (closed) return;
            if (!pending) {
              pending = reader.read();
              pending.catch(() => {});
            }
            let result: ReadableStreamReadResult<Uint8Array>;
            if (pingMs > 0) {
              waiting = controller;
              if (!timer) arm(pingMs);
              try {
                result = await pending;
              } finally {
                waiting = undefined;
              }
              reads++;
              lastReadAt = performance.now();
            } else {
              result = await pending;
            }
            pending = undefined;
            events.length = 0;
            frames = [];
            if (result.done) {
              stopTimer();
              parser.end(events);
              for (const ev of events) for (const f of handlers.onEvent(ev)) frames.push(f);
              frames.push(...handlers.onEnd());
              return finish(controller, frames);
            }
            parser.push(result.value, events);
            for (const ev of events) for (const f of handlers.onEvent(ev)) frames.push(f);
            if (frames.length > 0) {
              controller.enqueue(encoder.encode(frames.join("")));
              return;
            }
          }
        } catch (error) {
          stopTimer();
          if (closed) return;
          reader.cancel(error).catch(() => {});
          // Frames from the events before the one that failed still go out, then the error's.
          finish(controller, [...frames, ...handlers.onError(error)]);
        }
      },
      cancel(reason) {
        closed = true;
        stopTimer();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
