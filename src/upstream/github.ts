import { ApiError, fromUpstream } from "../errors.js";
import type { FetchLike } from "./http.js";
import { explainingFetch } from "./explain-network-error.js";
import { githubHeaders } from "./headers.js";
import type { Identity } from "./identity.js";

/** The Copilot language server's GitHub App: its ghu_ tokens work with the v2/token exchange. */
export const GITHUB_CLIENT_ID = "Iv1.b507a08c87ecfe98";
export const GITHUB_SCOPE = "read:user";

export interface CopilotTokenEnvelope {
  token: string;
  expires_at: number;
  refresh_in: number;
  endpoints?: { api?: string; proxy?: string; telemetry?: string };
  sku?: string;
  [key: string]: unknown;
}

export interface QuotaSnapshot {
  quota_id?: string;
  entitlement: number;
  remaining: number;
  quota_remaining?: number;
  percent_remaining: number;
  unlimited: boolean;
  overage_count?: number;
  overage_permitted?: boolean;
  timestamp_utc?: string;
  has_quota?: boolean;
}

export interface CopilotUser {
  login?: string;
  access_type_sku?: string;
  copilot_plan?: string;
  chat_enabled?: boolean;
  endpoints?: { api?: string; proxy?: string; telemetry?: string };
  quota_reset_date?: string;
  quota_reset_date_utc?: string;
  quota_snapshots?: Partial<Record<"chat" | "completions" | "premium_interactions", QuotaSnapshot>>;
  [key: string]: unknown;
}

/**
 * GitHub's token and user endpoints answer in well under a second; a call that hangs must not
 * hold every request behind a token refresh forever.
 */
export const GITHUB_CALL_TIMEOUT_MS = 30_000;

export class GitHubClient {
  private readonly fetch: FetchLike;

  constructor(
    fetch: FetchLike,
    private readonly apiBase: string,
    private readonly identity: Identity,
  ) {
    this.fetch = explainingFetch(fetch, "GitHub");
  }

  /**
   * Mode A (copilot-upstream.md 1.2): exchange the GitHub token for a short-lived Copilot token.
   * Returns undefined on 404, which is how Copilot says "use the GitHub token directly" (mode B,
   * 1.3: gho_ tokens from gh, the Copilot CLI and Copilot Enterprise).
   */
  async exchangeToken(githubToken: string, signal: AbortSignal = AbortSignal.timeout(GITHUB_CALL_TIMEOUT_MS)): Promise<CopilotTokenEnvelope | undefined> {
    const res = await this.fetch(`${this.apiBase}/copilot_internal/v2/token`, {
      headers: githubHeaders(this.identity, githubToken, "token"),
      signal,
    });
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (!res.ok) throw explainGitHubError(fromUpstream(res.status, res.headers, text));
    const body = parseJson<CopilotTokenEnvelope>(text, "copilot_internal/v2/token");
    // VS Code validates the envelope leniently since 2026-01-09: only token/expires_at/refresh_in matter.
    if (typeof body.token !== "string" || typeof body.expires_at !== "number") {
      throw new ApiError({ kind: "upstream", status: 502, message: "GitHub returned a Copilot token envelope without token/expires_at", upstream: true });
    }
    return body;
  }

  async user(githubToken: string, scheme: "token" | "Bearer" = "token", signal: AbortSignal = AbortSignal.timeout(GITHUB_CALL_TIMEOUT_MS)): Promise<CopilotUser> {
    const res = await this.fetch(`${this.apiBase}/copilot_internal/user`, {
      headers: githubHeaders(this.identity, githubToken, scheme),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw explainGitHubError(fromUpstream(res.status, res.headers, text));
    return parseJson<CopilotUser>(text, "copilot_internal/user");
  }
}

/** A 200 that is not JSON (a proxy's or captive portal's page) is a clear upstream error, not a SyntaxError. */
function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError({ kind: "upstream", status: 502, message: `GitHub's ${what} answer is not JSON: ${text.slice(0, 120)}`, upstream: true });
  }
}

/** GitHub's 401/403 on the Copilot endpoints mean "log in again" or "no Copilot on this account". */
function explainGitHubError(error: ApiError): ApiError {
  if (error.status === 401) {
    return new ApiError({ ...error, kind: "authentication", status: 401, message: `GitHub rejected the token (${error.message}). Run \`copilot-api auth\` to log in again.`, upstream: true });
  }
  if (error.status === 403) {
    return new ApiError({ ...error, kind: "permission", status: 403, message: `GitHub refused Copilot access: ${error.message}`, upstream: true });
  }
  return error;
}
