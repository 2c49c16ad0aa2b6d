import type { FinishReason } from "../../ir/stream.js";

/** IR → Ollama's `done_reason`: Ollama knows "stop" and "length" (and "load"/"unload", not ours). */
export function encodeOllamaDoneReason(reason: FinishReason): string {
  switch (reason) {
    case "length":
    case "context-window":
      return "length";
    case "stop":
    case "tool-calls":
    case "content-filter":
    case "refusal":
    case "pause":
    case "error":
    case "other":
      return "stop";
    default: {
      const never: never = reason;
      return never;
    }
  }
}
