// Checks every CAPI request goes through, in this order (the 421 base check runs earlier, in server.ts):
//   auth (Bearer Copilot token, or the GitHub token in "bearer" mode) → X-GitHub-Api-Version (466)
//   → Editor-Version / Copilot-Integration-Id → JSON body → vision header ↔ images → no external
//   image URLs → model + endpoint.
import { anthropicError, API_VERSION_466, capiError } from "./errors.js";
import { validInstallationToken } from "./github-app.js";
import { isPat } from "./github-auth.js";
import { isObject, sendJson } from "./http-io.js";
import type { FakeModel } from "./models.js";
import type { Exchange } from "./state.js";

export type CapiKind = "models" | "ping" | "chat" | "responses" | "messages" | "count_tokens" | "embeddings";

const ENDPOINT_OF: Partial<Record<CapiKind, string>> = {
  chat: "/chat/completions",
  responses: "/responses",
  messages: "/v1/messages",
  count_tokens: "/v1/messages",
};

function fail(ex: Exchange, status: number, body: unknown): false {
  sendJson(ex.res, status, body);
  return false;
}

/** Auth, API version and identity headers. Sends the error and returns false on failure. */
export function checkCapiHeaders(ex: Exchange): boolean {
  const { state } = ex;
  const h = ex.call.headers;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h.authorization ?? "");
  if (!m) return fail(ex, 401, capiError("unauthorized: missing or malformed Authorization header", "unauthorized", { type: "authentication_error" }));
  const token = m[1]!;
  // A fine-grained PAT is taken directly whatever the mode, but only under the Copilot CLI's
  // integration id; under any other (VS Code's vscode-chat) Copilot refuses it, and classic PATs
  // always (copilot-upstream.md 1.1, 13.1).
  if (token === state.githubToken && isPat(token)) {
    const cli = h["copilot-integration-id"] === "copilot-developer-cli" && token.startsWith("github_pat_");
    if (!cli) return fail(ex, 400, capiError("Personal Access Tokens are not supported for this endpoint", "bad_request"));
  }
  const bearerGithub =
    ((state.mode === "bearer" || isPat(token)) && token === state.githubToken) || (state.mode === "bearer" && validInstallationToken(state, token));
  if (!bearerGithub) {
    const rec = state.copilotTokens.get(token);
    if (!rec) return fail(ex, 401, capiError("unauthorized: invalid token", "unauthorized", { type: "authentication_error" }));
    if (rec.revoked || state.now() >= rec.expiresAtMs) {
      return fail(ex, 401, capiError("unauthorized: token expired", "unauthorized", { type: "authentication_error" }));
    }
  }
  if (!state.acceptedApiVersions.includes(h["x-github-api-version"] ?? "")) return fail(ex, 466, API_VERSION_466);
  if (!h["editor-version"]) return fail(ex, 400, capiError("missing Editor-Version header for IDE auth", "bad_request"));
  if (state.mode !== "bearer" && !h["copilot-integration-id"]) {
    return fail(ex, 400, capiError("missing required Copilot-Integration-Id header", "bad_request"));
  }
  return true;
}

function containsType(v: unknown, type: string): boolean {
  if (Array.isArray(v)) return v.some((x) => containsType(x, type));
  if (!isObject(v)) return false;
  if (v.type === type) return true;
  return Object.values(v).some((x) => containsType(x, type));
}

/** Does the request carry an image (including images nested in tool results)? */
export function hasImage(kind: CapiKind, body: any): boolean {
  switch (kind) {
    case "chat":
      return containsType(body.messages, "image_url");
    case "responses":
      return containsType(body.input, "input_image");
    case "messages":
      return containsType(body.messages, "image") || containsType(body.system, "image");
    default:
      return false;
  }
}

const isHttpUrl = (v: unknown): boolean => typeof v === "string" && /^\s*https?:/i.test(v);

/**
 * Copilot takes images inline only: an http(s) image URL anywhere in the body (chat `image_url.url`,
 * Responses `input_image.image_url`, an Anthropic `url` image source, nested in tool results too)
 * is refused with `external image URLs are not supported` (known-failures F6).
 */
export function hasExternalImageUrl(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (Array.isArray(v)) return v.some((x) => hasExternalImageUrl(x, depth + 1));
  if (!isObject(v)) return false;
  if (v.type === "image_url" && (isHttpUrl(v.image_url) || (isObject(v.image_url) && isHttpUrl(v.image_url.url)))) return true;
  if (v.type === "input_image" && isHttpUrl(v.image_url)) return true;
  if (v.type === "image" && isObject(v.source) && (v.source.type === "url" || isHttpUrl(v.source.url))) return true;
  return Object.values(v).some((x) => hasExternalImageUrl(x, depth + 1));
}

/** JSON body, vision header and model checks for POST endpoints; returns the model or undefined (error sent). */
export function checkBodyAndModel(ex: Exchange, kind: CapiKind): FakeModel | undefined {
  const body = ex.call.body;
  if (!isObject(body)) {
    fail(ex, 400, capiError("invalid request body, failed to parse JSON", "invalid_request_body"));
    return undefined;
  }
  if (kind === "chat" || kind === "responses" || kind === "messages") {
    const image = hasImage(kind, body);
    const header = (ex.call.headers["copilot-vision-request"] ?? "").toLowerCase() === "true";
    if (image && !header) {
      fail(ex, 400, capiError("missing required Copilot-Vision-Request header for vision requests", "bad_request"));
      return undefined;
    }
    if (!image && header) {
      fail(ex, 429, capiError("too many concurrent vision requests", "rate_limited", { type: "rate_limit_error" }));
      return undefined;
    }
    if (hasExternalImageUrl(body)) {
      const message = "external image URLs are not supported";
      fail(ex, 400, kind === "messages" ? anthropicError(message) : capiError(message, "bad_request"));
      return undefined;
    }
  }
  const model = ex.state.models.find((m) => m.id === body.model);
  if (!model || (model.policy?.state ?? "enabled") !== "enabled") {
    fail(ex, 400, capiError("The requested model is not supported.", "model_not_supported", { param: "model" }));
    return undefined;
  }
  const wantType = kind === "embeddings" ? "embeddings" : "chat";
  if (model.capabilities.type !== wantType) {
    fail(ex, 400, capiError("Model is not supported for this request.", "bad_request", { param: "model" }));
    return undefined;
  }
  const endpoint = ENDPOINT_OF[kind];
  if (endpoint) {
    const supported = model.supported_endpoints ?? ["/chat/completions"];
    if (!supported.includes(endpoint)) {
      fail(ex, 400, capiError(`model "${model.id}" is not accessible via the ${endpoint} endpoint`, "unsupported_api_for_model", { param: "model" }));
      return undefined;
    }
  }
  return model;
}
