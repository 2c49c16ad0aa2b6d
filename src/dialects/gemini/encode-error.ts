import type { ApiError, ErrorKind } from "../../errors.js";
import { redact } from "../../log.js";

/** Google's canonical status names (google.rpc.Code), by our error kind. */
const STATUSES: Record<ErrorKind, string> = {
  invalid_request: "INVALID_ARGUMENT",
  context_window: "INVALID_ARGUMENT",
  api_version: "FAILED_PRECONDITION",
  payload_too_large: "INVALID_ARGUMENT",
  authentication: "UNAUTHENTICATED",
  permission: "PERMISSION_DENIED",
  not_found: "NOT_FOUND",
  rate_limit: "RESOURCE_EXHAUSTED",
  quota: "RESOURCE_EXHAUSTED",
  overloaded: "UNAVAILABLE",
  upstream: "INTERNAL",
  network: "UNAVAILABLE",
  timeout: "DEADLINE_EXCEEDED",
  cancelled: "CANCELLED",
};

/** The HTTP status a Gemini client gets: Google's own for each kind (402 quota is 429 there). */
export function geminiStatus(error: ApiError): number {
  if (error.kind === "quota") return 429;
  if (error.status === 466) return 400;
  return error.status;
}

/** Google's error body: `{"error":{"code","message","status"}}`, which @google/genai and Gemini CLI read. */
export function encodeGeminiError(error: ApiError) {
  return {
    error: {
      code: geminiStatus(error),
      // Upstream text is relayed, but never anything token-shaped in it.
      message: redact(error.requestId ? `${error.message} (x-github-request-id: ${error.requestId})` : error.message),
      status: STATUSES[error.kind],
    },
  };
}
