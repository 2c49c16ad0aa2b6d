import { badRequest } from "../../errors.js";
import type { MessagesInterceptor } from "./types.js";

/**
 * Copilot refuses a conversation that ends with an assistant message (prefill). Continuing it
 * faithfully is impossible, and inventing a user turn would change the answer, so the client is
 * told which message to change (copilot-upstream.md 7).
 */
export const withNoPrefill: MessagesInterceptor = (body) => {
  const messages = body.messages as { role?: string }[] | undefined;
  if (!Array.isArray(messages) || messages.length === 0) return;
  const last = messages[messages.length - 1];
  if (last?.role === "assistant") {
    throw badRequest(
      `messages.${messages.length - 1}: GitHub Copilot does not accept a final assistant message (prefill). End the conversation with a user message.`,
      `messages.${messages.length - 1}`,
    );
  }
};
