// GitHub side: OAuth device flow (RFC 8628, as github.com answers it), the Copilot token
// exchange (copilot_internal/v2/token) and copilot_internal/user.
import { githubError } from "./errors.js";
import { validInstallationToken } from "./github-app.js";
import { isObject, sendBody, sendJson, sendText } from "./http-io.js";
import { GENERIC_SHAPES, sendReplyJson } from "./reply-writer.js";
import type { Exchange, FakeState } from "./state.js";

const ERROR_URI = "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow";

const DESCRIPTIONS: Record<string, string> = {
  authorization_pending: "The authorization request is still pending.",
  slow_down: "Too many requests have been made in the same timeframe.",
  expired_token: "The device_code has expired.",
  access_denied: "The authorization request was denied.",
  incorrect_device_code: "The device_code provided is not valid.",
  incorrect_client_credentials: "The client_id is not valid.",
  unsupported_grant_type: "The grant type is not supported.",
};

/** Params from a JSON or form body, falling back to the query string. */
function params(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(new URLSearchParams(ex.call.query));
  if (isObject(ex.call.body)) {
    for (const [k, v] of Object.entries(ex.call.body)) out[k] = String(v);
  }
  return out;
}

/** GitHub answers form-encoded unless the client asks for JSON. */
function sendOAuth(ex: Exchange, body: Record<string, string | number>): Promise<void> | void {
  if ((ex.call.headers.accept ?? "").includes("application/json")) return sendReplyJson(ex, body, GENERIC_SHAPES);
  const form = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString();
  ex.res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" });
  ex.res.end(form);
}

function oauthError(ex: Exchange, error: string, extra: Record<string, string | number> = {}): Promise<void> | void {
  return sendOAuth(ex, { error, error_description: DESCRIPTIONS[error] ?? error, error_uri: ERROR_URI, ...extra });
}

export function handleDeviceCode(ex: Exchange): Promise<void> | void {
  const p = params(ex);
  if (!p.client_id) return sendJson(ex.res, 404, githubError("Not Found", 404));
  const { state } = ex;
  const deviceCode = state.ids.next("", 40);
  state.deviceCodes.set(deviceCode, {
    clientId: p.client_id,
    scope: p.scope ?? "",
    issuedAt: state.now(),
    interval: state.deviceFlow.interval,
    polls: 0,
    pendingServed: 0,
  });
  return sendOAuth(ex, {
    device_code: deviceCode,
    user_code: "ABCD-1234",
    verification_uri: `${state.githubUrl}/login/device`,
    expires_in: state.deviceFlow.expiresIn,
    interval: state.deviceFlow.interval,
  });
}

export function handleAccessToken(ex: Exchange): Promise<void> | void {
  const p = params(ex);
  const { state } = ex;
  if (p.grant_type !== "urn:ietf:params:oauth:grant-type:device_code") return oauthError(ex, "unsupported_grant_type");
  const dc = p.device_code ? state.deviceCodes.get(p.device_code) : undefined;
  if (!dc) return oauthError(ex, "incorrect_device_code");
  if (p.client_id !== dc.clientId) return oauthError(ex, "incorrect_client_credentials");
  dc.polls += 1;
  const flow = state.deviceFlow;
  if (state.now() >= dc.issuedAt + flow.expiresIn * 1000) return oauthError(ex, "expired_token");
  if (flow.slowDownAt.includes(dc.polls)) {
    dc.interval += 5;
    return oauthError(ex, "slow_down", { interval: dc.interval });
  }
  if (dc.pendingServed < flow.pendingPolls) {
    dc.pendingServed += 1;
    return oauthError(ex, "authorization_pending");
  }
  if (flow.outcome !== "success") return oauthError(ex, flow.outcome);
  return sendOAuth(ex, { access_token: state.githubToken, token_type: "bearer", scope: "read:user" });
}

export function handleDevicePage(ex: Exchange): void {
  ex.res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  ex.res.end("<!doctype html><title>Device activation</title><p>Enter the code shown in your terminal.</p>");
}

/** A personal access token, fine-grained (github_pat_) or classic (ghp_). */
/**
 * GitHub's REST API refuses a request without a User-Agent header: "Requests with no User-Agent
 * header will be rejected" (docs.github.com, Getting started with the REST API, "User agent").
 * True when the request has one; otherwise the 403 has been sent.
 * [U] The body: the text clients have reported getting back, not a JSON error.
 */
export function userAgentGiven(ex: Exchange): boolean {
  if ((ex.call.headers["user-agent"] ?? "").trim() !== "") return true;
  sendText(
    ex.res,
    403,
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n",
  );
  return false;
}

export function isPat(token: string): boolean {
  return token.startsWith("github_pat_") || token.startsWith("ghp_");
}

function githubAuthorized(ex: Exchange, schemes: string[]): boolean {
  const auth = ex.call.headers.authorization ?? "";
  const space = auth.indexOf(" ");
  if (space < 0) return false;
  const scheme = auth.slice(0, space).toLowerCase();
  const token = auth.slice(space + 1).trim();
  return schemes.includes(scheme) && (token === ex.state.githubToken || validInstallationToken(ex.state, token));
}

function endpoints(state: FakeState): Record<string, string> {
  return {
    api: state.endpointsApi,
    proxy: `${state.url}/capi-proxy`,
    telemetry: `${state.url}/telemetry`,
    "origin-tracker": `${state.url}/origin-tracker`,
  };
}

export function issueCopilotToken(state: FakeState): { token: string; expiresAt: number } {
  const expiresAt = Math.floor(state.now() / 1000) + state.tokenLifetimeSec;
  const tid = state.ids.next("", 32);
  const head = `tid=${tid};exp=${expiresAt};sku=copilot_for_business_seat;proxy-ep=proxy.invalid;8kp=1`;
  const token = `${head}:${state.signer.mac("copilot-token", head)}`;
  state.copilotTokens.set(token, { expiresAtMs: expiresAt * 1000, revoked: false });
  state.issuedCopilotTokens.push(token);
  return { token, expiresAt };
}

export async function handleCopilotToken(ex: Exchange): Promise<void> {
  const { state } = ex;
  if (state.exchangeGate) {
    state.exchangeGate.arrived();
    await state.exchangeGate.gate;
  }
  if (state.mode === "bearer") return sendJson(ex.res, 404, githubError("Not Found", 404));
  // VS Code sends `Authorization: token <github-token>`; this fake accepts exactly that.
  if (!githubAuthorized(ex, ["token"])) return sendJson(ex.res, 401, githubError("Bad credentials", 401));
  // Personal access tokens get no Copilot token (copilot-upstream.md 1.1): fine-grained ones are
  // refused with 403; classic ones too [U: the reference only reports "Failed to get Copilot token"].
  if (isPat(state.githubToken)) return sendJson(ex.res, 403, githubError("Resource not accessible by personal access token", 403));
  const { token, expiresAt } = issueCopilotToken(state);
  return sendReplyJson(
    ex,
    {
      agent_mode_auto_approval: true,
      annotations_enabled: true,
      azure_only: false,
      blackbird_clientside_indexing: false,
      chat_enabled: true,
      chat_jetbrains_enabled: true,
      code_quote_enabled: true,
      code_review_enabled: true,
      codesearch: true,
      copilotignore_enabled: false,
      endpoints: endpoints(state),
      expires_at: expiresAt,
      individual: false,
      limited_user_quotas: null,
      limited_user_reset_date: null,
      nes_enabled: true,
      organization_list: ["5f4dcc3b5aa765d61d8327deb882cf99"],
      prompt_8k: true,
      public_suggestions: "disabled",
      refresh_in: Math.max(0, state.tokenLifetimeSec - 300),
      sku: "copilot_for_business_seat",
      snippy_load_test_enabled: false,
      telemetry: "disabled",
      token,
      tracking_id: "0123456789abcdef0123456789abcdef",
      vsc_electron_fetcher_v2: false,
      xcode: true,
      xcode_chat: false,
    },
    GENERIC_SHAPES,
  );
}

function nextMonthIso(nowMs: number): { date: string; utc: string } {
  const d = new Date(nowMs);
  const reset = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  return { date: reset.toISOString().slice(0, 10), utc: reset.toISOString() };
}

export function handleCopilotUser(ex: Exchange): Promise<void> | void {
  const { state } = ex;
  if (!githubAuthorized(ex, ["token", "bearer"])) return sendJson(ex.res, 401, githubError("Bad credentials", 401));
  const timestamp = new Date(state.now()).toISOString();
  const reset = nextMonthIso(state.now());
  const unlimited = (quota_id: string) => ({
    entitlement: 0,
    overage_count: 0,
    overage_permitted: false,
    percent_remaining: 100,
    quota_id,
    quota_remaining: 0,
    remaining: 0,
    unlimited: true,
    timestamp_utc: timestamp,
  });
  return sendReplyJson(
    ex,
    {
      login: "octocat-fake",
      access_type_sku: "copilot_for_business_seat",
      analytics_tracking_id: "0123456789abcdef0123456789abcdef",
      assigned_date: "2025-01-15T10:00:00+00:00",
      can_signup_for_limited: false,
      chat_enabled: true,
      codex_agent_enabled: true,
      copilot_plan: "business",
      endpoints: endpoints(state),
      organization_login_list: ["fake-org"],
      organization_list: [{ login: "fake-org", name: "Fake Org" }],
      quota_reset_date: reset.date,
      quota_reset_date_utc: reset.utc,
      token_based_billing: true,
      quota_snapshots: {
        chat: unlimited("chat"),
        completions: unlimited("completions"),
        premium_interactions: {
          entitlement: 300,
          overage_count: 0,
          overage_permitted: false,
          percent_remaining: 40,
          quota_id: "premium_interactions",
          quota_remaining: 120,
          remaining: 120,
          unlimited: false,
          timestamp_utc: timestamp,
        },
      },
    },
    GENERIC_SHAPES,
  );
}

export function handleGithubNotFound(ex: Exchange): void {
  if (ex.area === "github-api") sendBody(ex.res, 404, githubError("Not Found", 404));
  else sendText(ex.res, 404, "Not Found");
}
