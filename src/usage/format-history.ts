import type { History, HistoryDimension, HistoryRow, HistoryTotals } from "../ledger/query-history.js";

const BAR_WIDTH = 20;

/** Cache-hit rate: the share of the prompt read from the cache (null when nothing was prompted). */
export function cacheHitRate(t: Pick<HistoryTotals, "inputTokens" | "cacheReadTokens" | "cacheWriteTokens">): number | null {
  const prompt = t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens;
  return prompt > 0 ? t.cacheReadTokens / prompt : null;
}

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return "█".repeat(filled) + "·".repeat(BAR_WIDTH - filled);
}

const credits = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));
const dollars = (n: number) => `$${n >= 1 ? n.toFixed(2) : n.toFixed(4)}`;
function tokens(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
const percent = (r: number | null) => (r === null ? "–" : `${(r * 100).toFixed(0)}%`);

/** A label as printed: what the ledger holds, "–" for nothing, no control characters (it came from a client). */
function label(row: HistoryRow, by: HistoryDimension[]): string {
  return by.map((d) => String(row[d] ?? "–").replace(/[\u0000-\u001f\u007f-\u009f]/g, "")).join(" / ");
}

/** The history as a terminal table with bars: credits, dollars, tokens and cache-hit rate per group. */
export function formatHistory(h: History): string {
  const head = ["", "requests", "credits", "USD", "input", "output", "cache read", "cache hit", ""];
  const max = Math.max(0, ...h.rows.map((r) => r.nanoAiu));
  const row = (name: string, t: HistoryTotals, withBar: boolean) => [
    name,
    String(t.requests) + (t.errors ? ` (${t.errors} failed)` : ""),
    credits(t.credits) + (t.estimatedRequests ? "*" : ""),
    dollars(t.usd),
    tokens(t.inputTokens),
    tokens(t.outputTokens),
    tokens(t.cacheReadTokens),
    percent(cacheHitRate(t)),
    withBar ? bar(max > 0 ? t.nanoAiu / max : 0) : "",
  ];
  const lines = [head, ...h.rows.map((r) => row(label(r, h.by), r, true)), row("total", h.totals, false)];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => l.map((cell, i) => (i === 0 || i === l.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd();
  const out = [`Usage ${h.from} .. ${h.to}, by ${h.by.join(" and ")}`, "", fmt(lines[0]!), ...lines.slice(1, -1).map(fmt), "", fmt(lines.at(-1)!)];
  if (h.rows.length === 0) out.splice(3, 0, "(no requests in this range)");
  if (h.totals.estimatedRequests > 0) out.push("", `* includes ${h.totals.estimatedRequests} requests whose cost is estimated from list prices (Copilot sent no figure)`);
  return out.join("\n");
}

const CSV_FIELDS: (keyof HistoryTotals)[] = [
  "requests",
  "errors",
  "nanoAiu",
  "credits",
  "usd",
  "estimatedRequests",
  "inputTokens",
  "outputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "reasoningTokens",
];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One header line, then one line per group. */
export function formatHistoryCsv(h: History): string {
  const lines = [[...h.by, ...CSV_FIELDS, "cacheHitRate"].join(",")];
  for (const r of h.rows) lines.push([...h.by.map((d) => r[d]), ...CSV_FIELDS.map((f) => r[f]), cacheHitRate(r) ?? ""].map(csvCell).join(","));
  return lines.join("\n");
}
