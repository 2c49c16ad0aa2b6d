import type { Context, MiddlewareHandler, Next } from "hono";

/**
 * hono's bodyLimit decision, without its cost on the common request: a request with Content-Length
 * and no Transfer-Encoding is judged by the header (the body is then read by the route, straight
 * from the socket); GET and HEAD have no body; anything else (a chunked body) is read here, counting
 * the bytes, and refused as soon as it passes the limit. What was read is left in Hono's body cache,
 * where the route's `c.req.arrayBuffer()` finds it (hono's own middleware would build a new web
 * Request around it, which the Node listener's light requests are not made for).
 */
export function bodyLimit(options: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const { maxSize } = options;
  return async (c: Context, next: Next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length || "0", 10) > maxSize ? options.onError(c) : next();
    }
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    let size = 0;
    let buffer = new Uint8Array(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const offset = size;
      size += value.byteLength;
      if (size > maxSize) {
        void reader.cancel().catch(() => {});
        return options.onError(c);
      }
      if (size > buffer.length) {
        const grown = new Uint8Array(Math.min(maxSize, Math.max(size, buffer.length * 2)));
        grown.set(buffer.subarray(0, offset));
        buffer = grown;
      }
      buffer.set(value, offset);
    }
    // Hono's cache holds promises (it converts one cached form into another with .then).
    (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(buffer.buffer.slice(0, size));
    return next();
  };
}
