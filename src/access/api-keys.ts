import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * The configured API keys, kept only as SHA-256 digests. Comparing digests of equal length with
 * timingSafeEqual takes the same time whatever the candidate, and every key is checked (no early
 * exit), so response timing says nothing about how close a guess was or which key matched.
 */
export class ApiKeys {
  private readonly digests: Buffer[];
  /** Per key, the name the ledger and budgets use: its configured name, or "key-" + 6 hex of its digest. */
  private readonly names: string[];

  constructor(keys: readonly string[], names: Readonly<Record<string, string>> = {}) {
    const kept = keys.filter(Boolean);
    this.digests = kept.map(digest);
    this.names = kept.map((k, i) => names[k] ?? keyLabel(this.digests[i]!));
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  accepts(candidate: string | undefined): boolean {
    return this.match(candidate) !== undefined;
  }

  /** The name of the key `candidate` is, or undefined; every key is compared, whichever matches. */
  match(candidate: string | undefined): string | undefined {
    if (!candidate) return undefined;
    const d = digest(candidate);
    let found: string | undefined;
    for (const [i, key] of this.digests.entries()) {
      if (timingSafeEqual(d, key)) found ??= this.names[i];
    }
    return found;
  }
}

/** "key-" and the first 6 hex digits of a key's SHA-256: names a key in the ledger without revealing it. */
export function keyLabel(keyDigest: Buffer): string {
  return `key-${keyDigest.toString("hex").slice(0, 6)}`;
}

/** The ledger's name for a key: its configured name, or its label. */
export function keyNameOf(key: string, names: Readonly<Record<string, string>> = {}): string {
  return names[key] ?? keyLabel(digest(key));
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
