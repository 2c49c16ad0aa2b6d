// Strict reading of a client-facing answer: every frame must parse, the stream must end with its
// dialect's normal ending or with a well-formed error, and an HTTP error must be an error body in
// the client's own dialect. Anything else (a garbled frame, a stream that just stops, an HTML page,
// a hang past the bound) fails with the frames seen so far, so a failing test says what went wrong.
import assert from "node:assert/strict";

export type ClientDialect = "chat" | "messages" | "responses";

export interface Frame {
  event?: string;
  data: string;
  json?: Record<string, unknown>;
}

export interface Outcome {
  status: number;
  headers: Headers;
  /**
   * complete: the dialect's normal ending ([DONE] after a finish_reason, message_stop,
   * response.completed); stream-error: a 200 stream ended by a well-formed error event;
   * http-error: a non-2xx answer whose body is an error in the client's dialect.
   */
  kind: "complete" | "stream-error" | "http-error";
  frames: Frame[];
  /** Visible text, concatenated from the text deltas (or the whole answer for JSON). */
  text: string;
  error?: { type: string; message: string };
}

/** Splits an SSE body into events (independent of src/sse, so that parser is not testing itself). */
export function parseSse(body: string): Frame[] {
  const frames: Frame[] = [];
  for (const block of body.replace(/\r\n?/g, "\n").split("\n\n")) {
    if (!block.trim()) continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) continue;
    const frame: Frame = { data: data.join("\n") };
    if (event !== undefined) frame.event = event;
    frames.push(frame);
  }
  return frames;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Asserts `body` is an error body of the dialect and returns its type and message. */
export function assertErrorBody(dialect: ClientDialect, body: unknown, context = ""): { type: string; message: string } {
  if (dialect === "messages") {
    assert.ok(isObj(body) && body.type === "error" && isObj(body.error), `Anthropic error shape expected${context}: ${JSON.stringify(body)}`);
    const e = body.error as Record<string, unknown>;
    assert.equal(typeof e.type, "string", `error.type${context}`);
    assert.equal(typeof e.message, "string", `error.message${context}`);
    assert.ok((e.message as string).length > 0, `error.message is empty${context}`);
    return { type: e.type as string, message: e.message as string };
  }
  assert.ok(isObj(body) && isObj(body.error), `OpenAI error shape expected${context}: ${JSON.stringify(body)}`);
  const e = body.error as Record<string, unknown>;
  assert.equal(typeof e.message, "string", `error.message${context}`);
  assert.ok((e.message as string).length > 0, `error.message is empty${context}`);
  assert.ok(typeof e.type === "string" || typeof e.code === "string", `error.type or code${context}`);
  return { type: String(e.type ?? e.code), message: e.message as string };
}

function classifyStream(dialect: ClientDialect, frames: Frame[], raw: string): Pick<Outcome, "kind" | "text" | "error"> {
  const where = () => `\n--- stream (${frames.length} frames) ---\n${raw.slice(-3000)}`;
  let text = "";
  assert.ok(frames.length > 0, `empty stream${where()}`);
  const last = frames.at(-1)!;
  for (const [i, f] of frames.entries()) {
    if (f.data === "[DONE]") {
      assert.equal(dialect, "chat", `[DONE] in a ${dialect} stream${where()}`);
      assert.equal(i, frames.length - 1, `frames after [DONE]${where()}`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(f.data);
    } catch {
      assert.fail(`frame ${i} is not JSON: ${f.data.slice(0, 200)}${where()}`);
    }
    assert.ok(isObj(json), `frame ${i} is not a JSON object${where()}`);
    f.json = json;
    if (dialect !== "chat") {
      assert.equal(typeof f.event, "string", `frame ${i} has no event: line${where()}`);
      assert.equal(json.type, f.event, `frame ${i}: event ${f.event} carries type ${String(json.type)}${where()}`);
    }
    if (dialect === "chat") {
      if (isObj(json.error)) assert.ok(f === last || (i === frames.length - 2 && last.data === "[DONE]"), `frames after an error chunk${where()}`);
      for (const c of Array.isArray(json.choices) ? json.choices : []) {
        const content = isObj(c) && isObj(c.delta) ? c.delta.content : undefined;
        if (typeof content === "string") text += content;
      }
    } else if (dialect === "messages") {
      if (json.type === "error") assert.equal(f, last, `frames after an error event${where()}`);
      if (json.type === "message_stop") assert.equal(f, last, `frames after message_stop${where()}`);
      const delta = json.delta;
      if (json.type === "content_block_delta" && isObj(delta) && delta.type === "text_delta") text += String(delta.text);
    } else {
      if (json.type === "response.output_text.delta") text += String(json.delta);
      if (/^response\.(completed|failed|incomplete)$|^error$/.test(String(json.type))) assert.equal(f, last, `frames after ${String(json.type)}${where()}`);
    }
  }

  if (dialect === "chat") {
    const end = last.data === "[DONE]" ? frames.at(-2) : last;
    if (end?.json && isObj(end.json.error)) {
      return { kind: "stream-error", text, error: assertErrorBody("chat", end.json, where()) };
    }
    assert.equal(last.data, "[DONE]", `chat stream ended without [DONE] or an error chunk${where()}`);
    const finished = frames.some((f) => Array.isArray(f.json?.choices) && (f.json.choices as unknown[]).some((c) => isObj(c) && c.finish_reason != null));
    assert.ok(finished, `chat stream has [DONE] but no finish_reason${where()}`);
    return { kind: "complete", text };
  }
  if (dialect === "messages") {
    const first = frames.find((f) => f.event !== "ping");
    if (last.event === "error") return { kind: "stream-error", text, error: assertErrorBody("messages", last.json, where()) };
    assert.equal(first?.event, "message_start", `stream does not open with message_start${where()}`);
    assert.equal(last.event, "message_stop", `Anthropic stream ended without message_stop or error${where()}`);
    return { kind: "complete", text };
  }
  if (last.event === "response.completed") return { kind: "complete", text };
  if (last.event === "response.failed") {
    const response = last.json?.response;
    const e = isObj(response) && isObj(response.error) ? response.error : undefined;
    assert.ok(e && typeof e.message === "string" && e.message, `response.failed without error.message${where()}`);
    return { kind: "stream-error", text, error: { type: String(e.code ?? "failed"), message: e.message as string } };
  }
  if (last.event === "error") {
    const j = last.json!;
    const e = isObj(j.error) ? j.error : j;
    assert.ok(typeof e.message === "string" && e.message, `error event without message${where()}`);
    return { kind: "stream-error", text, error: { type: String(e.code ?? e.type ?? "error"), message: e.message as string } };
  }
  assert.fail(`Responses stream ended without response.completed, response.failed or error${where()}`);
}

/** Reads the whole answer and classifies it; throws an AssertionError for anything malformed. */
export async function readOutcome(res: Response, dialect: ClientDialect): Promise<Outcome> {
  const raw = await res.text();
  if (res.status !== 200) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      assert.fail(`HTTP ${res.status} with a body that is not JSON: ${raw.slice(0, 300)}`);
    }
    assert.match(res.headers.get("content-type") ?? "", /application\/json/, `HTTP ${res.status} error content-type`);
    const error = assertErrorBody(dialect, body, ` (HTTP ${res.status})`);
    return { status: res.status, headers: res.headers, kind: "http-error", frames: [], text: "", error };
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream")) {
    // A whole (non-stream) answer: it must at least be JSON.
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      assert.fail(`HTTP 200 ${type} body is not JSON: ${raw.slice(0, 300)}`);
    }
    return { status: 200, headers: res.headers, kind: "complete", frames: [], text: JSON.stringify(body) };
  }
  const frames = parseSse(raw);
  return { status: 200, headers: res.headers, frames, ...classifyStream(dialect, frames, raw) };
}

/**
 * Races `work` against a bound. The bound is not a synchronisation sleep: it only turns a hang
 * into a failure with a message instead of a test that never ends. The timer is unref'd and cleared.
 */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${ms} ms`)), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** The route and a streaming body for each client dialect. */
export function streamRequest(dialect: ClientDialect, model: string, text: string): { path: string; body: Record<string, unknown> } {
  if (dialect === "chat") return { path: "/v1/chat/completions", body: { model, stream: true, messages: [{ role: "user", content: text }] } };
  if (dialect === "messages") {
    return { path: "/v1/messages", body: { model, max_tokens: 256, stream: true, messages: [{ role: "user", content: text }] } };
  }
  return { path: "/v1/responses", body: { model, stream: true, input: text } };
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    ...init,
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...(init.headers as Record<string, string>) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
