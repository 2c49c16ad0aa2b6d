import { randomResponsesId, type NewResponsesId } from "../../dialects/openai-responses/encode-response.js";
import type { UpstreamItemIds } from "../../responses-state/upstream-item-ids.js";

type Obj = Record<string, unknown>;

const PREFIX: Record<string, Parameters<NewResponsesId>[0]> = {
  message: "msg",
  reasoning: "rs",
  function_call: "fc",
  custom_tool_call: "ctc",
};

/** The shape of the reasoning ids we hand out (randomResponsesId), told apart from Copilot's blobs. */
const OUR_REASONING_ID = /^rs_[0-9a-f]{48}$/;

/**
 * One id per output item and one response id, on a pass-through Responses answer.
 *
 * Copilot gives every event of one item a fresh `item_id` / `item.id`, and a fresh response id to
 * each response event (copilot-upstream.md 6, upstream-samples/copilot-responses-stream-id-rotation);
 * only `output_index` is stable. Clients key on the ids: the AI SDK (opencode) loses reasoning
 * parts ("reasoning part rs_…:0 not found"), and a stored response must be found again by its id.
 * So each output index gets an id of ours at its first event, used in `output_item.added`, every
 * delta, `output_item.done` and the terminal response's `output`; the response keeps the id given
 * to the constructor. A reasoning item's own Copilot id (the one next to its encrypted_content) is
 * remembered in `upstreamIds`, for withUpstreamItemIds to put back when the client returns the item.
 * Items of a type we don't know keep the first id Copilot gave them.
 */
export class StableItemIds {
  private readonly byIndex = new Map<number, string>();

  constructor(
    readonly responseId: string,
    private readonly upstreamIds: UpstreamItemIds,
    private readonly newId: NewResponsesId = randomResponsesId,
  ) {}

  /** Rewrites one parsed stream event in place. */
  event(data: Obj): void {
    const index = typeof data.output_index === "number" ? data.output_index : undefined;
    if (isObj(data.response)) this.response(data.response);
    if (index === undefined) return;
    if (isObj(data.item)) this.item(index, data.item);
    else if (typeof data.item_id === "string") data.item_id = this.idFor(index, undefined, data.item_id);
  }

  /** Rewrites a response object (a non-stream answer, or one inside a response.* event) in place. */
  response(response: Obj): void {
    response.id = this.responseId;
    if (!Array.isArray(response.output)) return;
    for (const [i, item] of response.output.entries()) if (isObj(item)) this.item(i, item);
  }

  private item(index: number, item: Obj): void {
    const raw = typeof item.id === "string" ? item.id : undefined;
    const id = this.idFor(index, typeof item.type === "string" ? item.type : undefined, raw);
    if (item.type === "reasoning" && raw && raw !== id && typeof item.encrypted_content === "string" && item.encrypted_content) {
      this.upstreamIds.remember(id, raw);
    }
    item.id = id;
  }

  private idFor(index: number, type: string | undefined, raw: string | undefined): string {
    let id = this.byIndex.get(index);
    if (id === undefined) {
      const prefix = type === undefined ? undefined : PREFIX[type];
      id = prefix ? this.newId(prefix) : (raw ?? this.newId("msg"));
      this.byIndex.set(index, id);
    }
    return id;
  }
}

/** Whether a reasoning id is one we handed out (rather than Copilot's own, or a client's). */
export function isOurReasoningId(id: string): boolean {
  return OUR_REASONING_ID.test(id);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
