import { creditsOf, usdOf } from "../cost/estimate-cost.js";
import type { SqlDatabase } from "./sqlite-driver.js";

export const HISTORY_DIMENSIONS = ["day", "model", "client", "initiator", "kind", "key", "api", "endpoint"] as const;
export type HistoryDimension = (typeof HISTORY_DIMENSIONS)[number];

/** Sums over a group of ledger rows (the same fields for one row of the history and for its totals). */
export interface HistoryTotals {
  requests: number;
  errors: number;
  nanoAiu: number;
  credits: number;
  usd: number;
  estimatedRequests: number;
  /** Prompt tokens neither read from nor written to the cache (Anthropic's meaning). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export type HistoryRow = Partial<Record<HistoryDimension, string | null>> & HistoryTotals;

export interface History {
  from: string;
  to: string;
  by: HistoryDimension[];
  rows: HistoryRow[];
  totals: HistoryTotals;
}

/**
 * Days are the server's local calendar days: SQLite's 'localtime' reads the process's time zone
 * (TZ), as the budgets' day boundaries do.
 */
const SQLITE_DAY = "strftime('%Y-%m-%d', time / 1000, 'unixepoch', 'localtime')";

/**
 * The column each dimension groups by; `day` is computed from `time`, as each database does it.
 * Aliases are quoted: PostgreSQL would fold them to lower case, SQLite reads them the same either way.
 */
function column(d: HistoryDimension, day: string): string {
  if (d === "day") return day;
  return d === "key" ? "key_name" : d;
}

const SUMS = `COUNT(*) AS requests,
  SUM(CASE WHEN status >= 400 OR error_kind IS NOT NULL THEN 1 ELSE 0 END) AS errors,
  COALESCE(SUM(nano_aiu), 0) AS "nanoAiu",
  SUM(CASE WHEN cost_estimated = 1 THEN 1 ELSE 0 END) AS "estimatedRequests",
  COALESCE(SUM(input_tokens), 0) AS "inputTokens",
  COALESCE(SUM(output_tokens), 0) AS "outputTokens",
  COALESCE(SUM(cache_read_tokens), 0) AS "cacheReadTokens",
  COALESCE(SUM(cache_write_tokens), 0) AS "cacheWriteTokens",
  COALESCE(SUM(reasoning_tokens), 0) AS "reasoningTokens"`;

/**
 * The two questions behind a history, in SQL both databases take: the rows grouped by `by` (by day
 * in time order, otherwise the costliest first), and the totals. `range` is the WHERE clause on
 * time, with the database's own placeholders.
 */
export function historySql(by: HistoryDimension[], day: string, range: string): { rows: string; totals: string } {
  const columns = by.map((d) => `${column(d, day)} AS "${d}"`).join(", ");
  const group = by.map((d) => `"${d}"`).join(", ");
  const order = by.includes("day") ? `"day", "nanoAiu" DESC` : `"nanoAiu" DESC, requests DESC`;
  return {
    rows: `SELECT ${columns}, ${SUMS} FROM requests WHERE ${range} GROUP BY ${group} ORDER BY ${order}`,
    totals: `SELECT ${SUMS} FROM requests WHERE ${range}`,
  };
}

/** A history from the answers to historySql's two questions. */
export function historyOf(from: number, to: number, by: HistoryDimension[], raw: Record<string, unknown>[], totals: Record<string, unknown>): History {
  const rows = raw.map((r) => {
    const row: HistoryRow = {} as HistoryRow;
    for (const d of by) row[d] = (r[d] as string | null) ?? null;
    return Object.assign(row, totalsOf(r));
  });
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), by, rows, totals: totalsOf(totals) };
}

export function totalsOf(row: Record<string, unknown>): HistoryTotals {
  const n = (k: string) => Number(row[k] ?? 0);
  const nanoAiu = n("nanoAiu");
  return {
    requests: n("requests"),
    errors: n("errors"),
    nanoAiu,
    credits: creditsOf(nanoAiu),
    usd: usdOf(nanoAiu),
    estimatedRequests: n("estimatedRequests"),
    inputTokens: n("inputTokens"),
    outputTokens: n("outputTokens"),
    cacheReadTokens: n("cacheReadTokens"),
    cacheWriteTokens: n("cacheWriteTokens"),
    reasoningTokens: n("reasoningTokens"),
  };
}

/** Rows of [from, to) grouped by one or two dimensions: by day in time order, otherwise the costliest first. */
export function queryHistory(db: SqlDatabase, from: number, to: number, by: HistoryDimension[]): History {
  const sql = historySql(by, SQLITE_DAY, "time >= ? AND time < ?");
  const raw = db.prepare(sql.rows).all(from, to) as Record<string, unknown>[];
  return historyOf(from, to, by, raw, db.prepare(sql.totals).get(from, to) as Record<string, unknown>);
}

/** nano-AIU spent since `from` (all keys, or one key's), for the budgets' running totals. */
export function spentSince(db: SqlDatabase, from: number, keyName?: string): number {
  const row = (
    keyName === undefined
      ? db.prepare("SELECT TOTAL(nano_aiu) AS n FROM requests WHERE time >= ?").get(from)
      : db.prepare("SELECT TOTAL(nano_aiu) AS n FROM requests WHERE time >= ? AND key_name = ?").get(from, keyName)
  ) as { n: number };
  return Number(row.n ?? 0);
}

/** Parses `by=day,model`: one or two known dimensions. */
export function parseBy(value: string | undefined): HistoryDimension[] {
  if (value === undefined || value.trim() === "") return ["day"];
  const parts = value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = parts.find((p) => !(HISTORY_DIMENSIONS as readonly string[]).includes(p));
  if (bad !== undefined || parts.length === 0 || parts.length > 2 || new Set(parts).size !== parts.length) {
    throw new Error(`by must be one or two of ${HISTORY_DIMENSIONS.join(", ")}, comma-separated${bad !== undefined ? ` (got "${bad.slice(0, 40)}")` : ""}`);
  }
  return parts as HistoryDimension[];
}

/**
 * A bound of the range: epoch ms, an ISO date-time, or an ISO date (the server's local midnight;
 * as the end of a range, the end of that day, so that to=2026-12-01 includes the 1st).
 */
export function parseTime(value: string, name: "from" | "to"): number {
  const v = value.trim();
  if (/^\d{9,}$/.test(v)) return Number(v);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]) - 1, Number(date[3])];
    const day = new Date(y, m, d);
    // new Date() rolls 2026-13-45 over into 2027: a date that doesn't round-trip is not a date.
    if (day.getFullYear() === y && day.getMonth() === m && day.getDate() === d) return new Date(y, m, d + (name === "to" ? 1 : 0)).getTime();
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  throw new Error(`${name} must be an ISO 8601 date or date-time, or milliseconds since the epoch (got "${v.slice(0, 40)}")`);
}
