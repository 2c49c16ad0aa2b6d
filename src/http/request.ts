import { meta } from "../observability/request-meta.js";
import type { Context } from "hono";
import { ApiError, badRequest } from "../errors.js";
import { clip } from "../text.js";

export type ClientDialect = "openai" | "anthropic" | "gemini" | "ollama";

/** Reads a JSON object body; malformed JSON, or JSON that isn't an object, is a 400 in the client's dialect. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest("Could not read the request body");
  }
  const scanned = scanJson(bytes, MAX_JSON_DEPTH);
  if (scanned === undefined) {
    // Every walker of a body (translators, token counting, JSON.stringify) recurses per level: an
    // adversarial body would overflow the stack and come back as a 500.
    throw badRequest(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (!scanned.trim()) throw badRequest("The request body is empty; expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(scanned);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${clip((error as Error).message)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("The request body must be a JSON object");
  }
  // Known before the route resolves it, so that a request for a model that doesn't exist still
  // shows what was asked for.
  const model = (value as Record<string, unknown>).model;
  if (typeof model === "string" && model) meta(c).requestedModel = model.length > 200 ? `${model.slice(0, 200)}…` : model;
  return value as Record<string, unknown>;
}

/** Deepest array/object nesting accepted in a body; real ones (JSON schemas included) stay far below. */
export const MAX_JSON_DEPTH = 256;

const HEX_BYTES = Buffer.from("0123456789abcdef", "latin1");

/**
 * UTF-8 JSON bytes as text for JSON.parse, in one pass that also checks the nesting depth (undefined
 * when it exceeds `limit`). A leading BOM is dropped, as TextDecoder drops it.
 *
 * Why not TextDecoder: a body with one non-ASCII character decodes to a two-byte string, twice the
 * size, and on Node 20 that decoding alone costs ~1 ms for a 112 KB Claude Code request (bench (d),
 * (e)). Here the ASCII runs are copied as one-byte text and each non-ASCII run inside a string
 * literal is written as \uXXXX escapes, which JSON.parse reads as the same characters; the text
 * stays one-byte and parses several times faster. A non-ASCII run outside a string, or right after a
 * backslash, is not valid JSON either way: it is decoded as it is, and JSON.parse refuses it as
 * before. Invalid UTF-8 becomes U+FFFD, as with TextDecoder.
 */
export function scanJson(bytes: Uint8Array, limit: number): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.length;
  const first = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let i = first;
  let start = i;
  let depth = 0;
  let inString = false;
  let afterBackslash = false;
  let parts: string[] | undefined;
  // Past this many non-ASCII runs, or characters escaped, the body is decoded as TextDecoder would:
  // piece by piece costs a call per run, and text such as "é" in every word, or megabytes of
  // CJK, took seconds (and twice the memory) where one decode takes milliseconds.
  let budget = MAX_ESCAPED_RUNS;
  let escapedChars = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      if (inString) {
        if (b === 92 /* \ */) {
          if (i + 1 < n && buf[i + 1]! >= 0x80) afterBackslash = true;
          else i++;
        } else if (b === 34 /* " */) inString = false;
      } else if (b === 34) inString = true;
      else if (b === 123 /* { */ || b === 91 /* [ */) {
        if (++depth > limit) return undefined;
      } else if (b === 125 /* } */ || b === 93 /* ] */) depth--;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && buf[j]! >= 0x80) j++;
    if (budget > 0 && escapedChars + (j - i) > MAX_ESCAPED_CHARS) budget = 0; // bytes >= characters
    if (budget > 0) {
      parts ??= [];
      if (i > start) parts.push(buf.toString("latin1", start, i));
      const text = buf.toString("utf8", i, j);
      parts.push(inString && !afterBackslash ? escapeAll(text) : text);
      escapedChars += text.length;
      budget--;
    }
    afterBackslash = false;
    start = i = j;
  }
  if (budget <= 0) return buf.toString("utf8", first, n);
  if (!parts) return buf.toString("latin1", start, n);
  if (n > start) parts.push(buf.toString("latin1", start, n));
  return parts.join("");
}

const MAX_ESCAPED_RUNS = 4_096;
const MAX_ESCAPED_CHARS = 65_536;

/**
 * `text` as \uXXXX escapes, written as bytes: building it by string concatenation cost ~1 µs a
 * character, so a body of a few MB of CJK or emoji held the event loop for seconds before parsing.
 */
function escapeAll(text: string): string {
  const out = Buffer.allocUnsafe(text.length * 6);
  let o = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    out[o] = 92; // \
    out[o + 1] = 117; // u
    out[o + 2] = HEX_BYTES[c >> 12]!;
    out[o + 3] = HEX_BYTES[(c >> 8) & 15]!;
    out[o + 4] = HEX_BYTES[(c >> 4) & 15]!;
    out[o + 5] = HEX_BYTES[c & 15]!;
    o += 6;
  }
  return out.toString("latin1", 0, o);
}

/**
 * What the chat and messages routes need before anything reads the body: a model name and a
 * non-empty list of message objects (every interceptor and decoder reads each message's fields).
 * `style` names the path as the client's dialect does: `messages.0` (Anthropic) or `messages[0]`.
 */
export function requireModelAndMessages(body: Record<string, unknown>, style: "dotted" | "bracketed"): asserts body is Record<string, unknown> & { model: string; messages: Record<string, unknown>[] } {
  requireModel(body);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw badRequest("`messages` is required and must be a non-empty array", "messages");
  }
  const i = body.messages.findIndex((m) => !m || typeof m !== "object" || Array.isArray(m));
  if (i >= 0) {
    const at = style === "dotted" ? `messages.${i}` : `messages[${i}]`;
    throw badRequest(`\`${at}\` must be an object`, at);
  }
}

/** The same for /v1/responses: a model name and `input` as a string or a list of items. */
export function requireModelAndInput(body: Record<string, unknown>): asserts body is Record<string, unknown> & { model: string } {
  requireModel(body);
  if (typeof body.input !== "string" && !Array.isArray(body.input)) {
    throw badRequest("`input` is required: a string or an array of input items", "input");
  }
}

/** A model name: what every route needs before it can choose where a request goes. */
export function requireModel(body: Record<string, unknown>): asserts body is Record<string, unknown> & { model: string } {
  if (typeof body.model !== "string" || !body.model) throw badRequest("`model` is required and must be a string", "model");
}

/** A client conversation id, when the client sends one, for X-Interaction-Id. */
export function interactionIdFrom(headers: Headers): string | undefined {
  return (
    headers.get("x-claude-code-session-id") ??
    headers.get("session-id") ??
    headers.get("x-session-id") ??
    undefined
  ) || undefined;
}
