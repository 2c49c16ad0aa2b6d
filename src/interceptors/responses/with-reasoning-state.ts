import { FOREIGN_STATE_PREFIX } from "../../dialects/openai-responses/wire.js";
import type { ResponsesInterceptor } from "./types.js";

/**
 * A reasoning item goes back to Copilot only with the encrypted content it issued. Without it,
 * Copilot looks the item up and fails: "Item with id 'rs_…' not found. Items are not persisted when
 * store is set to false" (copilot-upstream.md 6, known-failures U8). A `cpk:` value is reasoning
 * state we carried for another upstream (openai-responses/wire.ts) that Copilot can't decrypt.
 * Both are dropped; the encrypted content that stays is left byte-exact (cao#376).
 */
export const withReasoningState: ResponsesInterceptor = (body) => {
  if (!Array.isArray(body.input)) return;
  body.input = (body.input as unknown[]).filter((item) => {
    if (!item || typeof item !== "object") return true;
    const it = item as { type?: unknown; encrypted_content?: unknown };
    if (it.type !== "reasoning") return true;
    return typeof it.encrypted_content === "string" && it.encrypted_content.length > 0 && !it.encrypted_content.startsWith(FOREIGN_STATE_PREFIX);
  });
};
