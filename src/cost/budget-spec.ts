/** A spending limit in AI credits per calendar day or month (server's local time). */
export interface BudgetSpec {
  limitCredits: number;
  period: "day" | "month";
}

/**
 * `20/day`, `300/month` (also `20/d`, `300/mo`): AI credits per period, as `--budget`, the config
 * file's `budgets` and an API key's `budget` give them.
 */
export function parseBudget(text: string): BudgetSpec {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(day|d|daily|month|mo|monthly)\s*$/i.exec(text);
  const limit = m ? Number(m[1]) : Number.NaN;
  if (!m || !Number.isFinite(limit) || limit <= 0) {
    throw new Error(`Invalid budget "${text}": expected AI credits per day or month, e.g. 20/day or 300/month`);
  }
  return { limitCredits: limit, period: m[2]!.toLowerCase().startsWith("d") ? "day" : "month" };
}
