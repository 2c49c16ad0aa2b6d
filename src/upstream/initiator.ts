import type { Initiator } from "./headers.js";

/**
 * X-Initiator decides how Copilot bills and classifies a call (copilot-upstream.md 3.1): `user` for
 * a turn a person started, `agent` for tool follow-ups and background work. The rules follow what
 * VS Code's own local proxies and opencode do, per dialect.
 */

type Msg = { role?: unknown; content?: unknown; type?: unknown };

/** Chat Completions: a person spoke last only if the last message is a user message. */
export function chatInitiator(messages: unknown): Initiator {
  if (!Array.isArray(messages) || messages.length === 0) return "user";
  const last = messages[messages.length - 1] as Msg;
  return last?.role === "user" ? "user" : "agent";
}

/**
 * Anthropic Messages: `user` only if the last message is a user message with at least one block
 * that is not a tool_result. A role-only rule marks every tool-loop call `user` (opencode #10941).
 */
export function messagesInitiator(messages: unknown): Initiator {
  if (!Array.isArray(messages) || messages.length === 0) return "user";
  // Claude Code's inline system messages (mid-conversation-system beta) can follow the user's
  // turn; they are not a turn of their own.
  const turns = (messages as Msg[]).filter((m) => m?.role !== "system");
  const last = turns[turns.length - 1];
  if (last?.role !== "user") return "agent";
  if (typeof last.content === "string") return "user";
  if (!Array.isArray(last.content)) return "user";
  return (last.content as Msg[]).some((b) => b?.type !== "tool_result") ? "user" : "agent";
}

/** Responses: `user` when the last input item is a user message (VS Code's local Codex server). */
export function responsesInitiator(input: unknown): Initiator {
  if (typeof input === "string") return "user";
  if (!Array.isArray(input) || input.length === 0) return "user";
  const last = input[input.length - 1] as Msg;
  const isMessage = last?.type === undefined || last?.type === "message";
  return isMessage && last?.role === "user" ? "user" : "agent";
}
