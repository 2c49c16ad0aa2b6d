// Text token counts with OpenAI's BPE encodings, loaded lazily, one table per encoding.
//
// Copilot's GET /models reports capabilities.tokenizer as "o200k_base" or "cl100k_base"
// (shared/reference/copilot-upstream.md section 4). The counts are gpt-tokenizer's, exactly, computed by
// bpe-count.ts over gpt-tokenizer's own rank data kept in typed arrays (bpe-ranks.ts): requiring
// gpt-tokenizer's encoding module instead costs 0.4-0.6 s and ~60 MB of resident memory per table. A table
// is built on first use, or read from the cache directory (setTokenizerCacheDir) in a few milliseconds;
// `warmTokenizer()` pays that and the JIT warm-up before the first request instead.

import { BpeCounter } from "./bpe-count.js";
import { warmUpText } from "./warm-up-text.js";
import { runToEnd, type Steps, unslicedMeter, type WorkMeter } from "./work-steps.js";

export type Encoding = "o200k_base" | "cl100k_base";

export const DEFAULT_ENCODING: Encoding = "o200k_base";

/** Strings longer than this are estimated from samples instead of tokenized whole (see countText). */
export const SAMPLE_THRESHOLD_CHARS = 200_000;
const SAMPLE_WINDOWS = 16;
const SAMPLE_WINDOW_CHARS = 4_096;

const loaded = new Map<Encoding, BpeCounter>();
let cacheDir: string | undefined;

/** Where built rank tables are kept between runs (the data directory's cache); unset: rebuilt each run. */
export function setTokenizerCacheDir(dir: string | undefined): void {
  cacheDir = dir;
}

export function toEncoding(name: unknown): Encoding {
  return name === "cl100k_base" ? "cl100k_base" : DEFAULT_ENCODING;
}

function counterFor(encoding: Encoding): BpeCounter {
  let counter = loaded.get(encoding);
  if (!counter) {
    counter = BpeCounter.load(encoding, cacheDir);
    loaded.set(encoding, counter);
  }
  return counter;
}

const warmed = new Set<Encoding>();

/**
 * Loads the encoding table now and tokenizes ~96 KB of generated text (warm-up-text.ts), so the first
 * real count runs at steady-state speed. Synchronous, ~0.2-0.5 s once per encoding; later calls are
 * no-ops. Meant for server start-up (e.g. in a setImmediate after listen).
 */
export function warmTokenizer(encoding: Encoding = DEFAULT_ENCODING): void {
  if (warmed.has(encoding)) return;
  warmed.add(encoding);
  const text = warmUpText();
  // Tokenize in pieces of a few KB, like the counter does (one string per block or field).
  for (let i = 0; i < text.length; i += 3_000) exactCount(text.slice(i, i + 3_000), encoding);
}

/** gpt-tokenizer's countTokens, with special-token text such as "<|endoftext|>" counted as the ordinary text it is to the upstream. */
function exactCount(text: string, encoding: Encoding): number {
  return counterFor(encoding).count(text);
}

/**
 * Number of tokens in `text` under `encoding`.
 *
 * Exact up to SAMPLE_THRESHOLD_CHARS (200,000 UTF-16 units, roughly 30-50 ms of tokenizing on a
 * slow core). Longer strings (a multi-MB file pasted into a tool_result) are estimated so that one
 * count never takes long: SAMPLE_WINDOWS windows of SAMPLE_WINDOW_CHARS, spread
 * evenly over the string and cut at whitespace, are tokenized, and their tokens-per-character ratio
 * is applied to the whole length. On ordinary prose, code and JSON the estimate lands within a few
 * percent of the exact count, because token density varies slowly along such texts.
 */
export function countText(text: string, encoding: Encoding = DEFAULT_ENCODING): number {
  return runToEnd(countTextSteps(text, encoding, unslicedMeter()));
}

/** countText in steps that pause at `meter`'s slices (work-steps.ts). */
export function* countTextSteps(text: string, encoding: Encoding, meter: WorkMeter): Steps<number> {
  if (typeof text !== "string" || text.length === 0) return 0;
  if (text.length <= SAMPLE_THRESHOLD_CHARS) return yield* counterFor(encoding).countSteps(text, meter);
  return yield* estimateFromSamplesSteps(text, encoding, SAMPLE_WINDOWS, SAMPLE_WINDOW_CHARS, meter);
}

/**
 * Estimate from `windows` evenly spread samples of about `windowChars` each. Exported for the counter,
 * which switches to smaller samples once one request has already tokenized a lot of text.
 */
export function estimateFromSamples(text: string, encoding: Encoding, windows: number, windowChars: number): number {
  return runToEnd(estimateFromSamplesSteps(text, encoding, windows, windowChars, unslicedMeter()));
}

export function* estimateFromSamplesSteps(text: string, encoding: Encoding, windows: number, windowChars: number, meter: WorkMeter): Steps<number> {
  const counter = counterFor(encoding);
  if (text.length <= windows * windowChars) return yield* counter.countSteps(text, meter);
  const stride = Math.floor(text.length / windows);
  let sampledChars = 0;
  let sampledTokens = 0;
  for (let w = 0; w < windows; w++) {
    let start = w * stride;
    let end = Math.min(text.length, start + windowChars);
    start = alignToWhitespace(text, start, 64);
    end = alignToWhitespace(text, end, 64);
    if (end <= start) continue;
    const slice = text.slice(start, end);
    sampledChars += slice.length;
    sampledTokens += yield* counter.countSteps(slice, meter);
  }
  if (sampledChars === 0) return Math.ceil(text.length / 4);
  return Math.ceil((sampledTokens / sampledChars) * text.length);
}

/** Moves `i` forward to just after the next whitespace within `reach` chars, so samples start on a word. */
function alignToWhitespace(text: string, i: number, reach: number): number {
  if (i <= 0 || i >= text.length) return Math.max(0, Math.min(i, text.length));
  const limit = Math.min(text.length, i + reach);
  for (let j = i; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (c === 32 || c === 10 || c === 9 || c === 13) return j + 1;
  }
  return i;
}
