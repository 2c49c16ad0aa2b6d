import type { Usage } from "../../ir/stream.js";
import type { AnthropicDeltaUsage, AnthropicUsage } from "./wire.js";

/*
 * Anthropic splits the prompt three ways: input_tokens (neither read from nor written to the
 * cache), cache_creation_input_tokens and cache_read_input_tokens; the total is their sum
 * (known-failures T25: input_tokens must exclude cache reads, or Claude Code double counts).
 * The IR's Usage has the same three-way meaning (ir/stream.ts), so the counts map one to one.
 */

const count = (n: unknown): number | undefined =>
  typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;


/** The usage object of message_start and of a non-streaming message: every count a number. */
export function encodeAnthropicUsage(usage: Usage, inputEstimate?: number): AnthropicUsage {
  const out: AnthropicUsage = {
    input_tokens: usage.inputTokens ?? inputEstimate ?? 0,
    output_tokens: usage.outputTokens ?? 0,
  };
  if (usage.cacheReadTokens !== undefined) out.cache_read_input_tokens = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined) out.cache_creation_input_tokens = usage.cacheWriteTokens;
  return out;
}

/**
 * message_delta's usage. output_tokens is always present (the SDK assigns it unconditionally);
 * the input counts only when known, because the SDK overwrites message_start's values with
 * whatever is present here.
 */
export function encodeAnthropicDeltaUsage(usage: Usage): AnthropicDeltaUsage {
  const out: AnthropicDeltaUsage = { output_tokens: usage.outputTokens ?? 0 };
  const input = usage.inputTokens;
  if (input !== undefined) out.input_tokens = input;
  if (usage.cacheReadTokens !== undefined) out.cache_read_input_tokens = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined) out.cache_creation_input_tokens = usage.cacheWriteTokens;
  return out;
}

/** Anthropic usage (message_start, message_delta or a message) → IR. Absent counts stay absent. */
export function decodeAnthropicUsage(wire: unknown): Usage {
  if (typeof wire !== "object" || wire === null) return {};
  const w = wire as Record<string, unknown>;
  const usage: Usage = {};
  const input = count(w.input_tokens);
  const output = count(w.output_tokens);
  const read = count(w.cache_read_input_tokens);
  const write = count(w.cache_creation_input_tokens);
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  if (read !== undefined) usage.cacheReadTokens = read;
  if (write !== undefined) usage.cacheWriteTokens = write;
  return usage;
}
