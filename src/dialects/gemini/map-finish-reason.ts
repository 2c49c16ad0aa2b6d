import type { FinishReason } from "../../ir/stream.js";

/**
 * IR → Gemini `finishReason`. Gemini ends a turn that calls functions with STOP (it has no tool
 * stop of its own); clients see the calls in the parts.
 */
export function encodeGeminiFinishReason(reason: FinishReason): string {
  switch (reason) {
    case "stop":
    case "tool-calls":
    case "pause":
      return "STOP";
    case "length":
    case "context-window":
      return "MAX_TOKENS";
    case "content-filter":
      return "SAFETY";
    case "refusal":
      return "PROHIBITED_CONTENT";
    case "error":
    case "other":
      return "OTHER";
    default: {
      const never: never = reason;
      return never;
    }
  }
}
