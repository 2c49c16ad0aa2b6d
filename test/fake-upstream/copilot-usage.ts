// `copilot_usage` as Copilot sends it since 2026-06 (copilot-upstream.md 5, 6, 7, 13.3): the total in
// nano-AIU (1 AI credit = 1e9 nano-AIU) with one token_details entry per token type, priced from the
// model's own `billing.token_prices` (AI credits per batch_size tokens), the long-context tier when
// the prompt exceeds the default tier's context_max. Tests compute the exact figure with fakeNanoAiu.
import type { FakeModel, FakeTokenPrices } from "./models.js";
import type { FakeState } from "./state.js";

export interface TokenCounts {
  /** Prompt tokens neither read from nor written to the cache. */
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

interface Tier {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

function tierFor(prices: FakeTokenPrices, counts: TokenCounts): Tier {
  const d = prices.default;
  const prompt = counts.input + counts.cacheRead + counts.cacheWrite;
  const t = prices.long_context && d.context_max !== undefined && prompt > d.context_max ? { ...d, ...prices.long_context } : d;
  const cacheRead = t.cache_read_price ?? t.cache_price ?? t.input_price;
  return { input: t.input_price, output: t.output_price, cacheRead, cacheWrite: t.cache_write_price ?? t.input_price };
}

/** The copilot_usage object for these counts, or undefined when the model has no prices or the fake is told to omit it. */
export function copilotUsage(state: FakeState, model: FakeModel, counts: TokenCounts): Record<string, unknown> | undefined {
  const prices = model.billing.token_prices;
  if (!state.copilotUsage || !prices) return undefined;
  const tier = tierFor(prices, counts);
  const batch = prices.batch_size;
  const detail = (token_type: string, token_count: number, price: number) => ({ batch_size: batch, cost_per_batch: Math.round(price * 1e9), token_count, token_type });
  const token_details = [
    detail("input", counts.input, tier.input),
    detail("cache_read", counts.cacheRead, tier.cacheRead),
    detail("cache_write", counts.cacheWrite, tier.cacheWrite),
    detail("output", counts.output, tier.output),
  ];
  return { token_details, total_nano_aiu: fakeNanoAiu(model, counts) };
}

/** What the fake charges for these counts, in nano-AIU (0 for a model without prices). */
export function fakeNanoAiu(model: FakeModel, counts: TokenCounts): number {
  const prices = model.billing.token_prices;
  if (!prices) return 0;
  const t = tierFor(prices, counts);
  const credits = (counts.input * t.input + counts.cacheRead * t.cacheRead + counts.cacheWrite * t.cacheWrite + counts.output * t.output) / prices.batch_size;
  return Math.round(credits * 1e9);
}
