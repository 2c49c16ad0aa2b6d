import type { ApiError } from "../errors.js";

/**
 * The stream of an answer, as parts. Each upstream dialect's stream decoder produces these, each
 * client dialect's encoder consumes them, and a non-streaming answer is these parts folded into one
 * message (accumulate.ts), so streaming and non-streaming share one code path.
 *
 * Ordering contract, which decoders must keep and encoders may rely on:
 * - `start` comes first, exactly once.
 * - Blocks don't interleave at the encoder's input: a block's start, deltas and end are
 *   contiguous. (Decoders that receive interleaved upstream deltas, e.g. parallel chat tool calls,
 *   buffer so that this holds.)
 * - `finish` or `error` comes last, exactly once.
 */

export type FinishReason =
  | "stop"
  | "length"
  | "tool-calls"
  | "content-filter"
  | "refusal"
  | "pause"
  | "context-window"
  | "error"
  | "other";

/**
 * Token counts with Anthropic's meaning: the prompt is split three ways and its total is
 * inputTokens + cacheReadTokens + cacheWriteTokens. Chat/Responses usage (whose prompt_tokens is
 * the total) is split on decoding and summed again on encoding (known-failures T25).
 */
export interface Usage {
  /** Prompt tokens neither read from nor written to the cache. */
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** What Copilot said the answer cost (copilot_usage.total_nano_aiu), in nano-AIU; never sent to clients. */
  nanoAiu?: number;
}

export type StreamPart =
  | { type: "start"; id?: string; model?: string; usage?: Usage }
  | { type: "text-start"; id: string }
  | { type: "text-delta"; id: string; delta: string }
  | { type: "text-end"; id: string }
  | { type: "reasoning-start"; id: string; itemId?: string }
  | { type: "reasoning-delta"; id: string; delta: string }
  /** Opaque state may arrive at the end only: the encoder must carry it on the block's close. */
  | {
      type: "reasoning-end";
      id: string;
      signature?: string;
      redactedData?: string;
      itemId?: string;
      encryptedContent?: string;
      origin?: "anthropic" | "openai-chat" | "openai-responses";
    }
  | { type: "tool-input-start"; id: string; name: string; custom?: boolean }
  | { type: "tool-input-delta"; id: string; delta: string }
  /** `input` is the complete, normalised argument text: a JSON object ("{}" when empty), or raw text for custom tools. */
  | { type: "tool-input-end"; id: string; input: string; thoughtSignature?: string }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: FinishReason; raw?: string; usage: Usage }
  | { type: "error"; error: ApiError };

export type StreamPartType = StreamPart["type"];
