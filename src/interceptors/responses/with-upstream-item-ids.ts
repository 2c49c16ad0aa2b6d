import { isOurReasoningId } from "./stable-item-ids.js";
import { inputItems, type ResponsesInterceptor } from "./types.js";

/**
 * A reasoning item comes back under the stable id we gave it (stable-item-ids.ts), but Copilot
 * verifies its encrypted_content against Copilot's own id for it ("Encrypted content item_id did
 * not match the target item id", openclaw#71333). That id is put back; when it was forgotten
 * (evicted, or the server restarted) the item goes without an id, which Copilot accepts by
 * recovering it from the encrypted content [U] (openclaw#72602). Ids that aren't ours pass as sent.
 */
export const withUpstreamItemIds: ResponsesInterceptor = (body, _model, state) => {
  for (const item of inputItems(body)) {
    if (item.type !== "reasoning" || typeof item.id !== "string") continue;
    const raw = state.upstreamIds?.upstream(item.id);
    if (raw !== undefined) item.id = raw;
    else if (isOurReasoningId(item.id)) delete item.id;
  }
};
