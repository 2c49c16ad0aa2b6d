import { meta } from "../observability/request-meta.js";
import type { Context } from "hono";
import { ApiError, badRequest } from "../errors.js";
import { clip } from "../text.js";
import { decodeJsonSliced, JsonDepthError } from "./decode-json-sliced.js";
import { readBodyBytes } from "./read-body.js";
import { scanJson } from "./scan-json.js";
import { nextTurn } from "./work-slices.js";

export { scanJson };

export type ClientDialect = "openai" | "anthropic" | "gemini" | "ollama";

/** Reads a JSON object body; malformed JSON, or JSON that isn't an object, is a 400 in the client's dialect. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let bytes: Uint8Array;
  try {
    bytes = await readBodyBytes(c, SLICED_FROM_BYTES);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest("Could not read the request body");
  }
  meta(c).bodyBytes = bytes.byteLength;
  const value = bytes.byteLength > SLICED_FROM_BYTES ? await decodeLarge(bytes) : decodeSmall(bytes);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("The request body must be a JSON object");
  }
  // Known before the route resolves it, so that a request for a model that doesn't exist still
  // shows what was asked for.
  const model = (value as Record<string, unknown>).model;
  if (typeof model === "string" && model) meta(c).requestedModel = model.length > 200 ? `${model.slice(0, 200)}…` : model;
  return value as Record<string, unknown>;
}

/**
 * Bodies above this size are decoded in slices (decode-json-sliced.ts): one JSON.parse of a larger
 * body holds the event loop for more than a few milliseconds. Below it, one pass is cheaper.
 */
export const SLICED_FROM_BYTES = 512 * 1024;

/** Whether this request's body is large enough to be handled in slices (see work-slices.ts). */
export function isLargeBody(c: Context): boolean {
  return (meta(c).bodyBytes ?? 0) > SLICED_FROM_BYTES;
}

/** A turn of the event loop between two steps of handling a large body; nothing for a small one. */
export function turnIfLarge(c: Context): Promise<void> | undefined {
  return isLargeBody(c) ? nextTurn() : undefined;
}

function decodeSmall(bytes: Uint8Array): unknown {
  const scanned = scanJson(bytes, MAX_JSON_DEPTH);
  // Every walker of a body (translators, token counting, JSON.stringify) recurses per level: an
  // adversarial body would overflow the stack and come back as a 500.
  if (scanned === undefined) throw tooDeep();
  if (!scanned.trim()) throw badRequest("The request body is empty; expected a JSON object");
  try {
    return JSON.parse(scanned);
  } catch (error) {
    throw notJson(error);
  }
}

async function decodeLarge(bytes: Uint8Array): Promise<unknown> {
  try {
    return await decodeJsonSliced(bytes, MAX_JSON_DEPTH);
  } catch (error) {
    throw error instanceof JsonDepthError ? tooDeep() : notJson(error);
  }
}

const tooDeep = () => badRequest(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
const notJson = (error: unknown) => badRequest(`The request body is not valid JSON: ${clip((error as Error).message)}`);

/** Deepest array/object nesting accepted in a body; real ones (JSON schemas included) stay far below. */
export const MAX_JSON_DEPTH = 256;

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
