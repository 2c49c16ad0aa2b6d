import type { ApiError, ErrorKind } from "../../errors.js";
import { redact } from "../../log.js";

const TYPES: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  context_window: "invalid_request_error",
  api_version: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  rate_limit: "rate_limit_error",
  quota: "insufficient_quota",
  overloaded: "server_error",
  upstream: "server_error",
  network: "server_error",
  timeout: "server_error",
  cancelled: "request_cancelled",
};

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`, the message never double-encoded. */
export function encodeOpenAIError(error: ApiError) {
  return {
    error: {
      // Upstream text is relayed, but never anything token-shaped in it.
      message: redact(error.requestId ? `${error.message} (x-github-request-id: ${error.requestId})` : error.message),
      type: TYPES[error.kind],
      param: error.param ?? null,
      code: error.code ?? null,
    },
  };
}
