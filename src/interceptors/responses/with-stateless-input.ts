import { badRequest } from "../../errors.js";
import { PREVIOUS_RESPONSE_UNSUPPORTED } from "../../dialects/openai-responses/decode-request.js";
import type { ResponsesInterceptor } from "./types.js";
import { quote } from "../../text.js";

/**
 * Copilot's /responses is stateless over HTTP (copilot-upstream.md 6, known-failures U8). The
 * route expands `previous_response_id` and `item_reference` from its own store first
 * (responses-state/stored-turn.ts); what is left here is refused:
 * - `previous_response_id` is refused upstream with a bare "previous_response_id is not supported"
 *   (yuegongzi#30); we refuse it first, saying what to do instead. `conversation` likewise.
 * - `item_reference` items (and id-only items, which are references too) point at stored items
 *   that don't exist with store:false: "Item with id '…' not found. Items are not persisted when
 *   store is set to false" (traceroot#472). Refused, naming the item.
 * - The `id` on every other input item is removed. Codex sends one on each item (msg_, fc_, fco_)
 *   even with store:false (real-clients.md 2.2); the fake upstream and VS Code's own `msg_123`
 *   show ids on inline items are tolerated, but Copilot persists nothing, so an id can only ever be
 *   looked up and fail, never help (case 46). Reasoning items keep theirs: VS Code sends
 *   {type:"reasoning", id, encrypted_content} and the id belongs with the encrypted content.
 */
export const withStatelessInput: ResponsesInterceptor = (body) => {
  // What VS Code sends: Copilot keeps nothing either way; copilot-api's own store (StoredTurn) serves `store: true` clients.
  body.store = false;
  if (body.previous_response_id != null) throw badRequest(PREVIOUS_RESPONSE_UNSUPPORTED, "previous_response_id");
  delete body.previous_response_id;
  if (body.conversation != null) {
    throw badRequest("`conversation` is not supported: GitHub Copilot's Responses API keeps no state; send the whole conversation", "conversation");
  }
  delete body.conversation;
  if (!Array.isArray(body.input)) return;
  for (const [i, item] of (body.input as unknown[]).entries()) {
    if (!item || typeof item !== "object") continue;
    const it = item as Record<string, unknown>;
    const reference = it.type === "item_reference" || (it.type === undefined && it.role === undefined && typeof it.id === "string");
    if (reference) {
      throw badRequest(
        `input[${i}]: item_reference ${quote(it.id ?? "")} is not supported: GitHub Copilot's Responses API stores no items (store is false); send the item itself`,
        `input[${i}]`,
      );
    }
    if (it.type !== "reasoning") delete it.id;
  }
};
