import { clip } from "./text.js";

/**
 * One error type for the whole server. Every failure is classified once, here, and each client
 * dialect renders it in its own shape (see dialects/<name>/encode-error.ts).
 */
export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "payload_too_large"
  | "rate_limit"
  | "quota"
  | "context_window"
  | "api_version"
  | "overloaded"
  | "upstream"
  | "network"
  | "timeout"
  | "cancelled";

export interface ApiErrorInit {
  kind: ErrorKind;
  status: number;
  message: string;
  code?: string;
  param?: string;
  retryAfter?: string;
  /** The status/body came from Copilot or GitHub rather than from us. */
  upstream?: boolean;
  /** Copilot's x-github-request-id, quoted so users can report it. */
  requestId?: string;
}

/**
 * Longest message an ApiError keeps. Messages quote client values only cut short (text.ts quote()),
 * but an upstream error can echo a whole field back: the message goes to the client, the request log
 * and the dashboard's ring of recent requests, so it is bounded here once for all.
 */
export const MAX_ERROR_MESSAGE_CHARS = 4_000;

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly code?: string;
  readonly param?: string;
  readonly retryAfter?: string;
  readonly upstream: boolean;
  readonly requestId?: string;

  constructor(init: ApiErrorInit) {
    super(clip(init.message, MAX_ERROR_MESSAGE_CHARS));
    this.name = "ApiError";
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code === undefined ? undefined : clip(init.code);
    this.param = init.param === undefined ? undefined : clip(init.param);
    this.retryAfter = init.retryAfter;
    this.upstream = init.upstream ?? false;
    this.requestId = init.requestId;
  }
}

export const badRequest = (message: string, param?: string, code = "invalid_request_error") =>
  new ApiError({ kind: "invalid_request", status: 400, message, param, code });

export const notFound = (message: string, code = "not_found") =>
  new ApiError({ kind: "not_found", status: 404, message, code });

export function kindForStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return "invalid_request";
  if (status === 401) return "authentication";
  if (status === 402) return "quota";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limit";
  if (status === 466) return "api_version";
  if (status === 499) return "cancelled";
  if (status === 503 || status === 529) return "overloaded";
  if (status === 504) return "timeout";
  return status >= 500 ? "upstream" : "invalid_request";
}

/**
 * Turns an upstream error answer into an ApiError. The body is read once, as text, then parsed if
 * it is JSON (Copilot sends `{"error":{message,code,type,param}}`, the same fields bare, GitHub's
 * `{message, documentation_url}`, Anthropic's `{type:"error",error:{type,message}}`, or plain text).
 */
export function fromUpstream(status: number, headers: Headers, text: string, apiVersion?: string): ApiError {
  // A plain-text body can be a whole HTML page: keep what a person needs to read.
  let message = text.trim().slice(0, 2000) || `Upstream answered HTTP ${status}`;
  let code: string | undefined;
  let param: string | undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const inner = (typeof parsed.error === "object" && parsed.error !== null ? parsed.error : parsed) as Record<string, unknown>;
    if (typeof inner.message === "string") message = inner.message.trim();
    else if (typeof parsed.message === "string") message = parsed.message.trim();
    else if (typeof parsed.error === "string") {
      // OAuth style {"error":"invalid_grant","error_description":"…"} or a bare {"error":"text"}
      message = (typeof parsed.error_description === "string" ? parsed.error_description : parsed.error).trim();
      if (typeof parsed.error_description === "string") code = parsed.error;
    }
    if (typeof inner.code === "string") code = inner.code;
    else if (typeof inner.type === "string" && inner.type !== "error") code = inner.type;
    if (typeof inner.param === "string") param = inner.param;
  } catch {
    // plain-text body: keep it verbatim
  }
  let kind = kindForStatus(status);
  // Copilot's chat wording, OpenAI's Responses code, and Anthropic's own wording all mean the same.
  if (status === 400 && /model_max_prompt_tokens_exceeded|context_length_exceeded/.test(code ?? "")) kind = "context_window";
  if (status === 400 && /prompt token count of \d+ exceeds the limit|exceeds the context window|prompt is too long/i.test(message)) kind = "context_window";
  if (status === 402) message = spendMessage(code, message);
  if (status === 466) {
    message =
      `Copilot rejected the API version: X-GitHub-Api-Version is ${apiVersion ?? "(unset)"}, which GitHub no longer supports. ` +
      `Set COPILOT_API_VERSION to a current version. Upstream said: ${message}`;
    code = code ?? "api_version_unsupported";
  }
  return new ApiError({
    kind,
    status,
    message,
    code,
    param,
    retryAfter: headers.get("retry-after") ?? undefined,
    upstream: true,
    requestId: headers.get("x-github-request-id") ?? undefined,
  });
}

/**
 * Copilot's 402s (copilot-upstream.md 10) say which allowance ran out in a code; the message says
 * what that means and what to do, keeping Copilot's own words at the end.
 */
function spendMessage(code: string | undefined, upstream: string): string {
  const said = `Copilot said: ${upstream}`;
  switch (code?.split(":")[0]) {
    case "additional_spend_limit_reached":
      return `Copilot refused the request: your account's spending limit for additional AI credits is reached. Raise it in your GitHub billing settings (Copilot budget), or wait for the next billing period. ${said}`;
    case "overage_limit_reached":
      return `Copilot refused the request: the limit on additional (overage) usage is reached for this billing period. Raise it in your GitHub billing settings, or wait for the next period. ${said}`;
    case "quota_exceeded":
    case "free_quota_exceeded":
      return `Copilot refused the request: your plan's included AI credits are used up for this billing period (\`copilot-api check-usage\` shows the reset date). Enable additional usage in your GitHub billing settings, or wait for the reset. ${said}`;
    case "billing_not_configured":
      return `Copilot refused the request: the included allowance is used up and additional usage is not set up for this account. Set up billing for Copilot on GitHub, or wait for the next billing period. ${said}`;
    default:
      return `Copilot refused the request for billing reasons (HTTP 402${code ? `, ${code}` : ""}). ${said}`;
  }
}

/** Anything thrown that isn't an ApiError: network failures become 502, aborts 499. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "AbortError" || (typeof error === "string" && /closed|abort/i.test(error))) {
    // The Node listener aborts a request's signal with a string reason when the client leaves (src/http/node-request.ts).
    return new ApiError({ kind: "cancelled", status: 499, message: "Request cancelled" });
  }
  if (e?.name === "TimeoutError") return new ApiError({ kind: "timeout", status: 504, message: "Copilot did not answer in time" });
  const code = e?.cause?.code ?? e?.code;
  if (code && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|ENETUNREACH|UND_ERR_\w+)$/.test(code)) {
    return new ApiError({
      kind: "network",
      status: 502,
      message: `Could not reach Copilot (${code})`,
      code: "upstream_unreachable",
    });
  }
  return new ApiError({
    kind: "upstream",
    status: 500,
    message: e?.message ? `Internal error: ${e.message}` : "Internal error",
    code: "internal_error",
  });
}

/** A failure after the stream started: named as such, so the client sees where it broke. */
export function midStreamError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = toApiError(error);
  if (e.kind === "cancelled" || e.kind === "timeout") return e;
  const detail = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message ?? "unknown error";
  return new ApiError({ kind: e.kind === "network" ? "network" : "upstream", status: 502, message: `The Copilot stream broke off mid-answer (${detail})` });
}

/** A 2xx answer's JSON object body; anything else is Copilot's fault (502), not ours (500). */
export async function readUpstreamJson<T extends object>(res: Response, path: string): Promise<T> {
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    throw midStreamError(error);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as T;
  } catch {
    // fall through
  }
  throw new ApiError({ kind: "upstream", status: 502, message: `Copilot returned an answer for ${path} that is not a JSON object`, upstream: true });
}
