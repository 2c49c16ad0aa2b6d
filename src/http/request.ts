import type { Context } from "hono";
import { ApiError, badRequest } from "../errors.js";

export type ClientDialect = "openai" | "anthropic";

/** Reads a JSON object body; malformed JSON, or JSON that isn't an object, is a 400 in the client's dialect. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest("Could not read the request body");
  }
  if (!text.trim()) throw badRequest("The request body is empty; expected a JSON object");
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    // Every walker of a body (translators, token counting, JSON.stringify) recurses per level: an
    // adversarial body would overflow the stack and come back as a 500.
    throw badRequest(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("The request body must be a JSON object");
  }
  return value as Record<string, unknown>;
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

function requireModel(body: Record<string, unknown>): void {
  if (typeof body.model !== "string" || !body.model) throw badRequest("`model` is required and must be a string", "model");
}

/** Deepest array/object nesting accepted in a body; real ones (JSON schemas included) stay far below. */
export const MAX_JSON_DEPTH = 256;

/** Whether JSON text nests arrays/objects deeper than `limit`: one pass over the text, strings skipped. */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
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
