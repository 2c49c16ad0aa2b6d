import type { MiddlewareHandler } from "hono";
import type { Usage } from "../ir/stream.js";
import { kindForStatus } from "../errors.js";
import { formatCredits } from "../cost/estimate-cost.js";
import { callKind, detectClient } from "./detect-client.js";
import type { Recorder } from "./recorder.js";
import { apiOf, type RequestMeta } from "./request-meta.js";

export interface ObserveOptions {
  logBodies?: boolean;
  /** What a request cost by list prices, for answers that came without Copilot's own figure. */
  estimate?: (model: string | undefined, usage: Usage) => number | undefined;
}

/** Copilot's figure when it sent one, else an estimate flagged as such, else nothing. */
function costOf(m: RequestMeta, estimate: ObserveOptions["estimate"]): RequestMeta["cost"] {
  if (m.cost) return m.cost;
  if (!m.usage) return undefined;
  if (m.usage.nanoAiu !== undefined) return (m.cost = { nanoAiu: m.usage.nanoAiu, estimated: false });
  const estimated = estimate?.(m.model, m.usage);
  return estimated === undefined ? undefined : (m.cost = { nanoAiu: estimated, estimated: true });
}

/**
 * Times every API request and records it when its response has really ended: for a stream, when
 * the last byte went out or the client left, not when the handler returned.
 */
export function observe(recorder: Recorder, options: ObserveOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    const time = Date.now();
    // Access control runs first and may have noted which API key the request came with.
    const keyName = (c.get("meta" as never) as RequestMeta | undefined)?.keyName;
    const m: RequestMeta = { api: apiOf(c.req.path), keyName };
    c.set("meta" as never, m as never);
    await next();
    const ttfbMs = performance.now() - start;
    // --log-bodies: the request body as the client sent it, from Hono's per-request body cache
    // (the route has already read it; nothing is read twice from the socket).
    let bodies: { request?: unknown } | undefined;
    // Refused requests (401/403/413) are not read: a client that may not use the API must not be
    // able to make the server buffer and log what it sent.
    const refused = c.res.status === 401 || c.res.status === 403 || c.res.status === 413;
    if (options.logBodies && c.req.method === "POST" && !refused) {
      const text = await c.req.text().catch(() => undefined);
      if (text !== undefined) {
        try {
          bodies = { request: JSON.parse(text) };
        } catch {
          bodies = { request: text.slice(0, 65_536) };
        }
      }
    }
    // Content type first: reading `res.body` of a plain JSON answer makes the light server-side
    // Response (src/http/light-response.ts) build a full WHATWG one with a stream.
    // SSE, Ollama's NDJSON, or Gemini's streamed JSON array (a JSON content type: the route says it streams).
    const type = c.res.headers.get("content-type") ?? "";
    const streaming = (type.startsWith("text/event-stream") || type.startsWith("application/x-ndjson") || (m.stream === true && c.res.ok)) && c.res.body;
    if (!streaming && c.res.status < 400) {
      // A whole answer says what it cost in a header; a stream's cost is only known at its end.
      const cost = costOf(m, options.estimate);
      if (cost) {
        c.res.headers.set("x-copilot-cost-credits", formatCredits(cost.nanoAiu));
        if (cost.estimated) c.res.headers.set("x-copilot-cost-estimated", "true");
      }
    }
    const res = c.res;
    const client = detectClient(c.req.header("user-agent"), c.req.header("x-app"));
    const finish = (aborted: boolean) => {
      const cost = costOf(m, options.estimate);
      const status = aborted ? 499 : res.status;
      recorder.record({
        id: recorder.newId(),
        time,
        method: c.req.method,
        path: c.req.path,
        api: m.api,
        model: m.model,
        requestedModel: m.requestedModel !== m.model ? m.requestedModel : undefined,
        endpoint: m.endpoint,
        initiator: m.initiator,
        stream: m.stream,
        // A client that left mid-stream is logged as 499, as proxies do, whatever status went first.
        status,
        durationMs: performance.now() - start,
        ttfbMs,
        inputTokens: m.usage ? (m.usage.inputTokens ?? 0) + (m.usage.cacheReadTokens ?? 0) + (m.usage.cacheWriteTokens ?? 0) : undefined,
        outputTokens: m.usage?.outputTokens,
        cacheReadTokens: m.usage?.cacheReadTokens,
        cacheWriteTokens: m.usage?.cacheWriteTokens,
        reasoningTokens: m.usage?.reasoningTokens,
        client,
        interaction: m.interaction,
        kind: callKind(m.initiator, m.interaction),
        keyName: m.keyName,
        nanoAiu: cost?.nanoAiu,
        costEstimated: cost ? cost.estimated : undefined,
        error: m.error,
        errorKind: m.errorKind ?? (status >= 400 ? kindForStatus(status) : m.error !== undefined ? "stream" : undefined),
        aborted: aborted || undefined,
        bodies,
      });
    };
    if (!streaming || !res.body) return finish(false);

    const reader = res.body.getReader();
    let ended = false;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read().catch((error: unknown) => {
            m.error ??= (error as Error).message;
            return { done: true as const, value: undefined };
          });
          if (done) {
            controller.close();
            if (!ended) {
              ended = true;
              finish(false);
            }
            return;
          }
          controller.enqueue(value);
        },
        cancel(reason) {
          if (!ended) {
            ended = true;
            finish(true);
          }
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    c.res = new Response(body, { status: res.status, headers: res.headers });
  };
}
