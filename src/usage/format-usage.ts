import type { CopilotUser, QuotaSnapshot } from "../upstream/github.js";

const NAMES: Record<string, string> = {
  premium_interactions: "Premium",
  chat: "Chat",
  completions: "Completions",
};

function bar(percentRemaining: number, width = 20): string {
  const used = Math.min(1, Math.max(0, 1 - percentRemaining / 100));
  const filled = Math.round(used * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

function line(name: string, q: QuotaSnapshot): string {
  if (q.unlimited) return `${name.padEnd(12)} unlimited`;
  const used = q.entitlement - q.remaining;
  const pct = Number.isFinite(q.percent_remaining) ? q.percent_remaining : 0;
  return `${name.padEnd(12)} ${bar(pct)} ${used}/${q.entitlement} used, ${q.remaining} left (${pct.toFixed(1)}% remaining)`;
}

/** The quota snapshot as a small terminal table with bars. `percent_remaining` can be negative when overdrawn. */
export function formatUsage(user: CopilotUser): string {
  const out = [
    `Plan:        ${user.copilot_plan ?? "unknown"}${user.access_type_sku ? ` (${user.access_type_sku})` : ""}`,
    `Resets on:   ${user.quota_reset_date_utc ?? user.quota_reset_date ?? "unknown"}`,
    "",
  ];
  const snaps = user.quota_snapshots ?? {};
  for (const key of ["premium_interactions", "chat", "completions"] as const) {
    const q = snaps[key];
    if (q) out.push(line(NAMES[key] ?? key, q));
  }
  if (out.length === 3) out.push("No quota information returned.");
  return out.join("\n");
}
