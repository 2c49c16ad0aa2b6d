import type { ChatBody, ChatInterceptor } from "./types.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runToEnd, type Steps } from "../../tokens/work-steps.js";

/**
 * Copilot 400s every later turn when a history tool call's `arguments` is not a JSON-object string
 * ("Invalid JSON format in tool call arguments", known-failures T5): empty, "[]", a bare string or
 * an already-parsed object are normalised to a JSON object string.
 */
export const withObjectToolArguments: ChatInterceptor = Object.assign((body: ChatBody) => runToEnd(steps(body)), { steps });

function* steps(body: ChatBody): Steps<void> {
  for (const [i, message] of body.messages.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    if (message.role !== "assistant" || !Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls) {
      // Malformed entries are left for Copilot to refuse with a 400 rather than crash here.
      if (!call || typeof call.function !== "object" || call.function === null) continue;
      call.function.arguments = objectArguments(call.function.arguments);
    }
  }
}

export function objectArguments(value: unknown): string {
  if (value && typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  if (typeof value !== "string" || !value.trim()) return "{}";
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? value : "{}";
  } catch {
    return "{}";
  }
}
