// Bounded LRU of token counts for request pieces (one tool, one system block, one message).
//
// Claude Code resends the same system prompt, 24 tools and the whole history on every call, and fires
// count_tokens in bursts (18 parallel calls for `/context`). Keys are the piece's JSON text when short,
// else a SHA-1 of it, so memory stays bounded by entry count and key bytes, not by piece size.

import { createHash } from "node:crypto";

export interface PieceCount {
  /** Tokens under the OpenAI encoding, before the vendor calibration factor. */
  text: number;
  /** Tokens that are already in the vendor's units (images, fixed overheads). */
  fixed: number;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

/** Keys up to this many characters are stored verbatim; longer ones are hashed. */
const INLINE_KEY_CHARS = 200;
const ENTRY_OVERHEAD_BYTES = 64;

export class PieceCache {
  private readonly map = new Map<string, PieceCount>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    readonly maxEntries = 2000,
    readonly maxBytes = 2 * 1024 * 1024,
  ) {}

  /** Cache key for a piece: `scope` (encoding, image rule, kind) plus its JSON text or that text's hash. */
  static key(scope: string, json: string): string {
    if (json.length <= INLINE_KEY_CHARS) return `${scope}=${json}`;
    return `${scope}#${createHash("sha1").update(json).digest("base64")}:${json.length}`;
  }

  get(key: string): PieceCount | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh recency: Map iteration order is insertion order, so re-insert at the end.
    this.map.delete(key);
    this.map.set(key, hit);
    return hit;
  }

  set(key: string, value: PieceCount): void {
    const existing = this.map.get(key);
    if (existing !== undefined) {
      this.map.delete(key);
    } else {
      this.bytes += entryBytes(key);
    }
    this.map.set(key, value);
    while (this.map.size > this.maxEntries || (this.bytes > this.maxBytes && this.map.size > 1)) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.bytes -= entryBytes(oldest);
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
    this.hits = 0;
    this.misses = 0;
  }

  stats(): CacheStats {
    return { entries: this.map.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }
}

function entryBytes(key: string): number {
  return key.length * 2 + ENTRY_OVERHEAD_BYTES;
}
