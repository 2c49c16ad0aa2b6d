import type { Usage } from "../../ir/stream.js";
import type { ResponsesUsageWire } from "./wire.js";

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * Responses usage → IR. `input_tokens` is the whole prompt, cache reads included; the IR's
 * inputTokens excludes them (Anthropic's meaning, known-failures T25). Copilot's usage also
 * reports `input_tokens_details.cache_write_tokens` (seen as 0 in its streams); those are split out
 * the same way, as chat's cache_creation_input_tokens are.
 */
export function decodeResponsesUsage(usage: unknown): Usage | undefined {
  if (!usage || typeof usage !== "object" || Array.isArray(usage)) return undefined;
  const u = usage as ResponsesUsageWire;
  const out: Usage = {};
  const input = num(u.input_tokens);
  const cached = num(u.input_tokens_details?.cached_tokens);
  const written = num(u.input_tokens_details?.cache_write_tokens);
  if (input !== undefined) out.inputTokens = Math.max(0, input - (cached ?? 0) - (written ?? 0));
  if (cached !== undefined) out.cacheReadTokens = cached;
  if (written !== undefined) out.cacheWriteTokens = written;
  const output = num(u.output_tokens);
  if (output !== undefined) out.outputTokens = output;
  const reasoning = num(u.output_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/**
 * IR usage → Responses usage: input_tokens is the whole prompt again (cache reads and writes
 * summed back in). `inputTokensEstimate` stands in when the upstream reported no prompt count.
 */
export function encodeResponsesUsage(usage: Usage, inputTokensEstimate?: number): ResponsesUsage {
  const cached = usage.cacheReadTokens ?? 0;
  const uncached = usage.inputTokens ?? (usage.cacheReadTokens === undefined && usage.cacheWriteTokens === undefined ? inputTokensEstimate : undefined) ?? 0;
  const input = uncached + cached + (usage.cacheWriteTokens ?? 0);
  const output = usage.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}
