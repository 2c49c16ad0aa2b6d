import { ApiError } from "../errors.js";
import { type Logger, registerSecret } from "../log.js";
import type { CopilotUser, GitHubClient } from "./github.js";
import type { GitHubToken, GitHubTokenSource } from "./github-app.js";
import { classicPatMessage, describeToken, PAT_INTEGRATION_ID, tokenKind, type TokenOrigin, tokenUse } from "./token-source.js";

export interface CopilotSession {
  /** Bearer for Copilot: the exchanged Copilot token (mode A) or the GitHub token itself (mode B). */
  token: string;
  /** endpoints.api: every Copilot call goes here (copilot-upstream.md 2). */
  apiBase: string;
  mode: "exchange" | "bearer";
  /** Copilot-Integration-Id to send instead of the default (fine-grained PATs, token-source.ts). */
  integrationId?: string;
  /** Wall-clock ms after which the session must be renewed before use. */
  refreshAt: number;
  expiresAt: number;
}

export interface TokenManagerOptions {
  github: GitHubClient;
  /** A fixed token (a user's), or a source that renews it (a GitHub App's installation tokens). */
  githubToken: string | GitHubTokenSource;
  /** Where the token came from, for messages (default: the stored login). */
  githubTokenOrigin?: TokenOrigin;
  /** Used only when neither the token envelope nor the user record names endpoints.api. */
  fallbackApiBase: string;
  log: Logger;
  now?: () => number;
  /** Override for tests: where Copilot lives regardless of what GitHub says. */
}

const FIVE_MINUTES = 5 * 60_000;
/** After a failed early renewal, try again this much later rather than on every request. */
const RETRY_AFTER_FAILURE = 15_000;
/** In mode B there is no expiry; re-read endpoints.api now and then in case the seat moves. */
const BEARER_RECHECK = 60 * 60_000;

/**
 * Owns the Copilot session. Expiry is judged by the wall clock at the moment of use (and by a
 * periodic check), never by a timer alone: timers don't run while a laptop sleeps, so a timer-only
 * refresh leaves an expired token after resume (known-failures A2). Concurrent callers share one
 * refresh. Renewal ahead of expiry runs in the background; a failed refresh is reported to the
 * caller that needed it (one that had no valid session) and never crashes the process.
 */
export class TokenManager {
  private session?: CopilotSession;
  private pending?: Promise<CopilotSession>;
  private failure?: { at: number; error: Error };
  private timer?: ReturnType<typeof setInterval>;
  private readonly now: () => number;
  private described = false;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    if (typeof options.githubToken === "string") registerSecret(options.githubToken);
  }

  /** The GitHub token to exchange now (an installation token is renewed by its source when due). */
  githubToken(): Promise<GitHubToken> {
    const t = this.options.githubToken;
    return typeof t === "string" ? Promise.resolve({ token: t }) : t.token();
  }

  /** Which token this is, where it came from and how Copilot takes it (never the token itself). */
  describe(): string {
    const t = this.options.githubToken;
    if (typeof t !== "string") return describeToken("installation", "github-app");
    return describeToken(tokenKind(t), this.options.githubTokenOrigin ?? "file");
  }

  get current(): CopilotSession | undefined {
    return this.session;
  }

  /**
   * A session that is valid now. Past the renewal point but before expiry, the current session is
   * served at once and renewal runs in the background: a slow GitHub must not make every request
   * wait for an exchange while the token in hand is good for minutes (mode A) or indefinitely
   * (mode B). Only when no valid session is left does the caller wait for the exchange.
   */
  async get(): Promise<CopilotSession> {
    const s = this.session;
    const now = this.now();
    if (s && now < s.refreshAt) return s;
    if (s && now < s.expiresAt) {
      this.renewInBackground();
      return s;
    }
    return this.refresh();
  }

  /**
   * Why the last renewal failed, while it has not succeeded since: /health reports it (a GitHub
   * token that no longer works shows there before the Copilot session runs out).
   */
  get lastFailure(): { at: number; error: Error } | undefined {
    return this.failure;
  }

  /** Whether the session in hand may still be used (by the wall clock, as get() judges it). */
  get valid(): boolean {
    return this.session !== undefined && this.now() < this.session.expiresAt;
  }

  /** Settles once no renewal is running (tests wait on it instead of sleeping). */
  async idle(): Promise<void> {
    await this.pending?.catch(() => {});
  }

  private renewInBackground(): void {
    if (this.pending) return;
    this.refresh().catch((error: unknown) => {
      const s = this.session;
      if (!s) return;
      // Retry a little later rather than on every request; the session in hand stays in use until it expires.
      this.session = { ...s, refreshAt: this.now() + RETRY_AFTER_FAILURE };
      const until = Number.isFinite(s.expiresAt) ? ` (valid until ${new Date(s.expiresAt).toISOString()})` : "";
      this.options.log.warn(`Copilot token renewal failed, still using the current one${until}: ${(error as Error).message}`);
    });
  }

  /** Forces a new session (after a 401 or 421). Callers arriving meanwhile share the same promise. */
  refresh(): Promise<CopilotSession> {
    if (!this.pending) {
      this.pending = this.load().then(
        (session) => {
          this.failure = undefined;
          return session;
        },
        (error: unknown) => {
          this.failure = { at: this.now(), error: error as Error };
          throw error;
        },
      ).finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** Drops the session if it is still the one that failed, so the next get() renews it. */
  invalidate(token: string): void {
    const s = this.session;
    if (s?.token !== token) return;
    this.session = undefined;
    // Used directly (mode B), the refused token is the GitHub token itself: an installation token is renewed too.
    if (s.mode === "bearer") this.dropGitHubToken(token);
  }

  /** Asks a renewable GitHub token's source (a GitHub App's) for a new one; false for a fixed token. */
  private dropGitHubToken(token: string): boolean {
    const t = this.options.githubToken;
    return typeof t !== "string" && t.invalidate(token);
  }

  /** Checks the wall clock every 30 s and renews ahead of expiry; errors are logged, not thrown. */
  start(intervalMs = 30_000): void {
    this.stop();
    this.timer = setInterval(() => {
      const s = this.session;
      if (s && this.now() < s.refreshAt) return;
      if (s && this.now() < s.expiresAt) return this.renewInBackground();
      this.refresh().catch((error: unknown) => {
        this.options.log.warn(`Copilot token refresh failed, will retry: ${(error as Error).message}`);
      });
    }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<CopilotSession> {
    try {
      return await this.loadWith();
    } catch (error) {
      // GitHub refused an installation token it issued less than an hour ago: renew it once.
      const refused = error instanceof ApiError && error.status === 401 ? this.lastGitHubToken : undefined;
      if (refused === undefined || !this.dropGitHubToken(refused)) throw error;
      return this.loadWith();
    }
  }

  /** The GitHub token the last loadWith() used, to say which one GitHub refused. */
  private lastGitHubToken?: string;

  private async loadWith(): Promise<CopilotSession> {
    const { github, log } = this.options;
    const { token: githubToken, expiresAt: githubExpiresAt } = await this.githubToken();
    this.lastGitHubToken = githubToken;
    const now = this.now();
    const kind = tokenKind(githubToken);
    if (!this.described) {
      this.described = true;
      log.debug(`GitHub token: ${this.describe()}`);
    }
    if (kind === "classic-pat") {
      throw new ApiError({ kind: "authentication", status: 401, message: classicPatMessage(this.options.githubTokenOrigin ?? "file") });
    }
    const envelope = tokenUse(kind) === "exchange" ? await github.exchangeToken(githubToken) : undefined;
    if (envelope) {
      registerSecret(envelope.token, "copilot-session");
      const expiresAt = envelope.expires_at * 1000;
      // VS Code: local expiry = now + refresh_in + 60 s, renewed when < 5 min remain (1.2).
      const refreshIn = typeof envelope.refresh_in === "number" ? envelope.refresh_in : 1500;
      // expires_at is on GitHub's clock. If it already looks (nearly) past on ours, the clocks
      // disagree (a VM or WSL after sleep); then only the relative refresh_in means anything, and
      // trusting expires_at would renew on every single call.
      const byRefreshIn = now + (refreshIn + 60) * 1000;
      const localExpiry = expiresAt - FIVE_MINUTES > now ? Math.min(byRefreshIn, expiresAt) : byRefreshIn;
      const refreshAt = Math.max(now + 60_000, localExpiry - FIVE_MINUTES);
      let apiBase = envelope.endpoints?.api;
      if (!apiBase) apiBase = (await this.userEndpoint(githubToken, "token")) ?? this.options.fallbackApiBase;
      this.session = { token: envelope.token, apiBase: trim(apiBase), mode: "exchange", refreshAt, expiresAt };
      log.debug(`Copilot token renewed; valid until ${new Date(expiresAt).toISOString()}, host ${this.session.apiBase}`);
      return this.session;
    }
    // Mode B (copilot-upstream.md 1.3): v2/token 404s for this token kind (or, for a fine-grained
    // PAT, refuses it); the GitHub token is the Bearer.
    const apiBase = (await this.userEndpoint(githubToken, "Bearer")) ?? this.options.fallbackApiBase;
    // An installation token used directly lasts as long as GitHub says, and is renewed before that.
    const expiresAt = githubExpiresAt ?? Number.POSITIVE_INFINITY;
    this.session = {
      token: githubToken,
      apiBase: trim(apiBase),
      mode: "bearer",
      ...(kind === "fine-grained-pat" ? { integrationId: PAT_INTEGRATION_ID } : {}),
      refreshAt: Math.max(now + 60_000, Math.min(now + BEARER_RECHECK, expiresAt - FIVE_MINUTES)),
      expiresAt,
    };
    log.debug(`Token exchange not offered for this token; using it directly against ${this.session.apiBase}`);
    return this.session;
  }

  private async userEndpoint(githubToken: string, scheme: "token" | "Bearer"): Promise<string | undefined> {
    let user: CopilotUser;
    try {
      user = await this.options.github.user(githubToken, scheme);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
      return undefined;
    }
    return user.endpoints?.api;
  }
}

function trim(url: string): string {
  return url.replace(/\/+$/, "");
}
