import { SseParser } from "../sse/sse-decoder.js";

/** Bytes held while waiting for the first event; past this, the stream goes on unexamined. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * Whether an SSE event's data says the session token was refused: the 401 of a stream that had
 * already answered 200. [U] Copilot's exact shape for this is not documented ("errors can arrive
 * inside an open stream", copilot-upstream.md 5), so every error shape the three dialects use is
 * read: chat `{"error":{…}}`, Anthropic `{"type":"error","error":{type:"authentication_error"}}`,
 * Responses `{"type":"error", code, message}` and `response.failed` with `response.error`.
 */
export function isAuthErrorEvent(data: string): boolean {
  if (!data.includes("rror")) return false; // cheap: every shape above says "error"
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return false;
  }
  if (!isObj(parsed)) return false;
  const candidates = [parsed.error, isObj(parsed.response) ? parsed.response.error : undefined, parsed.type === "error" ? parsed : undefined];
  return candidates.some((e) => {
    if (!isObj(e)) return false;
    if (e.status === 401 || e.status === "401" || e.statusCode === 401) return true;
    if (e.type === "authentication_error") return true;
    if (typeof e.code === "string" && /^(unauthorized|token_expired|invalid_token|authentication_error)$/.test(e.code)) return true;
    return typeof e.message === "string" && /\bunauthori[sz]ed\b|\btoken expired\b/i.test(e.message);
  });
}

/**
 * A 200 event stream whose first event may turn out to be a 401 (isAuthErrorEvent). The first
 * event's bytes are held until it is complete; if it is a 401, `retry()` (renew the session and
 * send again) supplies the stream the client gets instead, otherwise the held bytes and the rest
 * flow on untouched. Nothing has reached the client in either case, so the replay can't duplicate
 * output; and the route has already answered 200 with pings running, so a slow first event delays
 * nothing. A failing retry errors the stream, which the route turns into its dialect's error event.
 */
export function withFirstEventAuthRetry(res: Response, retry: () => Promise<Response>): Response {
  let reader = res.body!.getReader();
  const parser = new SseParser();
  let held: Uint8Array[] | undefined = [];
  let heldBytes = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (!held) {
            if (done) controller.close();
            else controller.enqueue(value);
            return;
          }
          if (done) {
            for (const chunk of held) controller.enqueue(chunk);
            controller.close();
            return;
          }
          held.push(value);
          heldBytes += value.byteLength;
          const first = parser.push(value).find((e) => e.data !== "");
          if (!first && heldBytes < MAX_HELD_BYTES) continue;
          if (first && isAuthErrorEvent(first.data)) {
            held = undefined;
            await reader.cancel().catch(() => {});
            const next = await retry();
            if (!next.body) {
              controller.close();
              return;
            }
            reader = next.body.getReader();
            continue;
          }
          for (const chunk of held) controller.enqueue(chunk);
          held = undefined;
          return;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
