import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * The configured API keys, kept only as SHA-256 digests. Comparing digests of equal length with
 * timingSafeEqual takes the same time whatever the candidate, and every key is checked (no early
 * exit), so response timing says nothing about how close a guess was or which key matched.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.filter(Boolean).map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  accepts(candidate: string | undefined): boolean {
    if (!candidate) return false;
    const d = digest(candidate);
    let ok = false;
    for (const key of this.digests) ok = timingSafeEqual(d, key) || ok;
    return ok;
  }
}

/**
 * The keys a client presented: `Authorization: Bearer <key>` (the openai and Anthropic SDKs, Codex,
 * Claude Code with ANTHROPIC_AUTH_TOKEN), `x-api-key: <key>` (Claude Code with ANTHROPIC_API_KEY)
 * and `x-goog-api-key: <key>` (@google/genai, Gemini CLI). Gemini's `?key=` is read by the caller.
 */
export function presentedKeys(headers: Headers): string[] {
  const out: string[] = [];
  const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  if (bearer?.[1]) out.push(bearer[1]);
  const apiKey = headers.get("x-api-key")?.trim();
  if (apiKey) out.push(apiKey);
  const googKey = headers.get("x-goog-api-key")?.trim();
  if (googKey) out.push(googKey);
  return out;
}

/** Compares two secrets in constant time (both hashed first, so lengths never leak either). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
