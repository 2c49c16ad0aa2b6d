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

/** What kind of Claude Code call a /v1/messages body is, when it is not a turn the user typed. */
export type ClaudeCodeCallKind = "background" | "subagent" | "compaction";

/**
 * Claude Code's own calls that VS Code bills as `agent` (copilot-upstream.md 3.1, 3.2; known-failures
 * R1, acceptance cases 15 and 16), told apart by what Claude Code puts in them:
 * - background (titles, summaries, warm-ups, the haiku calls): no tools;
 * - subagent (the Task tool's agents): the system prompt Claude Code gives them opens with "You are
 *   an agent for Claude Code" (the main loop's says "You are Claude Code");
 * - compaction (/compact and auto-compact): the last user message is Claude Code's summary request,
 *   "Your task is to create a detailed summary of the conversation so far".
 * [U] The two texts are read from Claude Code 2.x's prompts, not from a documented contract; a
 * release that rewords them makes those calls `user` again (billed as before this rule, nothing
 * breaks). Only requests from Claude Code (x-app: cli or its user agent) are looked at.
 */
export function claudeCodeCallKind(body: { system?: unknown; messages?: unknown; tools?: unknown }): ClaudeCodeCallKind | undefined {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return "background";
  if (hasText(body.system, SUBAGENT_MARK)) return "subagent";
  const lastUser = Array.isArray(body.messages) ? (body.messages as Msg[]).findLast((m) => m?.role === "user") : undefined;
  if (lastUser && hasText(lastUser.content, COMPACTION_MARK)) return "compaction";
  return undefined;
}

const SUBAGENT_MARK = "You are an agent for Claude Code";
const COMPACTION_MARK = "Your task is to create a detailed summary of the conversation so far";

/** Whether a string, or one text block of a block list, holds `mark`. */
function hasText(content: unknown, mark: string): boolean {
  if (typeof content === "string") return content.includes(mark);
  if (!Array.isArray(content)) return false;
  return (content as { type?: unknown; text?: unknown }[]).some((b) => b?.type === "text" && typeof b.text === "string" && b.text.includes(mark));
}
