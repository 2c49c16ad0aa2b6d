import type { MessagesInterceptor } from "./types.js";

/**
 * Copilot validates /v1/messages body fields strictly ("Extra inputs are not permitted"). Only the
 * fields VS Code itself sends get through; everything else (Claude Code's context_management,
 * metadata, container, service_tier...) is dropped. [U] Which fields pass changes over time
 * (copilot-upstream.md 12.6): strip by default, enable one only after probing it.
 */
const ALLOWED = new Set([
  "model",
  "messages",
  "system",
  "max_tokens",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
]);

export const withAllowedFields: MessagesInterceptor = (body) => {
  for (const key of Object.keys(body)) if (!ALLOWED.has(key)) delete body[key];
};
