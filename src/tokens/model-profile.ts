// Which encoding, calibration factor and image rule to use for a model.
// The factors and their sources are explained in docs/count-tokens.md ("Calibration").

import type { CopilotModel } from "../upstream/model-catalog.js";
import type { ImageRule } from "./image-tokens.js";
import { type Encoding, toEncoding } from "./tokenizer.js";

export type TokenizerFamily = "claude" | "claude-4.7" | "openai" | "gemini" | "other";

export interface CountProfile {
  family: TokenizerFamily;
  /** OpenAI BPE used as the measuring stick (capabilities.tokenizer, default o200k_base). */
  encoding: Encoding;
  /** Multiplies text tokens (not images, not fixed overheads) to approximate the vendor's tokenizer. */
  factor: number;
  imageRule: ImageRule;
}

/**
 * Claude tokens per o200k token, for Claude 3 up to 4.6 (sonnet-4.5/4.6, opus-4.5/4.6, haiku-4.5).
 * 1.15 (the original proxy, and the Copilot CLI's own table) is documented to undercount
 * (ericc-ch/copilot-api#210, github/copilot-sdk#975, caozhiyuan/copilot-api#141 suggests 1.25);
 * sammcj/ingest#65 measured 1.18 on prose-like input; code and JSON (most of a Claude Code request:
 * tool schemas, source files, tool results) tokenize worse. 1.25 errs on the side that compacts early.
 */
export const CLAUDE_FACTOR = 1.25;
/**
 * Claude Opus 4.7 and later use a new tokenizer: Anthropic's migration notes say 1.0-1.35x the tokens
 * of earlier models; count_tokens measurements on Claude Code content found 1.32x weighted (up to
 * 1.47x on technical docs, claudecodecamp.com). 1.25 x 1.3 = 1.63; sammcj/ingest#65 uses 1.53 over
 * o200k, damianvtran/local-operator#429 fitted 1.62-1.69 over cl100k. We take 1.6.
 */
export const CLAUDE_47_FACTOR = 1.6;
/** OpenAI models are counted with their own encoding. */
export const OPENAI_FACTOR = 1.0;
/**
 * Gemini's SentencePiece vocabulary is reported at roughly 5-10% more tokens than o200k on English
 * (no first-party figure); a small margin errs toward compacting early.
 */
export const GEMINI_FACTOR = 1.1;
/** xAI and anything unrecognised: unknown tokenizer, same small margin. */
export const OTHER_FACTOR = 1.1;

/**
 * Resolves the counting profile. `fallbackId` (the request's `model` string) is used when the model is
 * not in the catalog; `fallbackFamily` decides when nothing is recognisable.
 */
export function resolveProfile(
  model: CopilotModel | undefined,
  fallbackId: unknown,
  fallbackFamily: TokenizerFamily,
): CountProfile {
  const id = typeof model?.id === "string" ? model.id : typeof fallbackId === "string" ? fallbackId : "";
  const family = familyOf(model?.vendor, id, model?.capabilities?.family) ?? fallbackFamily;
  const encoding = toEncoding(model?.capabilities?.tokenizer);
  switch (family) {
    case "claude":
      return { family, encoding, factor: CLAUDE_FACTOR, imageRule: "anthropic" };
    case "claude-4.7":
      return { family, encoding, factor: CLAUDE_47_FACTOR, imageRule: "anthropic-hires" };
    case "openai":
      return { family, encoding, factor: OPENAI_FACTOR, imageRule: "openai" };
    case "gemini":
      return { family, encoding, factor: GEMINI_FACTOR, imageRule: "gemini" };
    case "other":
      return { family, encoding, factor: OTHER_FACTOR, imageRule: "openai" };
  }
}

function familyOf(vendor: unknown, id: string, capFamily: unknown): TokenizerFamily | undefined {
  const v = typeof vendor === "string" ? vendor.toLowerCase() : "";
  const name = `${id} ${typeof capFamily === "string" ? capFamily : ""}`.toLowerCase();
  if (v.includes("anthropic") || /\bclaude/.test(name)) return isClaude47OrLater(name) ? "claude-4.7" : "claude";
  if (v.includes("openai") || /(^|[\s/])(gpt|o\d|chatgpt|text-embedding|codex)/.test(name)) return "openai";
  if (v.includes("google") || /gemini|gemma/.test(name)) return "gemini";
  if (v.length > 0 || /grok|llama|mistral|qwen|deepseek/.test(name)) return "other";
  return undefined;
}

/**
 * True for Claude ids from Opus 4.7 on: claude-opus-4.7, claude-opus-4-8, claude-sonnet-5, claude-5-…
 * Handles dotted (Copilot) and dashed (Anthropic) ids, dated suffixes (claude-sonnet-4-5-20250929) and
 * the old order (claude-3-5-sonnet-20241022).
 */
export function isClaude47OrLater(id: string): boolean {
  const m = /claude[-_ ]?(?:[a-z]+[-_])?(\d{1,2})(?:[.\-_](\d{1,2})(?!\d))?/.exec(id.toLowerCase());
  if (!m) return false;
  const major = Number(m[1]);
  const minor = m[2] === undefined ? 0 : Number(m[2]);
  return major > 4 || (major === 4 && minor >= 7);
}
