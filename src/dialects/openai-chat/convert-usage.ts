import type { Usage } from "../../ir/stream.js";
import type { ChatUsageWire } from "./wire.js";

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * Chat usage → IR. `prompt_tokens` counts the whole prompt, cache reads included; the IR's
 * inputTokens excludes them so that Anthropic clients don't count cached tokens twice
 * (known-failures T25). Copilot's Claude may also report cache writes inside prompt_tokens
 * (`prompt_tokens_details.cache_creation_input_tokens`); they are split out the same way, as
 * Anthropic's input_tokens excludes both.
 */
export function decodeChatUsage(usage: unknown): Usage | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const u = usage as ChatUsageWire;
  const out: Usage = {};
  const prompt = num(u.prompt_tokens);
  const cached = num(u.prompt_tokens_details?.cached_tokens);
  const written = num(u.prompt_tokens_details?.cache_creation_input_tokens);
  if (prompt !== undefined) out.inputTokens = Math.max(0, prompt - (cached ?? 0) - (written ?? 0));
  if (cached !== undefined) out.cacheReadTokens = cached;
  if (written !== undefined) out.cacheWriteTokens = written;
  const completion = num(u.completion_tokens);
  if (completion !== undefined) out.outputTokens = completion;
  const reasoning = num(u.completion_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

/** IR usage → the chat usage object: prompt_tokens is the whole prompt again. */
export function encodeChatUsage(usage: Usage): Required<Pick<ChatUsageWire, "prompt_tokens" | "completion_tokens" | "total_tokens">> & ChatUsageWire {
  const cached = usage.cacheReadTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + cached + (usage.cacheWriteTokens ?? 0);
  const completion = usage.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}
