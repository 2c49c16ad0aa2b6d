/**
 * CORS is off unless --cors-origin names the origin (the original answered `*`, so any web page
 * the user visited could spend their quota with fetch to localhost: known-failures S1).
 */

/** Request headers a browser client may send: what the openai and Anthropic SDKs send from a page. */
const ALLOWED_HEADERS = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "x-goog-api-client",
  "content-type",
  "accept",
  "anthropic-version",
  "anthropic-beta",
  "anthropic-dangerous-direct-browser-access",
  "openai-beta",
  "openai-organization",
  "openai-project",
  "x-request-id",
]);

export const ALLOWED_METHODS = "GET, POST, OPTIONS";
/** Response headers a page may read: retry-after matters for its back-off; the cost headers say what an answer cost. */
export const EXPOSED_HEADERS = "retry-after, x-request-id, request-id, x-copilot-cost-credits, x-copilot-cost-estimated";

/** "http://LocalHost:3000/" → "http://localhost:3000"; a value that is not a URL is kept as written ("null"). */
export function normaliseOrigin(value: string): string {
  const v = value.trim();
  try {
    const url = new URL(v);
    if (url.origin !== "null") return url.origin;
  } catch {
    // not a URL
  }
  return v.toLowerCase().replace(/\/+$/, "");
}

/** The hostname of each configured origin that is a URL, for the Host guard. */
export function originHostnames(origins: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const o of origins) {
    try {
      out.add(new URL(o.trim()).hostname.toLowerCase().replace(/^\[|\]$/g, ""));
    } catch {
      // not a URL: names no host
    }
  }
  return out;
}

/** Whether `origin` is this server's own origin (its own dashboard page). */
export function isSameOrigin(origin: string, requestUrl: string, hostHeader: string | undefined): boolean {
  try {
    const o = new URL(origin);
    const self = new URL(requestUrl);
    return o.protocol === self.protocol && o.host === (hostHeader ?? self.host).toLowerCase();
  } catch {
    return false;
  }
}

/** The requested headers that are in the allow-list (x-stainless-* included), for Access-Control-Allow-Headers. */
export function allowedRequestHeaders(requested: string | undefined): string {
  return (requested ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h && (ALLOWED_HEADERS.has(h) || h.startsWith("x-stainless-")))
    .join(", ");
}
