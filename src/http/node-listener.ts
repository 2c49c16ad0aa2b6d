import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { LightResponse } from "./light-response.js";
import { NodeRequest } from "./node-request.js";

type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A host header we put in a URL as it is: a name or address and a port, nothing that could move the path. */
const PLAIN_HOST = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** A request target that needs no normalising: no dot segments, only characters a URL keeps as they are. */
const PLAIN_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

/** After an answer that left the request body unread (a 413, a 401), what is still read of it before the connection is closed. */
const DRAIN_MS = 500;
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Node's `http` server under a fetch-style handler (the Hono app), in place of an adapter package:
 * each request is handed over as a NodeRequest (headers read from Node's parsed list, the body read
 * from the socket when asked for) and each answer written straight to the ServerResponse: a string or
 * bytes in one write with its Content-Length, a stream piped as it is produced, with backpressure,
 * and cancelled when the client goes away. The request's AbortSignal aborts when the client leaves
 * before its answer has been sent, so that the upstream call is cancelled too.
 */
export function nodeListener(fetch: FetchHandler, defaultHost: string): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  return (incoming, outgoing) => {
    const url = requestUrl(incoming, defaultHost);
    if (url === undefined) {
      outgoing.writeHead(400, { "content-type": "text/plain; charset=UTF-8", connection: "close" });
      outgoing.end("Bad Request");
      return;
    }
    const req = new NodeRequest(incoming, url);
    outgoing.once("close", () => {
      if (!outgoing.writableFinished) req.abort(incoming.errored ? String(incoming.errored) : undefined);
    });
    if (req.method !== "GET" && req.method !== "HEAD") outgoing.once("finish", () => drainUnread(incoming));
    let answer: Response | Promise<Response>;
    try {
      answer = fetch(req as unknown as Request);
    } catch (error) {
      failed(outgoing, error);
      return;
    }
    if (answer instanceof Promise) answer.then((res) => sendOrFail(res, outgoing), (error: unknown) => failed(outgoing, error));
    else sendOrFail(answer, outgoing);
  };
}

function requestUrl(incoming: IncomingMessage, defaultHost: string): string | undefined {
  const target = incoming.url ?? "/";
  if (target.startsWith("http://") || target.startsWith("https://")) {
    try {
      return new URL(target).href;
    } catch {
      return undefined;
    }
  }
  const host = incoming.headers.host || defaultHost;
  if (!PLAIN_HOST.test(host) || target.charCodeAt(0) !== 47 /* / */) return undefined;
  const url = `http://${host}${target}`;
  if (PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target)) return url;
  // Dot segments, backslashes, non-ASCII: the URL as the WHATWG parser reads it, as fetch-style servers do.
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

function sendOrFail(res: Response, outgoing: ServerResponse): void {
  try {
    send(res, outgoing);
  } catch (error) {
    failed(outgoing, error);
  }
}

function send(res: Response, outgoing: ServerResponse): void {
  if (outgoing.destroyed) {
    void res.body?.cancel().catch(() => {});
    return;
  }
  let body: string | Uint8Array | ReadableStream<Uint8Array> | null;
  let headers: OutgoingHttpHeaders;
  // Not instanceof: that is true of Node's own Responses too.
  if (Object.getPrototypeOf(res) === LightResponse.prototype) {
    const light = res as unknown as LightResponse;
    body = light.rawBody;
    headers = (light.headers as unknown as { toOutgoing(): OutgoingHttpHeaders }).toOutgoing();
  } else {
    body = res.body;
    headers = {};
    res.headers.forEach((value, name) => {
      if (name !== "set-cookie") headers[name] = value;
    });
    const cookies = res.headers.getSetCookie();
    if (cookies.length > 0) headers["set-cookie"] = cookies;
  }
  if (body === null || typeof body === "string" || body instanceof Uint8Array) {
    if (body !== null && headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) {
      headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    }
    outgoing.writeHead(res.status, res.statusText || undefined, headers);
    outgoing.end(body ?? undefined);
    return;
  }
  outgoing.writeHead(res.status, res.statusText || undefined, headers);
  // The head goes out now: a client waiting on a stream sees its status before the first event.
  outgoing.flushHeaders();
  pipeBody(body, outgoing);
}

/** A stream body to the socket as it is produced: a write the socket can't take yet waits for 'drain'; a client that leaves cancels the stream. */
function pipeBody(body: ReadableStream<Uint8Array>, outgoing: ServerResponse): void {
  const reader = body.getReader();
  let closed = false;
  const onClose = () => {
    closed = true;
    outgoing.off("drain", pump);
    reader.cancel(new Error("Client connection prematurely closed.")).catch(() => {});
  };
  outgoing.once("close", onClose);
  const fail = (error: unknown) => {
    outgoing.off("close", onClose);
    if (!closed) outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
  };
  function pump(): void {
    reader.read().then(({ done, value }) => {
      if (closed) return;
      if (done) {
        outgoing.off("close", onClose);
        outgoing.end();
        return;
      }
      if (outgoing.write(value)) pump();
      else outgoing.once("drain", pump);
    }, fail);
  }
  pump();
}

function failed(outgoing: ServerResponse, error: unknown): void {
  void error;
  if (outgoing.headersSent) {
    outgoing.destroy();
    return;
  }
  outgoing.writeHead(500, { "content-type": "text/plain; charset=UTF-8" });
  outgoing.end("Internal Server Error");
}

/**
 * A request body left unread when the answer is sent: Node reads the rest so that the connection can
 * serve the next request, but a client that keeps sending (a body far over the limit, refused by its
 * Content-Length) gets DRAIN_MS or DRAIN_BYTES of it, then the connection is closed.
 */
function drainUnread(incoming: IncomingMessage): void {
  if (incoming.readableEnded || incoming.destroyed) return;
  let bytes = 0;
  const stop = () => {
    clearTimeout(timer);
    incoming.off("data", count);
    incoming.off("end", stop);
    incoming.off("error", stop);
  };
  const cut = () => {
    stop();
    incoming.socket?.destroySoon?.();
  };
  const count = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_BYTES) cut();
  };
  const timer = setTimeout(cut, DRAIN_MS);
  timer.unref();
  incoming.on("data", count);
  incoming.on("end", stop);
  incoming.on("error", stop);
  incoming.resume();
}
