// Opt-in prompt-cache simulation (FakeUpstreamOptions.promptCache). A request whose conversation
// strictly extends an earlier one (same endpoint, model, system/instructions and tools) reports the
// earlier request's prompt tokens as cached. Without the option, cached tokens are always 0.
import type { FakeState } from "./state.js";

const MAX_HISTORY = 100;

export function cachedTokens(state: FakeState, key: unknown[], conversation: unknown[], total: number): number {
  if (!state.promptCache) return 0;
  const k = JSON.stringify(key);
  const conv = conversation.map((m) => JSON.stringify(m));
  let best = 0;
  for (const rec of state.promptHistory) {
    if (rec.key !== k || rec.conversation.length >= conv.length) continue;
    if (rec.conversation.every((m, i) => m === conv[i])) best = Math.max(best, rec.tokens);
  }
  state.promptHistory.push({ key: k, conversation: conv, tokens: total });
  if (state.promptHistory.length > MAX_HISTORY) state.promptHistory.shift();
  return Math.min(best, total);
}
