import type { ApiError } from "../../errors.js";
import { redact } from "../../log.js";

/** Ollama's error body, `{"error":"message"}`, which the ollama clients raise as a ResponseError. */
export function encodeOllamaError(error: ApiError) {
  // Upstream text is relayed, but never anything token-shaped in it.
  return { error: redact(error.requestId ? `${error.message} (x-github-request-id: ${error.requestId})` : error.message) };
}
