import type { FinishReason } from "../../ir/stream.js";

/**
 * A Responses terminal status (+ `incomplete_details.reason`) → IR finish reason. `hasToolCalls`
 * says whether the answer carries at least one tool call: Responses has no tool stop of its own
 * (a turn with function calls is simply `completed`), and clients of the other dialects only run
 * tools on a tool stop.
 */
export function mapResponsesStatus(status: string | undefined, incompleteReason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (status) {
    case undefined:
    case "completed":
      return hasToolCalls ? "tool-calls" : "stop";
    case "incomplete":
      switch (incompleteReason) {
        case "max_output_tokens":
          return "length";
        case "content_filter":
          return "content-filter";
        default:
          return "other";
      }
    case "failed":
      return "error";
    default:
      // cancelled, queued, in_progress (a terminal event should never say so): nothing better to say.
      return "other";
  }
}

export type ResponsesTerminal =
  | { status: "completed"; incomplete_details: null }
  | { status: "incomplete"; incomplete_details: { reason: "max_output_tokens" | "content_filter" } };

/**
 * IR finish reason → the status of the response we write. A length stop is `incomplete` with
 * reason max_output_tokens (Codex reads it so); a context-window stop is the closest thing Responses
 * has to say. A content-filter stop is `incomplete`/content_filter; a refusal is a completed answer
 * whose text is the refusal (Responses carries refusals as content, not as a status).
 */
export function encodeResponsesStatus(reason: FinishReason): ResponsesTerminal {
  switch (reason) {
    case "stop":
    case "tool-calls":
    case "refusal":
    case "pause":
    case "error":
    case "other":
      return { status: "completed", incomplete_details: null };
    case "length":
    case "context-window":
      return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
    case "content-filter":
      return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
    default: {
      const never: never = reason;
      return never;
    }
  }
}
