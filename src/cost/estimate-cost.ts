import type { Usage } from "../ir/stream.js";
import type { CopilotModel } from "../upstream/model-catalog.js";

/** One tier of `billing.token_prices`, in AI credits per `batch_size` tokens (copilot-upstream.md 4). */
interface PriceTier {
  input_price?: unknown;
  output_price?: unknown;
  /** API versions before 2026-08-01 name it cache_price, later ones cache_read_price: both are read. */
  cache_price?: unknown;
  cache_read_price?: unknown;
  cache_write_price?: unknown;
  context_max?: unknown;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * What a request cost by the catalog's list prices, in nano-AIU, for when Copilot sent no
 * copilot_usage. Prices are AI credits per batch_size tokens, and 1 credit = 1e9 nano-AIU. The
 * `long_context` tier applies when the whole prompt exceeds the default tier's context_max.
 * [U] A missing cache_write_price is taken as the input price (written tokens are prompt tokens),
 * and a missing cache read price as the input price too: an estimate that errs on the high side.
 * Undefined when the model has no prices or the request reported no tokens.
 */
export function estimateNanoAiu(model: CopilotModel | undefined, usage: Usage | undefined): number | undefined {
  if (!usage) return undefined;
  const prices = (model?.billing as { token_prices?: { batch_size?: unknown; default?: PriceTier; long_context?: PriceTier } } | undefined)?.token_prices;
  if (!prices || typeof prices !== "object") return undefined;
  const batch = num(prices.batch_size) || 1_000_000;
  const base = prices.default && typeof prices.default === "object" ? prices.default : undefined;
  if (!base) return undefined;
  const input = usage.inputTokens ?? 0;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  if (input + cacheRead + cacheWrite + output === 0) return undefined;
  const contextMax = num(base.context_max);
  const long = prices.long_context && typeof prices.long_context === "object" ? prices.long_context : undefined;
  const tier: PriceTier = long && contextMax !== undefined && input + cacheRead + cacheWrite > contextMax ? { ...base, ...long } : base;
  const inputPrice = num(tier.input_price);
  const outputPrice = num(tier.output_price);
  if (inputPrice === undefined || outputPrice === undefined) return undefined;
  const readPrice = num(tier.cache_read_price) ?? num(tier.cache_price) ?? inputPrice;
  const writePrice = num(tier.cache_write_price) ?? inputPrice;
  const credits = (input * inputPrice + cacheRead * readPrice + cacheWrite * writePrice + output * outputPrice) / batch;
  return Math.round(credits * 1e9);
}

/** nano-AIU → AI credits (1 credit = 1e9 nano-AIU = $0.01). */
export const creditsOf = (nanoAiu: number): number => nanoAiu / 1e9;
/** nano-AIU as AI credits in plain decimal notation (never 1e-7): exact, since 1 credit is 1e9 nano-AIU. */
export function formatCredits(nanoAiu: number): string {
  return (Math.round(nanoAiu) / 1e9).toFixed(9).replace(/\.?0+$/, "");
}
/** nano-AIU → US dollars. */
export const usdOf = (nanoAiu: number): number => nanoAiu / 1e11;
