// GitHub App side: POST /app/installations/{id}/access_tokens, as GitHub documents it. The app JWT
// is verified with the app's public key (RS256), its iss, iat and exp checked (exp at most 10
// minutes ahead, not past); installation tokens (ghs_…) expire after tokenLifetimeSec and are
// then refused everywhere a GitHub token is accepted.
import { type KeyObject, verify } from "node:crypto";
import { githubError } from "./errors.js";
import { sendJson } from "./http-io.js";
import type { Exchange, FakeState } from "./state.js";

export interface FakeGitHubApp {
  appId: string;
  installationId: string;
  publicKey: KeyObject;
  /** Lifetime of each installation token; GitHub's is one hour. */
  tokenLifetimeSec: number;
  tokens: Map<string, { expiresAtMs: number }>;
  /** Every installation token minted, in order. */
  issued: string[];
}

const JWT_ERROR = "A JSON web token could not be decoded";

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Why GitHub would refuse this app JWT, or undefined when it is good. */
function jwtProblem(app: FakeGitHubApp, jwt: string, nowMs: number): string | undefined {
  const [h, p, s, extra] = jwt.split(".");
  if (extra !== undefined || !s) return JWT_ERROR;
  const header = decodePart(h);
  const payload = decodePart(p);
  if (!header || !payload || header.alg !== "RS256") return JWT_ERROR;
  if (!verify("sha256", Buffer.from(`${h}.${p}`), app.publicKey, Buffer.from(s, "base64url"))) return JWT_ERROR;
  const now = Math.floor(nowMs / 1000);
  const { iat, exp, iss } = payload;
  if (typeof iat !== "number" || typeof exp !== "number") return "Missing 'issued at' or 'expiration' time claim ('iat' / 'exp')";
  if (String(iss) !== app.appId) return "Integration not found";
  if (iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (exp <= now) return "'Expiration time' claim ('exp') is too far in the future or has passed";
  if (exp - now > 600) return "'Expiration time' claim ('exp') is too far in the future";
  return undefined;
}

export function handleInstallationToken(ex: Exchange, installationId: string): Promise<void> | void {
  const { state } = ex;
  const app = state.githubApp;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(ex.call.headers.authorization ?? "");
  if (!app || !m) return sendJson(ex.res, 401, githubError("A JSON web token could not be decoded", 401));
  const problem = jwtProblem(app, m[1]!, state.now());
  if (problem) return sendJson(ex.res, 401, githubError(problem, 401));
  if (installationId !== app.installationId) return sendJson(ex.res, 404, githubError("Not Found", 404));
  const token = `ghs_${state.ids.next("", 36)}`;
  const expiresAtMs = Math.floor(state.now() / 1000) * 1000 + app.tokenLifetimeSec * 1000;
  app.tokens.set(token, { expiresAtMs });
  app.issued.push(token);
  return sendJson(ex.res, 201, {
    token,
    expires_at: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    permissions: { copilot_requests: "write" },
    repository_selection: "selected",
  });
}

/** An installation token GitHub still accepts (minted here and not expired). */
export function validInstallationToken(state: FakeState, token: string): boolean {
  const rec = state.githubApp?.tokens.get(token);
  return rec !== undefined && state.now() < rec.expiresAtMs;
}

/**
 * DELETE /installation/token, as GitHub documents it ("Revoke an installation access token"): the
 * token authenticates the call and is refused everywhere from then on. 204, or 401 for a token
 * GitHub does not accept.
 */
export function handleRevokeInstallationToken(ex: Exchange): void {
  const m = /^(?:token|Bearer)\s+(\S+)\s*$/i.exec(ex.call.headers.authorization ?? "");
  if (!m || !validInstallationToken(ex.state, m[1]!)) return sendJson(ex.res, 401, githubError("Bad credentials", 401));
  ex.state.githubApp!.tokens.delete(m[1]!);
  ex.res.writeHead(204);
  ex.res.end();
}
