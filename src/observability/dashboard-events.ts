import type { Context } from "hono";
import type { Recorder, RequestRecord } from "./recorder.js";
import { redactDeep } from "./redact-deep.js";

export interface DashboardEventsOptions {
  /** Records replayed on connect, so a fresh page has a table at once. Default 100. */
  backlog?: number;
  /** Comment lines that keep proxies and idle timeouts from closing a quiet stream. Default 15 s. */
  pingMs?: number;
  /** A client this many events behind is not reading: drop it rather than buffer without bound. */
  maxQueued?: number;
}

/** What the page gets for one request: never the bodies (prompts stay off the browser), every string redacted. */
export function publicRecord(record: RequestRecord): Omit<RequestRecord, "bodies"> {
  const { bodies: _bodies, ...rest } = record;
  return redactDeep(rest);
}

const frame = (event: string, data: unknown, id?: number) =>
  `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  // Tells nginx-style proxies not to hold the stream back.
  "x-accel-buffering": "no",
};

/**
 * GET /dashboard/events: `hello` (the page clears its table: after a reconnect the backlog comes
 * again), the last records, `ready`, then one `record` per finished request and a ping every 15 s. The
 * recorder listener and the timer are released when the client goes (stream cancel, or the
 * request's abort signal, whichever the runtime gives first), and the stream ends on
 * recorder.shutdown() so that a graceful shutdown doesn't wait for open dashboards.
 */
export function dashboardEvents(recorder: Recorder, startedAt: number, options: DashboardEventsOptions = {}) {
  const backlog = options.backlog ?? 100;
  const pingMs = options.pingMs ?? 15_000;
  const maxQueued = options.maxQueued ?? 1000;
  return (c: Context): Response => {
    // Hono answers HEAD through the GET handler and drops the body unread: never subscribe for it.
    if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
    if (recorder.shuttingDown) return new Response("The server is shutting down", { status: 503, headers: { "cache-control": "no-store" } });
    const signal = c.req.raw.signal;
    const encoder = new TextEncoder();
    let release = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const stop = () => {
          if (closed) return;
          closed = true;
          release();
          try {
            controller.close();
          } catch {
            // already closed or errored by the runtime
          }
        };
        const send = (text: string) => {
          if (closed) return;
          if ((controller.desiredSize ?? 0) < -maxQueued) return stop();
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        const unsubscribe = recorder.subscribe((r) => send(frame("record", publicRecord(r), r.id)));
        const offShutdown = recorder.onShutdown(stop);
        const timer = setInterval(() => send(": ping\n\n"), pingMs);
        (timer as { unref?: () => void }).unref?.();
        signal.addEventListener("abort", stop, { once: true });
        release = () => {
          unsubscribe();
          offShutdown();
          clearInterval(timer);
          signal.removeEventListener("abort", stop);
        };
        send("retry: 3000\n\n");
        send(frame("hello", { startedAt: new Date(startedAt).toISOString() }));
        const replay = recorder.recent(backlog);
        for (const r of replay) send(frame("record", publicRecord(r), r.id));
        send(frame("ready", { replayed: replay.length }));
        if (signal.aborted) stop();
      },
      cancel() {
        release();
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  };
}
