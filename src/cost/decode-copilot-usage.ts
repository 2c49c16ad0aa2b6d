import type { Usage } from "../ir/stream.js";

/**
 * Copilot's own figure for what one answer cost, from `copilot_usage` (copilot-upstream.md 5, 6, 7,
 * 13.3): `{ total_nano_aiu, token_details: [{ token_type, token_count, cost_per_batch, batch_size }] }`
 * on chat completions, on /responses terminal events and on native /v1/messages (message_delta and
 * the JSON body). 1 AI credit = 1e9 nano-AIU = $0.01. Returns undefined when the field is absent or
 * carries no usable number, so that the caller falls back to an estimate.
 */
export function decodeCopilotUsage(value: unknown): number | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const v = value as { total_nano_aiu?: unknown; token_details?: unknown };
  if (typeof v.total_nano_aiu === "number" && Number.isFinite(v.total_nano_aiu) && v.total_nano_aiu >= 0) return Math.round(v.total_nano_aiu);
  // [U] No total seen without details, but the details alone say the same.
  if (!Array.isArray(v.token_details)) return undefined;
  let total = 0;
  let any = false;
  for (const d of v.token_details as { token_count?: unknown; cost_per_batch?: unknown; batch_size?: unknown }[]) {
    if (!d || typeof d.token_count !== "number" || typeof d.cost_per_batch !== "number" || typeof d.batch_size !== "number" || d.batch_size <= 0) continue;
    total += (d.token_count * d.cost_per_batch) / d.batch_size;
    any = true;
  }
  return any && Number.isFinite(total) && total >= 0 ? Math.round(total) : undefined;
}

/** Where an event or body may carry copilot_usage: on itself, or on the message/response it wraps. */
export function copilotUsageOf(obj: unknown): number | undefined {
  if (!obj || typeof obj !== "object") return undefined;
  const o = obj as { copilot_usage?: unknown; message?: { copilot_usage?: unknown }; response?: { copilot_usage?: unknown } };
  if (o.copilot_usage !== undefined) return decodeCopilotUsage(o.copilot_usage);
  const inner = (o.message && typeof o.message === "object" ? o.message.copilot_usage : undefined) ??
    (o.response && typeof o.response === "object" ? o.response.copilot_usage : undefined);
  return decodeCopilotUsage(inner);
}

/** Usage with Copilot's cost figure added, when there is one (a cost without token counts still counts). */
export function withNanoAiu(usage: Usage | undefined, nanoAiu: number | undefined): Usage | undefined {
  if (nanoAiu === undefined) return usage;
  return { ...usage, nanoAiu };
}
