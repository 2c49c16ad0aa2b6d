// Writes successful (200) answers, JSON or SSE, applying pacing, chunk splitting, client-abort
// detection and the one-shot stream faults (drop-after-first-chunk, stall-after-first-chunk,
// invalid-json, truncate, error-in-stream, auth-error-in-stream).
import type { ServerResponse } from "node:http";
import { splitPieces } from "./chunk-split.js";
import { sendJson } from "./http-io.js";
import { serializeEvent, type FaultShapes, type SseEvent } from "./sse.js";
import type { Exchange } from "./state.js";

export function copilotHeaders(ex: Exchange): Record<string, string> {
  const id = ex.state.ids.next("", 32);
  return {
    "x-request-id": id,
    "x-github-request-id": `FAKE:${id.slice(0, 8).toUpperCase()}`,
  };
}

/**
 * Writes one chunk and yields a turn of the event loop (waiting for 'drain' under backpressure),
 * so consecutive pieces leave as separate socket writes. Resolves false once the response closed.
 */
function writeChunk(res: ServerResponse, chunk: Uint8Array | string): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(false);
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      res.off("close", onClose);
      res.off("drain", onDrain);
      resolve(ok && !res.destroyed);
    };
    const onClose = () => finish(false);
    const onDrain = () => setImmediate(() => finish(true));
    res.once("close", onClose);
    if (res.write(chunk)) setImmediate(() => finish(true));
    else res.once("drain", onDrain);
  });
}

/** setTimeout-based pause that ends early when the response closes. */
function pause(res: ServerResponse, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once("close", done);
  });
}

function untilClosed(ex: Exchange): Promise<void> {
  return new Promise((resolve) => {
    if (ex.isClosed()) return resolve();
    ex.res.once("close", () => resolve());
  });
}

/** "[[pace:N]]" anywhere in the request body paces this answer's events N ms apart, overriding paceMs. */
function paceMsOf(ex: Exchange): number {
  const m = ex.call.rawBody.includes("[[pace:") ? /\[\[pace:(\d+)\]\]/.exec(ex.call.rawBody) : null;
  return m ? Number(m[1]) : ex.state.paceMs;
}

async function writeEvents(ex: Exchange, events: SseEvent[]): Promise<boolean> {
  const { res, state } = ex;
  if (state.streamGate && events.length > 1) {
    // Held (FakeUpstream.holdStreams): the first event, then nothing until the test lets go.
    if (!(await writeChunk(res, serializeEvent(events[0]!)))) return false;
    await state.streamGate;
    if (ex.isClosed()) return false;
    events = events.slice(1);
  }
  const paceMs = paceMsOf(ex);
  if (!state.chunkSplit) {
    for (let i = 0; i < events.length; i++) {
      if (i > 0) await pause(res, paceMs);
      if (!(await writeChunk(res, serializeEvent(events[i]!)))) return false;
    }
    return true;
  }
  if (paceMs <= 0) {
    const all = Buffer.from(events.map(serializeEvent).join(""), "utf8");
    for (const piece of splitPieces(all).pieces) {
      if (!(await writeChunk(res, piece))) return false;
    }
    return true;
  }
  let cycle = 0;
  for (let i = 0; i < events.length; i++) {
    if (i > 0) await pause(res, paceMs);
    const split = splitPieces(Buffer.from(serializeEvent(events[i]!), "utf8"), cycle);
    cycle = split.cycle;
    for (const piece of split.pieces) {
      if (!(await writeChunk(res, piece))) return false;
    }
  }
  return true;
}

export async function sendStream(ex: Exchange, events: SseEvent[], shapes: FaultShapes): Promise<void> {
  const fault = ex.takeStreamFault();
  const { res } = ex;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    ...copilotHeaders(ex),
  });
  res.flushHeaders();
  const first = events.slice(0, 1);
  switch (fault) {
    case "drop-after-first-chunk":
      if (await writeChunk(res, first.map(serializeEvent).join(""))) ex.destroySocket();
      return;
    case "stall-after-first-chunk":
      if (await writeChunk(res, first.map(serializeEvent).join(""))) await untilClosed(ex);
      return;
    case "truncate":
      events = events.filter((e) => !e.terminal);
      break;
    case "error-in-stream":
      events = [...events.slice(0, Math.min(2, events.length - 1)), shapes.streamError];
      break;
    case "auth-error-in-stream": {
      const token = /^Bearer\s+(\S+)/i.exec(ex.call.headers.authorization ?? "")?.[1];
      const rec = token ? ex.state.copilotTokens.get(token) : undefined;
      if (rec) rec.revoked = true;
      events = [shapes.authError];
      break;
    }
    case "invalid-json":
      events = [...events.slice(0, 1), shapes.invalidJson, ...events.slice(1)];
      break;
    default:
      break;
  }
  if (await writeEvents(ex, events)) res.end();
}

/** A 200 JSON answer, honouring the non-stream variants of the stream faults. */
export async function sendReplyJson(ex: Exchange, body: unknown, shapes: FaultShapes, headers: Record<string, string> = {}): Promise<void> {
  const fault = ex.takeStreamFault();
  const { res } = ex;
  const hdrs = { ...copilotHeaders(ex), ...headers };
  const text = JSON.stringify(body);
  const half = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const partial = () => res.writeHead(200, { "content-type": "application/json; charset=utf-8", ...hdrs });
  switch (fault) {
    case "drop-after-first-chunk":
      partial();
      if (await writeChunk(res, half)) ex.destroySocket();
      return;
    case "stall-after-first-chunk":
      partial();
      if (await writeChunk(res, half)) await untilClosed(ex);
      return;
    case "truncate":
      partial();
      if (await writeChunk(res, half)) res.end();
      return;
    case "invalid-json":
      partial();
      res.end("upstream returned garbage: <html><body>502 Bad Gateway</body></html>");
      return;
    case "error-in-stream":
    case "auth-error-in-stream":
      sendJson(res, 200, shapes.bodyError, hdrs);
      return;
    default:
      sendJson(res, 200, body, hdrs);
  }
}

/** Fault shapes for plain JSON endpoints (GitHub side, /models, /embeddings …). */
export const GENERIC_SHAPES: FaultShapes = {
  streamError: { data: JSON.stringify({ error: { message: "internal server error", code: "server_error" } }) },
  authError: { data: JSON.stringify({ error: { message: "unauthorized: token expired", code: "unauthorized", type: "authentication_error" } }) },
  invalidJson: { data: "{not json" },
  bodyError: { error: { message: "internal server error", code: "server_error", type: "server_error" } },
};
