import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { ConfigError } from "../config-checks.js";
import { ApiError, fromUpstream } from "../errors.js";
import { type Logger, registerSecret } from "../log.js";
import { explainingFetch } from "./explain-network-error.js";
import { GITHUB_CALL_TIMEOUT_MS } from "./github.js";
import type { FetchLike } from "./http.js";

/** A GitHub token that may change over time (an installation token is renewed every hour). */
export interface GitHubTokenSource {
  /** A token valid now, renewed first when it is about to expire. */
  token(): Promise<GitHubToken>;
  /**
   * GitHub refused this token before its expiry (revoked, or this machine's clock is behind): the
   * next token() gets a new one. false when it is not the current token or was minted too recently.
   */
  invalidate(token: string): boolean;
}

export interface GitHubToken {
  token: string;
  /** Wall-clock ms after which GitHub refuses it; undefined when it does not expire. */
  expiresAt?: number;
}

export interface GitHubAppOptions {
  fetch: FetchLike;
  /** GitHub REST base (api.github.com or api.<tenant>.ghe.com). */
  apiUrl: string;
  appId: string;
  /** The app's private key (parseAppKey). */
  privateKey: KeyObject;
  installationId: string;
  log: Logger;
  now?: () => number;
}

/** Renew this long before GitHub's expiry, so a request never starts with a token about to die. */
const RENEW_MARGIN_MS = 5 * 60_000;
/** GitHub refuses an app JWT whose exp is more than 10 minutes ahead; stay under it. */
const JWT_LIFETIME_S = 9 * 60;
/** GitHub's examples backdate iat against clock drift between this machine and GitHub. */
const JWT_BACKDATE_S = 60;
const FIRST_BACKOFF_MS = 5_000;
/** A token refused this soon after it was minted is not minted again: GitHub would refuse the next one too. */
const MIN_TOKEN_AGE_MS = 60_000;
const MAX_BACKOFF_MS = 5 * 60_000;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** An RS256 JSON Web Token that authenticates as the GitHub App (docs: "Generating a JWT for a GitHub App"). */
export function signAppJwt(appId: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ iat: now - JWT_BACKDATE_S, exp: now + JWT_LIFETIME_S, iss: appId }));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${base64url(signature)}`;
}

/** Reads the app's private key once at start, with a message that says what is wrong with the file. */
export function parseAppKey(pem: string, file: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error(`an ${key.asymmetricKeyType} key, GitHub Apps use RSA`);
    return key;
  } catch (error) {
    throw new ConfigError(`--github-app-key ${file} is not a GitHub App private key (the .pem file GitHub generates): ${(error as Error).message}`);
  }
}

/**
 * Installation tokens (`ghs_…`) of an organisation's GitHub App, whose Copilot use is billed to the
 * organisation (copilot-upstream.md 13.1). Each token lives an hour; it is renewed when less than
 * five minutes remain. Callers arriving during a renewal share it, and a failed renewal is
 * remembered for a growing delay (5 s doubling to 5 min), so a broken key or a removed
 * installation costs GitHub one call per delay, not one per request.
 */
export class GitHubAppTokens implements GitHubTokenSource {
  private current?: GitHubToken & { expiresAt: number; mintedAt: number };
  private pending?: Promise<GitHubToken>;
  private failure?: { error: Error; until: number; backoff: number };
  private readonly key: KeyObject;
  private readonly fetch: FetchLike;
  private readonly now: () => number;

  constructor(private readonly options: GitHubAppOptions) {
    this.key = options.privateKey;
    this.fetch = explainingFetch(options.fetch, "GitHub");
    this.now = options.now ?? Date.now;
  }

  /** Installation tokens minted so far (tests and the debug log). */
  renewals = 0;

  invalidate(token: string): boolean {
    const c = this.current;
    if (c?.token !== token || this.now() - c.mintedAt < MIN_TOKEN_AGE_MS) return false;
    this.current = undefined;
    this.options.log.warn("GitHub refused the GitHub App's installation token before its expiry (revoked, or this machine's clock is behind): getting a new one");
    return true;
  }

  token(): Promise<GitHubToken> {
    const now = this.now();
    if (this.current && now < this.current.expiresAt - RENEW_MARGIN_MS) return Promise.resolve(this.current);
    if (this.pending) return this.pending;
    if (this.failure && now < this.failure.until) {
      // Still inside the backoff: the token in hand (if still valid) serves, else the same error.
      if (this.current && now < this.current.expiresAt) return Promise.resolve(this.current);
      return Promise.reject(this.failure.error);
    }
    this.pending = this.mint().then(
      (minted) => {
        this.current = minted;
        this.failure = undefined;
        this.renewals += 1;
        return minted;
      },
      (error: unknown) => {
        const backoff = this.failure ? Math.min(MAX_BACKOFF_MS, this.failure.backoff * 2) : FIRST_BACKOFF_MS;
        this.failure = { error: error as Error, until: this.now() + backoff, backoff };
        this.options.log.warn(`GitHub App installation token renewal failed (next try in ${Math.round(backoff / 1000)} s): ${(error as Error).message}`);
        if (this.current && this.now() < this.current.expiresAt) return this.current;
        throw error;
      },
    ).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async mint(): Promise<GitHubToken & { expiresAt: number; mintedAt: number }> {
    const { apiUrl, appId, installationId } = this.options;
    const jwt = signAppJwt(appId, this.key, this.now());
    const res = await this.fetch(`${apiUrl}/app/installations/${encodeURIComponent(installationId)}/access_tokens`, {
      method: "POST",
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${jwt}`,
        "x-github-api-version": "2022-11-28",
        "user-agent": "copilot-api",
      },
      signal: AbortSignal.timeout(GITHUB_CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) {
      const error = fromUpstream(res.status, res.headers, text);
      error.message = `GitHub App ${appId}, installation ${installationId}: ${explainAppStatus(res.status)} (${error.message})`;
      throw error;
    }
    let body: { token?: unknown; expires_at?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ApiError({ kind: "upstream", status: 502, message: "GitHub's installation token answer is not JSON", upstream: true });
    }
    const expiresAt = typeof body.expires_at === "string" ? Date.parse(body.expires_at) : Number.NaN;
    if (typeof body.token !== "string" || !Number.isFinite(expiresAt)) {
      throw new ApiError({ kind: "upstream", status: 502, message: "GitHub's installation token answer has no token/expires_at", upstream: true });
    }
    registerSecret(body.token, "github-app-installation");
    this.options.log.debug(`GitHub App installation token renewed; valid until ${new Date(expiresAt).toISOString()}`);
    return { token: body.token, expiresAt, mintedAt: this.now() };
  }
}

function explainAppStatus(status: number): string {
  if (status === 401) return "GitHub refused the app's JWT: check --github-app-id, the private key, and this machine's clock";
  if (status === 404) return "no such installation of this app: check --github-app-installation (Settings → GitHub Apps → Configure, the number in the URL)";
  if (status === 403) return "the app may not mint tokens for this installation (suspended, or missing the Copilot Requests permission)";
  return `installation token request failed with ${status}`;
}
