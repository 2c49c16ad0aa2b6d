// Token counts with an OpenAI BPE table (bpe-ranks.ts), exactly as gpt-tokenizer's countTokens gives them
// for plain text (special-token strings such as "<|endoftext|>" count as the text they are, which is what
// tokenizer.ts asked gpt-tokenizer for). Same pre-tokenizing regex (gpt-tokenizer's own), same whole-piece
// lookup, same byte-pair merge with the same tie-breaking; only the storage differs.

import { createRequire } from "node:module";
import { encodeUtf8, hasLoneSurrogate, loadRankTable, type RankTable } from "./bpe-ranks.js";

const requireCjs = createRequire(import.meta.url);

interface SplitRegexes {
  O200K_TOKEN_SPLIT_REGEX: RegExp;
  CL100K_TOKEN_SPLIT_REGEX: RegExp;
}

/** Pieces counted before, by text: most words recur. Cleared when full (bounded memory). */
const PIECE_CACHE_ENTRIES = 20_000;

export class BpeCounter {
  private readonly split: RegExp;
  private scratch = new Uint8Array(1024);
  private readonly pieces = new Map<string, number>();

  constructor(
    private readonly table: RankTable,
    split: RegExp,
  ) {
    // A private copy: lastIndex is state.
    this.split = new RegExp(split.source, split.flags);
  }

  /** The counter for `encoding`; `cacheDir` keeps the built rank table between runs (bpe-ranks.ts). */
  static load(encoding: "o200k_base" | "cl100k_base", cacheDir?: string): BpeCounter {
    const regexes = requireCjs("gpt-tokenizer/cjs/encodingParams/constants") as SplitRegexes;
    const split = encoding === "cl100k_base" ? regexes.CL100K_TOKEN_SPLIT_REGEX : regexes.O200K_TOKEN_SPLIT_REGEX;
    return new BpeCounter(loadRankTable(encoding, cacheDir), split);
  }

  count(text: string): number {
    const re = this.split;
    re.lastIndex = 0;
    let total = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const piece = m[0];
      if (piece.length === 0) {
        re.lastIndex++; // never happens with these patterns; matchAll would step the same way
        continue;
      }
      total += this.countPiece(piece);
    }
    return total;
  }

  private countPiece(piece: string): number {
    if (piece.length === 1 && piece.charCodeAt(0) <= 0x7f) return 1;
    const cached = this.pieces.get(piece);
    if (cached !== undefined) return cached;
    if (this.scratch.length < piece.length * 3) this.scratch = new Uint8Array(piece.length * 3 * 2);
    const buf = this.scratch;
    const len = encodeUtf8(piece, buf, 0);
    // The whole piece is one token when it is in the table as text (a piece with a lone surrogate never is).
    let n = 1;
    if (hasLoneSurrogate(piece) || this.table.rankOfText(buf, 0, len) < 0) n = this.mergeCount(buf, len);
    if (this.pieces.size >= PIECE_CACHE_ENTRIES) this.pieces.clear();
    this.pieces.set(piece, n);
    return n;
  }

  /** gpt-tokenizer's bytePairMerge (BytePairEncodingCore.ts), returning only the number of parts. */
  private mergeCount(buf: Uint8Array, len: number): number {
    const table = this.table;
    const starts: number[] = [];
    const ranks: number[] = [];
    const rankAt = (i: number): number => {
      const end = starts[i + 2];
      if (end === undefined) return Number.POSITIVE_INFINITY;
      const r = table.rankOfBytes(buf, starts[i]!, end);
      return r < 0 ? Number.POSITIVE_INFINITY : r;
    };
    for (let i = 0; i <= len; i++) {
      starts.push(i);
      if (i < len - 1) {
        const r = table.rankOfBytes(buf, i, i + 2);
        ranks.push(r < 0 ? Number.POSITIVE_INFINITY : r);
      } else {
        ranks.push(Number.POSITIVE_INFINITY);
      }
    }
    while (starts.length > 1) {
      let lowest = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i < ranks.length - 1; i++) {
        const r = ranks[i]!;
        if (r < lowest) {
          lowest = r;
          at = i;
        }
      }
      if (lowest === Number.POSITIVE_INFINITY || at === -1) break;
      starts.splice(at + 1, 1);
      ranks.splice(at, 1);
      ranks[at] = rankAt(at);
      if (at > 0) ranks[at - 1] = rankAt(at - 1);
    }
    return starts.length - 1;
  }
}
