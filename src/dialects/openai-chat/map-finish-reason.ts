import type { FinishReason } from "../../ir/stream.js";

/**
 * Chat `finish_reason` → IR. `hasToolCalls` says whether the answer carries at least one usable
 * tool call, because Copilot's finish reason and content disagree in both directions:
 * - `tool_calls` with no usable call must not become a tool stop with zero blocks: the client's
 *   agent loop waits for a tool that never comes (known-failures T8).
 * - Claude via chat may omit `finish_reason` after tool results (T9), so a missing one is
 *   synthesised from the content.
 * - [derived] `stop` together with tool calls (Gemini's OpenAI-compatible answers do this) is a
 *   tool stop: clients only run tools on a tool stop.
 */
export function mapChatFinishReason(raw: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (raw) {
    case undefined:
    case null:
    case "":
    case "stop":
      return hasToolCalls ? "tool-calls" : "stop";
    case "tool_calls":
    case "function_call":
      return hasToolCalls ? "tool-calls" : "stop";
    case "length":
      return "length";
    case "content_filter":
      return "content-filter";
    default:
      return "other";
  }
}

/** IR → chat `finish_reason`, for answers we encode to chat clients. */
export function encodeChatFinishReason(reason: FinishReason): "stop" | "length" | "tool_calls" | "content_filter" {
  switch (reason) {
    case "stop":
    case "pause":
    case "error":
    case "other":
      return "stop";
    case "length":
    case "context-window":
      return "length";
    case "tool-calls":
      return "tool_calls";
    case "content-filter":
    case "refusal":
      return "content_filter";
    default: {
      const never: never = reason;
      return never;
    }
  }
}
