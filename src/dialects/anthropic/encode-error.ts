import type { ApiError, ErrorKind } from "../../errors.js";

const TYPES: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  context_window: "invalid_request_error",
  api_version: "invalid_request_error",
  payload_too_large: "request_too_large",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  rate_limit: "rate_limit_error",
  quota: "rate_limit_error",
  overloaded: "overloaded_error",
  upstream: "api_error",
  network: "api_error",
  timeout: "timeout_error",
  cancelled: "api_error",
};

/** Anthropic's error body: `{"type":"error","error":{"type","message"}}`. */
export function encodeAnthropicError(error: ApiError) {
  return {
    type: "error",
    error: {
      type: TYPES[error.kind],
      message: error.requestId ? `${error.message} (x-github-request-id: ${error.requestId})` : error.message,
    },
  };
}
