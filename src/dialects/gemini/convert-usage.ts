import type { Usage } from "../../ir/stream.js";

export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

/**
 * IR usage → Gemini's `usageMetadata`. Gemini's prompt count includes the cached tokens (reported
 * again in cachedContentTokenCount), and its candidates count excludes the thoughts (reported in
 * thoughtsTokenCount), whereas the IR's output tokens include reasoning, as OpenAI's do.
 */
export function encodeGeminiUsage(usage: Usage): GeminiUsageMetadata {
  const cached = usage.cacheReadTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + cached + (usage.cacheWriteTokens ?? 0);
  const thoughts = Math.min(usage.reasoningTokens ?? 0, usage.outputTokens ?? 0);
  const candidates = Math.max(0, (usage.outputTokens ?? 0) - thoughts);
  const out: GeminiUsageMetadata = { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates + thoughts };
  if (cached > 0) out.cachedContentTokenCount = cached;
  if (thoughts > 0) out.thoughtsTokenCount = thoughts;
  return out;
}
