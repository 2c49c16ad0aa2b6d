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
