// Token counts with an OpenAI BPE table (bpe-ranks.ts), exactly as gpt-tokenizer's countTokens gives them
// for plain text (special-token strings such as "<|endoftext|>" count as the text they are, which is what
// tokenizer.ts asked gpt-tokenizer for). Same pre-tokenizing regex (gpt-tokenizer's own), same whole-piece
// lookup, same byte-pair merge with the same tie-breaking; only the storage differs.

import { createRequire } from "node:module";
import { encodeUtf8, hasLoneSurrogate, loadRankTable, type RankTable } from "./bpe-ranks.js";
import { ownCopy } from "../text.js";
import { runToEnd, type Steps, unslicedMeter, type WorkMeter } from "./work-steps.js";

const requireCjs = createRequire(import.meta.url);

interface SplitRegexes {
  O200K_TOKEN_SPLIT_REGEX: RegExp;
  CL100K_TOKEN_SPLIT_REGEX: RegExp;
}

/** Pieces counted before, by text: most words recur. Cleared when full (bounded entries and bytes). */
const PIECE_CACHE_ENTRIES = 20_000;
/** Only pieces up to this long are cached: words and identifiers, not runs. */
const PIECE_CACHE_MAX_CHARS = 64;

/**
 * A piece (one regex match) longer than this is counted as consecutive chunks of this length. Real text
 * has no such pieces (a word, a number, a run of punctuation or spaces); a hostile body can hold a run
 * of 100,000 letters, whose merge would otherwise be one long step that cannot pause. Counts of
 * chunked pieces differ from gpt-tokenizer's by a token or so per chunk, in a direction nobody relies
 * on, and only for such runs.
 */
export const PIECE_CHUNK_CHARS = 2_048;

export interface BpeCounterOptions {
  /** See PIECE_CHUNK_CHARS; Infinity: never chunk (tests of the merge itself). */
  chunkChars?: number;
}

export class BpeCounter {
  private readonly split: RegExp;
  private readonly chunkChars: number;
  private scratch = new Uint8Array(1024);
  private readonly pieces = new Map<string, number>();
  private scratchMerge: MergeScratch = newScratch(0);
  /** Pair lookups and heap steps done by merges so far: the cost measure tests check instead of time. */
  mergeSteps = 0;

  constructor(
    private readonly table: RankTable,
    split: RegExp,
    options: BpeCounterOptions = {},
  ) {
    // A private copy: lastIndex is state.
    this.split = new RegExp(split.source, split.flags);
    this.chunkChars = options.chunkChars ?? PIECE_CHUNK_CHARS;
  }

  /** The counter for `encoding`; `cacheDir` keeps the built rank table between runs (bpe-ranks.ts). */
  static load(encoding: "o200k_base" | "cl100k_base", cacheDir?: string, options?: BpeCounterOptions): BpeCounter {
    const regexes = requireCjs("gpt-tokenizer/cjs/encodingParams/constants") as SplitRegexes;
    const split = encoding === "cl100k_base" ? regexes.CL100K_TOKEN_SPLIT_REGEX : regexes.O200K_TOKEN_SPLIT_REGEX;
    return new BpeCounter(loadRankTable(encoding, cacheDir), split, options);
  }

  count(text: string): number {
    return runToEnd(this.countSteps(text, unslicedMeter()));
  }

  /**
   * count() in steps that pause once `meter` says a slice of work is done (work-steps.ts). Several
   * counts may be paused at once on this counter, so the position in `text` is kept here, never in the
   * shared regex between two steps.
   */
  *countSteps(text: string, meter: WorkMeter): Steps<number> {
    const re = this.split;
    let at = 0;
    let total = 0;
    for (;;) {
      re.lastIndex = at;
      const m = re.exec(text);
      if (m === null) break;
      const piece = m[0];
      at = re.lastIndex;
      if (piece.length === 0) {
        at++; // never happens with these patterns; matchAll would step the same way
        continue;
      }
      if (piece.length <= this.chunkChars) {
        const before = this.mergeSteps;
        total += this.countPiece(piece);
        meter.work += piece.length + this.mergeSteps - before;
        if (meter.work >= meter.slice) {
          meter.work = 0;
          yield;
        }
        continue;
      }
      for (let from = 0; from < piece.length; ) {
        let to = Math.min(piece.length, from + this.chunkChars);
        // Never between the two halves of a surrogate pair: each half alone would count as U+FFFD.
        if (to < piece.length && isHighSurrogate(piece.charCodeAt(to - 1)) && isLowSurrogate(piece.charCodeAt(to))) to--;
        const before = this.mergeSteps;
        total += this.countPiece(piece.slice(from, to));
        meter.work += to - from + this.mergeSteps - before;
        from = to;
        if (meter.work >= meter.slice) {
          meter.work = 0;
          yield;
        }
      }
    }
    return total;
  }

  private countPiece(piece: string): number {
    if (piece.length === 1 && piece.charCodeAt(0) <= 0x7f) return 1;
    const cacheable = piece.length <= PIECE_CACHE_MAX_CHARS;
    if (cacheable) {
      const cached = this.pieces.get(piece);
      if (cached !== undefined) return cached;
    }
    if (this.scratch.length < piece.length * 3) this.scratch = new Uint8Array(piece.length * 3 * 2);
    const buf = this.scratch;
    const len = encodeUtf8(piece, buf, 0);
    // The whole piece is one token when it is in the table as text (a piece with a lone surrogate never is).
    let n = 1;
    if (len > this.table.longestToken || hasLoneSurrogate(piece) || this.table.rankOfText(buf, 0, len) < 0) n = this.mergeCount(buf, len);
    if (cacheable) {
      if (this.pieces.size >= PIECE_CACHE_ENTRIES) this.pieces.clear();
      // A match is a slice of the text it came from, and keeps all of that text alive for as long as it
      // is a key: the key is a copy.
      this.pieces.set(ownCopy(piece), n);
    }
    return n;
  }

  /**
   * gpt-tokenizer's bytePairMerge (BytePairEncodingCore.ts), returning only the number of parts.
   *
   * Same result, different cost: gpt-tokenizer scans every pair for the lowest rank at each merge and
   * splices arrays, which is quadratic in the piece (80,000 letters in one run took seconds). Here the
   * parts are a linked list over the bytes and the candidate pairs sit in a binary heap keyed by
   * (rank, position), so each merge costs O(log n): the lowest rank wins and, among equal ranks, the
   * leftmost pair, exactly as the scan picks it. Entries made stale by a merge stay in the heap and are
   * skipped when they come out (lazy deletion).
   */
  private mergeCount(buf: Uint8Array, len: number): number {
    const table = this.table;
    // A pair longer than the longest token (plus a byte-order mark) is never in the table.
    const longest = table.longestToken + 3;
    const s = this.mergeScratch(len);
    const { next, prev, rank, heap } = s;
    const width = len + 1;
    let size = 0;
    let steps = 0;
    const pairRank = (i: number): number => {
      const j = next[i]!;
      if (j >= len) return -1;
      const end = next[j]!;
      if (end - i > longest) return -1;
      steps++;
      return table.rankOfBytes(buf, i, end);
    };
    const push = (key: number) => {
      let at = size++;
      while (at > 0) {
        const up = (at - 1) >> 1;
        if (heap[up]! <= key) break;
        heap[at] = heap[up]!;
        at = up;
      }
      heap[at] = key;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap[--size]!;
      let at = 0;
      for (;;) {
        let child = 2 * at + 1;
        if (child >= size) break;
        if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
        if (heap[child]! >= last) break;
        heap[at] = heap[child]!;
        at = child;
      }
      heap[at] = last;
      return top;
    };
    for (let i = 0; i < len; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    for (let i = 0; i < len; i++) {
      const r = pairRank(i);
      rank[i] = r;
      if (r >= 0) push(r * width + i);
    }
    let parts = len;
    while (size > 0) {
      steps++;
      const key = pop();
      const r = Math.floor(key / width);
      const i = key - r * width;
      // Stale: the part was merged into its left neighbour (rank -2), or its pair changed since.
      if (rank[i] !== r) continue;
      const j = next[i]!;
      const k = next[j]!;
      next[i] = k;
      if (k < len) prev[k] = i;
      rank[j] = -2;
      parts--;
      const ri = pairRank(i);
      rank[i] = ri;
      if (ri >= 0) push(ri * width + i);
      const p = prev[i]!;
      if (p >= 0) {
        const rp = pairRank(p);
        rank[p] = rp;
        if (rp >= 0) push(rp * width + p);
      }
    }
    this.mergeSteps += steps;
    return parts;
  }

  /**
   * Work arrays for a merge of `len` bytes: kept between calls for ordinary pieces, made afresh (and
   * left to the collector) for a rare long one, so a single huge piece does not pin megabytes.
   */
  private mergeScratch(len: number): MergeScratch {
    if (len > SCRATCH_KEEP_BYTES) return newScratch(len);
    if (this.scratchMerge.next.length < len + 1) this.scratchMerge = newScratch(SCRATCH_KEEP_BYTES);
    return this.scratchMerge;
  }
}

interface MergeScratch {
  /** Start of the part after the part starting at i (len: none). */
  next: Int32Array;
  /** Start of the part before it (-1: none). */
  prev: Int32Array;
  /** Rank of the pair starting at part i; -1: no such token, -2: i is no longer a part. */
  rank: Int32Array;
  /** rank * (len + 1) + i: exact in a double (ranks < 2^31, pieces far below 2^21 bytes). */
  heap: Float64Array;
}

/** Merges of pieces up to this many bytes reuse one set of work arrays. */
const SCRATCH_KEEP_BYTES = 4096;

function newScratch(len: number): MergeScratch {
  // Each merge pushes at most two entries: the initial pairs plus 2 per merge stay under 3 * len.
  return { next: new Int32Array(len + 1), prev: new Int32Array(len + 1), rank: new Int32Array(len + 1), heap: new Float64Array(3 * len + 3) };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

