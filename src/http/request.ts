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

/** A client conversation id, when the client sends one, for X-Interaction-Id. */
export function interactionIdFrom(headers: Headers): string | undefined {
  return (
    headers.get("x-claude-code-session-id") ??
    headers.get("session-id") ??
    headers.get("x-session-id") ??
    undefined
  ) || undefined;
}
