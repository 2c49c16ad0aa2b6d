import { isOurReasoningId } from "./stable-item-ids.js";
import type { ResponsesInterceptor } from "./types.js";

/**
 * A reasoning item comes back under the stable id we gave it (stable-item-ids.ts), but Copilot
 * verifies its encrypted_content against Copilot's own id for it ("Encrypted content item_id did
 * not match the target item id", openclaw#71333). That id is put back. When it was forgotten
 * (evicted, or the server restarted) the item is dropped: Copilot reportedly also accepts it with
 * no id, recovering the item from the encrypted content [U] (openclaw#72602, one report), but were
 * that wrong every later turn of the conversation would fail, while a missing reasoning item only
 * costs the model its earlier reasoning. Ids that aren't ours pass as sent.
 */
export const withUpstreamItemIds: ResponsesInterceptor = (body, _model, state) => {
  if (!Array.isArray(body.input)) return;
  body.input = (body.input as unknown[]).filter((item) => {
    if (!item || typeof item !== "object") return true;
    const it = item as Record<string, unknown>;
    const id = it.id;
    if (it.type !== "reasoning" || typeof id !== "string") return true;
    const raw = state.upstreamIds?.upstream(id);
    if (raw === undefined) return !isOurReasoningId(id);
    it.id = raw;
    return true;
  });
};
