import { randomBytes } from "node:crypto";
import { ApiError, badRequest } from "../errors.js";
import { randomResponsesId } from "../dialects/openai-responses/encode-response.js";
import { quote } from "../text.js";
import { ITEMS_PER_SLICE, nextTurn } from "../http/work-slices.js";
import { describeLimits, type ResponseStore, type WireObject } from "./response-store.js";

/** How deep a previous_response_id chain is followed: far beyond any conversation, short of a loop. */
const MAX_CHAIN = 10_000;

const ITEM_PREFIX: Record<string, string> = {
  message: "msg",
  function_call: "fc",
  function_call_output: "fco",
  custom_tool_call: "ctc",
  custom_tool_call_output: "ctco",
  reasoning: "rs",
};

/**
 * One Responses request's dealings with the response store, made before anything else reads the
 * body: `previous_response_id` and `item_reference` items are replaced by the stored items they
 * name (Copilot refuses the one and can't resolve the other, copilot-upstream.md 6), and when the
 * client stores (`store` is not false, OpenAI's default) the request's own input is copied, so
 * that `keep()` can store it with the answer under `responseId`.
 */
export class StoredTurn {
  private constructor(
    private readonly store: ResponseStore,
    readonly responseId: string,
    /** The client's own input, ids given, when this turn is to be stored. */
    private readonly input: WireObject[] | undefined,
    readonly previousResponseId: string | undefined,
  ) {}

  /**
   * `maxBytes` (the body limit) bounds what the stored items add: a reference is a few bytes, the
   * item it names may be megabytes, and a body repeating it or continuing a long chain would
   * otherwise grow far past the limit a body that arrives whole is held to.
   */
  static async prepare(store: ResponseStore, body: WireObject, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredTurn> {
    const previous = body.previous_response_id;
    if (previous != null && (typeof previous !== "string" || !previous)) {
      throw badRequest("`previous_response_id` must be a response id string", "previous_response_id");
    }
    const own = typeof body.input === "string" ? [{ type: "message", role: "user", content: [{ type: "input_text", text: body.input }] }] : Array.isArray(body.input) ? (body.input as unknown[]) : undefined;
    let expanded = false;
    const added = new AddedBytes(maxBytes);
    if (own) {
      for (const [i, item] of own.entries()) {
        if (!isReference(item)) continue;
        const id = (item as WireObject).id;
        const stored = typeof id === "string" && id ? await store.item(id) : undefined;
        if (!stored) {
          throw badRequest(
            `input[${i}]: item_reference ${quote(id ?? "")} is unknown or has expired (${describeLimits(store.limits)}); send the item itself`,
            `input[${i}]`,
          );
        }
        added.add(stored, "the items that `item_reference` names");
        own[i] = stored;
        expanded = true;
      }
    }
    const storing = body.store !== false;
    const input = storing && own ? await copyWithIds(own) : undefined;
    if (typeof previous === "string") {
      body.input = [...(await history(store, previous, added)), ...(own ?? [])];
      delete body.previous_response_id;
    } else if (expanded) {
      body.input = own;
    }
    return new StoredTurn(store, randomResponsesId("resp"), input, typeof previous === "string" ? previous : undefined);
  }

  get storing(): boolean {
    return this.input !== undefined;
  }

  /**
   * Stores the answer (a finished response object, as the client got it) when the client asked for
   * storing; failed answers are not kept, there is nothing to continue from. Also sets the
   * response's `store` and `previous_response_id`, which Copilot's echo can't know.
   */
  keep(response: WireObject): void {
    response.store = this.storing;
    response.previous_response_id = this.previousResponseId ?? null;
    if (!this.input || (response.status !== "completed" && response.status !== "incomplete")) return;
    this.store.put({ id: this.responseId, response, input: this.input, ...(this.previousResponseId ? { previousResponseId: this.previousResponseId } : {}) });
  }
}

/** `{type:"item_reference", id}`, or an id-only item, which the Responses API also reads as a reference. */
function isReference(item: unknown): boolean {
  if (!item || typeof item !== "object" || Array.isArray(item)) return false;
  const it = item as WireObject;
  return it.type === "item_reference" || (it.type === undefined && it.role === undefined && typeof it.id === "string");
}

/** Every input and output item of a stored response and of the ones it continued, oldest first. */
async function history(store: ResponseStore, id: string, added: AddedBytes): Promise<WireObject[]> {
  const turns: WireObject[][] = [];
  let next: string | undefined = id;
  for (let depth = 0; next !== undefined && depth < MAX_CHAIN; depth++) {
    const record = await store.get(next);
    if (!record) {
      const which = next === id ? `previous_response_id ${quote(id)}` : `response ${quote(next)}, which previous_response_id ${quote(id)} continues,`;
      throw badRequest(`${which} is unknown or has expired (${describeLimits(store.limits)}); send the whole conversation in \`input\` instead`, "previous_response_id");
    }
    const output = Array.isArray(record.response.output) ? (record.response.output as WireObject[]) : [];
    const turn = [...record.input, ...output];
    for (const item of turn) added.add(item, "the conversation that `previous_response_id` continues");
    turns.push(turn);
    next = record.previousResponseId;
  }
  return turns.reverse().flat();
}

/** Bytes of stored items brought into one request, refused (413) past the body limit. */
class AddedBytes {
  private bytes = 0;

  constructor(private readonly max: number) {}

  add(item: unknown, what: string): void {
    if (this.max === Number.POSITIVE_INFINITY) return;
    this.bytes += Buffer.byteLength(JSON.stringify(item) ?? "");
    if (this.bytes <= this.max) return;
    throw new ApiError({
      kind: "payload_too_large",
      status: 413,
      message: `${what} add up to more than the body limit of ${this.max} bytes; send fewer items, or start a new conversation`,
    });
  }
}

/**
 * A copy of the input items as OpenAI lists them: each with an id (input_items, item_reference).
 * Copied in slices, and the ids drawn from one random number per turn: a body of 300,000 tiny
 * items took ~1 s of randomBytes and structuredClone (slower than a plain copy on many small
 * objects), with the event loop held throughout.
 */
async function copyWithIds(own: unknown[]): Promise<WireObject[]> {
  const base = randomBytes(16).toString("hex");
  let n = 0;
  const copy: WireObject[] = [];
  for (let from = 0; from < own.length; from += ITEMS_PER_SLICE) {
    if (from > 0) await nextTurn();
    for (const item of own.slice(from, from + ITEMS_PER_SLICE).map(copyJson) as WireObject[]) {
      if (item && typeof item === "object" && typeof item.id !== "string") {
        const type = typeof item.type === "string" ? item.type : "message";
        item.id = `${ITEM_PREFIX[type] ?? "item"}_${base}${(n++).toString(16).padStart(16, "0")}`;
      }
      copy.push(item);
    }
  }
  return copy;
}

/** A deep copy of a value decoded from JSON (`__proto__` kept as an own property, as JSON.parse keeps it). */
function copyJson(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copyJson((value as Record<string, unknown>)[key]);
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}
