// Text token counts with OpenAI's BPE encodings (gpt-tokenizer), loaded lazily, one table per encoding.
//
// Copilot's GET /models reports capabilities.tokenizer as "o200k_base" or "cl100k_base"
// (shared/reference/copilot-upstream.md section 4). Each encoding is a separate module of gpt-tokenizer
// ("gpt-tokenizer/encoding/o200k_base"), so requiring only the one we need keeps the other table
// (~1-2 MB of JS) out of memory. The require is synchronous and happens on first use; call
// `warmTokenizer()` at start-up to pay the load and JIT warm-up before the first request instead.

import { createRequire } from "node:module";
import { warmUpText } from "./warm-up-text.js";

export type Encoding = "o200k_base" | "cl100k_base";

export const DEFAULT_ENCODING: Encoding = "o200k_base";

/** Strings longer than this are estimated from samples instead of tokenized whole (see countText). */
export const SAMPLE_THRESHOLD_CHARS = 200_000;
const SAMPLE_WINDOWS = 16;
const SAMPLE_WINDOW_CHARS = 4_096;

interface EncodingModule {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

const requireCjs = createRequire(import.meta.url);
const loaded = new Map<Encoding, EncodingModule>();
/** Special tokens such as "<|endoftext|>" inside user text are ordinary text to the upstream. */
const SPECIAL_AS_TEXT = { disallowedSpecial: new Set<string>() };

export function toEncoding(name: unknown): Encoding {
  return name === "cl100k_base" ? "cl100k_base" : DEFAULT_ENCODING;
}

function encodingModule(encoding: Encoding): EncodingModule {
  let mod = loaded.get(encoding);
  if (!mod) {
    // Static specifiers (no template) so bundlers and `npm ls` see exactly what is used.
    mod =
      encoding === "cl100k_base"
        ? (requireCjs("gpt-tokenizer/encoding/cl100k_base") as EncodingModule)
        : (requireCjs("gpt-tokenizer/encoding/o200k_base") as EncodingModule);
    loaded.set(encoding, mod);
  }
  return mod;
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

function exactCount(text: string, encoding: Encoding): number {
  const mod = encodingModule(encoding);
  try {
    // The default options are the fast path; they reject special-token text, which is rare.
    return mod.countTokens(text);
  } catch {
    return mod.countTokens(text, SPECIAL_AS_TEXT);
  }
}

/**
 * Number of tokens in `text` under `encoding`.
 *
 * Exact up to SAMPLE_THRESHOLD_CHARS (200,000 UTF-16 units, roughly 30-50 ms of tokenizing on a
 * slow core). Longer strings (a multi-MB file pasted into a tool_result) are estimated so that one
 * count never blocks the event loop for long: SAMPLE_WINDOWS windows of SAMPLE_WINDOW_CHARS, spread
 * evenly over the string and cut at whitespace, are tokenized, and their tokens-per-character ratio
 * is applied to the whole length. On ordinary prose, code and JSON the estimate lands within a few
 * percent of the exact count, because token density varies slowly along such texts.
 */
export function countText(text: string, encoding: Encoding = DEFAULT_ENCODING): number {
  if (typeof text !== "string" || text.length === 0) return 0;
  if (text.length <= SAMPLE_THRESHOLD_CHARS) return exactCount(text, encoding);
  return estimateFromSamples(text, encoding, SAMPLE_WINDOWS, SAMPLE_WINDOW_CHARS);
}

/**
 * Estimate from `windows` evenly spread samples of about `windowChars` each. Exported for the counter,
 * which switches to smaller samples once one request has already tokenized a lot of text.
 */
export function estimateFromSamples(text: string, encoding: Encoding, windows: number, windowChars: number): number {
  if (text.length <= windows * windowChars) return exactCount(text, encoding);
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
    sampledTokens += exactCount(slice, encoding);
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
