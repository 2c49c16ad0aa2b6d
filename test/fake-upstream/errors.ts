// Error bodies in the shapes Copilot (CAPI), Anthropic and GitHub use.

export function capiError(message: string, code?: string, extra: { param?: string; type?: string } = {}): unknown {
  const error: Record<string, string> = { message };
  if (code) error.code = code;
  if (extra.param) error.param = extra.param;
  error.type = extra.type ?? "invalid_request_error";
  return { error };
}

export function anthropicError(message: string, type = "invalid_request_error"): unknown {
  return { type: "error", error: { type, message } };
}

export function githubError(message: string, status: number): unknown {
  return { message, documentation_url: "https://docs.github.com/rest", status: String(status) };
}

/** Exact 466 body from copilot-upstream.md section 3.4. */
export const API_VERSION_466 = {
  error: {
    message:
      "bad request: the specified API version is no longer supported. You may need to update your client to a newer version.\n",
    type: "error",
  },
};

/** Default bodies for status faults without an explicit body. */
export function defaultFaultBody(status: number): unknown {
  switch (status) {
    case 400:
      return capiError("bad request", "bad_request");
    case 401:
      return capiError("unauthorized: token expired", "unauthorized", { type: "authentication_error" });
    case 402:
      return capiError("You have exceeded your premium request allowance.", "quota_exceeded", { type: "insufficient_quota" });
    case 403:
      return capiError("Access to this endpoint is forbidden. Please review our Terms of Service.", "forbidden", { type: "forbidden" });
    case 404:
      return "Not Found";
    case 421:
      return "Misdirected Request";
    case 429:
      return capiError(
        "Sorry, you've hit a rate limit that restricts the number of Copilot model requests you can make within a specific time period. Please try again in 1 minute.",
        "user_model_rate_limited",
        { type: "rate_limit_error" },
      );
    case 466:
      return API_VERSION_466;
    case 503:
      return "upstream provider rate limit";
    default:
      return capiError(`fake upstream fault (HTTP ${status})`, status >= 500 ? "server_error" : "bad_request", {
        type: status >= 500 ? "server_error" : "invalid_request_error",
      });
  }
}
