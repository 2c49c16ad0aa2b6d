import type { FinishReason } from "../../ir/stream.js";
import type { AnthropicStopReason } from "./wire.js";

/**
 * IR finish reason → Anthropic stop_reason. `raw` is the upstream's own value: an Anthropic
 * upstream's "stop_sequence" is folded into "stop" by the IR and comes back out here.
 * "error" and "other" have no Anthropic equivalent; end_turn is what clients handle best.
 */
export function mapFinishReason(reason: FinishReason, raw?: string): AnthropicStopReason {
  switch (reason) {
    case "stop":
      return raw === "stop_sequence" ? "stop_sequence" : "end_turn";
    case "length":
      return "max_tokens";
    case "tool-calls":
      return "tool_use";
    case "content-filter":
    case "refusal":
      return "refusal";
    case "pause":
      return "pause_turn";
    case "context-window":
      return "model_context_window_exceeded";
    case "error":
    case "other":
      return "end_turn";
    default: {
      const never: never = reason;
      return never;
    }
  }
}

/** Anthropic stop_reason → IR finish reason (for decode-stream). Unknown or null → "other". */
export function mapStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
      return "length";
    case "tool_use":
      return "tool-calls";
    case "pause_turn":
      return "pause";
    case "refusal":
      return "refusal";
    case "model_context_window_exceeded":
      return "context-window";
    default:
      return "other";
  }
}
