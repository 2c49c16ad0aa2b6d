import type { ApiError, ErrorKind } from "../../errors.js";
import { redact } from "../../log.js";

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

/**
 * Anthropic's error body: `{"type":"error","error":{"type","message"}}`. A prompt over the model's
 * limit is worded as Anthropic words it ("prompt is too long: N tokens > M maximum"), which is what
 * makes Claude Code compact instead of stalling (known-failures F3, case 22).
 */
export function encodeAnthropicError(error: ApiError) {
  let message = error.message;
  if (error.kind === "context_window") {
    const m = /(\d+)\D+?(?:exceeds the limit of|>)\D*?(\d+)/.exec(message);
    if (m && !message.startsWith("prompt is too long")) message = `prompt is too long: ${m[1]} tokens > ${m[2]} maximum`;
    // Without the numbers, the words alone are what Claude Code looks for.
    else if (!message.startsWith("prompt is too long")) message = `prompt is too long: ${message}`;
  }
  return {
    type: "error",
    error: {
      type: TYPES[error.kind],
      // Upstream text is relayed, but never anything token-shaped in it.
      message: redact(error.requestId ? `${message} (x-github-request-id: ${error.requestId})` : message),
    },
  };
}
