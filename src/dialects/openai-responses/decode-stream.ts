import { copilotUsageOf } from "../../cost/decode-copilot-usage.js";
import { randomUUID } from "node:crypto";
import { ApiError, fromUpstream, kindForStatus } from "../../errors.js";
import { objectArguments } from "../../interceptors/chat/with-object-tool-arguments.js";
import type { Request } from "../../ir/request.js";
import type { StreamPart, Usage } from "../../ir/stream.js";
import { decodeResponsesUsage } from "./convert-usage.js";
import { mapResponsesStatus } from "./map-status.js";
import { parseEventData, unwrapCustomInput, type ResponsesErrorWire, type ResponsesEventWire, type ResponsesOutputItemWire } from "./wire.js";

export interface ResponsesStreamDecoderOptions {
  /**
   * Names of the request's custom (free-form) tools. encodeResponsesRequest sends them as function
   * tools taking `{"input": "<raw>"}` (Copilot rejects custom tools, cao#242); their calls are
   * unwrapped back into raw-text custom tool calls here.
   */
  customTools?: Iterable<string>;
  /** Id for a tool call whose call_id never arrived. */
  newCallId?: () => string;
}

/** The decoder options a request implies: `new ResponsesStreamDecoder(responsesDecoderOptions(req))`. */
export function responsesDecoderOptions(req: Pick<Request, "tools">): ResponsesStreamDecoderOptions {
  return { customTools: req.tools.filter((t) => t.type === "custom").map((t) => t.name) };
}

type ItemKind = "message" | "reasoning" | "tool" | "ignored";

/** One output item, keyed by its output_index. */
interface Item {
  index: number;
  kind: ItemKind;
  /** IR block id: text-N / reasoning-N, or the call id of a tool call. */
  irId: string;
  /** Text, summary or argument text received so far. */
  text: string;
  /** reasoning: the summary part being streamed, to separate parts with a blank line. */
  summaryIndex?: number;
  name?: string;
  callId?: string;
  /** A custom tool call (raw-text input). */
  custom: boolean;
  /** A custom tool call that arrives as a function call with `{"input": …}` arguments: unwrapped at its end. */
  wrapped: boolean;
  refusal: boolean;
  started: boolean;
  done: boolean;
  /** Parts held back while another item is live (the IR forbids interleaved blocks). */
  held: StreamPart[];
}

/**
 * Copilot's `/responses` stream (one SSE event per push) → IR stream parts.
 *
 * Copilot quirks handled (copilot-upstream.md 6, known-failures U8/F1):
 * - `item_id` (and `item.id`, and the response id) rotate on every event of Copilot's stream while
 *   `output_index` stays stable, so every item is keyed on output_index, never on an id. A reasoning
 *   item's id and encrypted_content are taken from its `output_item.done`: the final ones (the
 *   encrypted content of `.added` differs from the final one in OpenAI's streams too).
 * - A `data: [DONE]` line after response.completed is tolerated (it once killed parsers that fed
 *   it to JSON.parse: caozhiyuan#338); it ends the stream like EOF.
 * - Custom tools reach Copilot as function tools; a function call to one of them becomes a custom
 *   tool call again with the raw text unwrapped from `{"input": "…"}` (cao#242, case 34).
 * - Function-call arguments are normalised to a JSON object text ("{}" when empty or invalid) on
 *   the tool-input-end part (T5/T6); the deltas stay as streamed.
 *
 * Each output item becomes one IR block: a message → text, a reasoning item → reasoning (its summary
 * parts joined by blank lines), a function/custom tool call → a tool call. Other items (web search
 * calls, compaction, …) are ignored. Text that only appears in an item's `.done` (nothing streamed)
 * is emitted there, so a non-streaming answer replayed as added/done pairs (decode-response.ts)
 * goes through the same steps.
 *
 * Ordering: Responses items are sequential, but the IR contract (blocks never interleave) is guarded
 * anyway: the first item that produces a part is "live" and streams; parts of any other item are
 * held until the live one is done, then released in arrival order.
 *
 * Ends: response.completed / response.incomplete → `finish` with the usage and a finish reason
 * (map-status.ts); response.failed and `error` events → an `error` part. A stream that ends without
 * any of them ended early: an `error` part too, since Codex itself fails such a stream ("stream
 * closed before response.completed", real-clients.md 2.1).
 */
export class ResponsesStreamDecoder {
  private readonly customTools: Set<string>;
  private readonly newCallId: () => string;

  private out: StreamPart[] = [];
  private started = false;
  private over = false;
  private received = false;
  private readonly items = new Map<number, Item>();
  private live?: Item;
  /** Items holding parts, in the order they first produced one. */
  private readonly queue: Item[] = [];
  private textSeq = 0;
  private reasoningSeq = 0;
  private toolCalls = 0;
  private refused = false;

  constructor(options: ResponsesStreamDecoderOptions = {}) {
    this.customTools = new Set(options.customTools ?? []);
    this.newCallId = options.newCallId ?? (() => `call_${randomUUID().replace(/-/g, "").slice(0, 24)}`);
  }

  /** One SSE event. `data: [DONE]` ends the stream (same as end()). */
  push(event: { event?: string; data: string }): StreamPart[] {
    if (event.data.trim() === "[DONE]") return this.end();
    if (this.over) return [];
    this.out = [];
    const data = parseEventData(event.data);
    if (!data) {
      this.fail(upstreamError(`Copilot sent a stream event that is not a JSON object: ${event.data.slice(0, 120)}`, "invalid_stream_event"));
      return this.out;
    }
    this.received = true;
    this.event(typeof data.type === "string" ? data.type : (event.event ?? ""), data);
    return this.out;
  }

  /** End of the stream ([DONE] or EOF). After a terminal event this adds nothing. */
  end(): StreamPart[] {
    if (this.over) return [];
    this.out = [];
    this.fail(
      this.received
        ? upstreamError("Copilot ended the stream before response.completed", "stream_incomplete")
        : upstreamError("Copilot ended the stream without sending an answer", "stream_empty"),
    );
    return this.out;
  }

  // ---- events ----

  private event(type: string, e: ResponsesEventWire): void {
    switch (type) {
      case "response.created":
      case "response.in_progress":
      case "response.queued":
        this.ensureStart(e.response);
        return;
      case "response.output_item.added":
        if (e.item && typeof e.item === "object") this.added(this.indexOf(e), e.item);
        return;
      case "response.output_item.done":
        if (e.item && typeof e.item === "object") this.itemDone(this.indexOf(e), e.item);
        return;
      case "response.content_part.added":
        return;
      case "response.output_text.delta":
        this.textDelta(this.indexOf(e), "message", e.delta);
        return;
      case "response.refusal.delta":
        this.refused = true;
        this.textDelta(this.indexOf(e), "message", e.delta);
        return;
      case "response.reasoning_summary_part.added":
        this.summaryPart(this.indexOf(e), e.summary_index);
        return;
      case "response.reasoning_summary_text.delta":
        this.summaryPart(this.indexOf(e), e.summary_index);
        this.textDelta(this.indexOf(e), "reasoning", e.delta);
        return;
      case "response.function_call_arguments.delta":
      case "response.custom_tool_call_input.delta":
        this.toolDelta(this.indexOf(e), e.delta);
        return;
      case "response.function_call_arguments.done":
        this.toolFinal(this.indexOf(e), e.arguments);
        return;
      case "response.custom_tool_call_input.done":
        this.toolFinal(this.indexOf(e), e.input);
        return;
      case "response.completed":
      case "response.incomplete":
        this.terminal(e);
        return;
      case "response.failed":
        this.fail(responseError(e.response?.error, "Copilot reported the response as failed"));
        return;
      case "error":
        this.fail(responseError(e.error && typeof e.error === "object" ? e.error : e, "Copilot reported an error in the stream"));
        return;
      default:
        // .done events whose content the item's .done repeats, annotations, logprobs, hosted-tool
        // progress, reasoning_text (raw chain of thought, which Copilot doesn't send): nothing to add.
        return;
    }
  }

  private indexOf(e: ResponsesEventWire): number {
    return typeof e.output_index === "number" ? e.output_index : -1;
  }

  private added(index: number, wire: ResponsesOutputItemWire): void {
    const known = this.items.get(index);
    if (known && !known.done) return; // a repeated .added: the item is already open
    const item = this.newItem(index, wire);
    this.items.set(index, item);
    switch (item.kind) {
      case "message":
        this.emit(item, { type: "text-start", id: item.irId });
        return;
      case "reasoning":
        this.emit(item, { type: "reasoning-start", id: item.irId });
        return;
      case "tool":
        this.startTool(item);
        return;
      case "ignored":
        return;
      default: {
        const never: never = item.kind;
        return never;
      }
    }
  }

  private newItem(index: number, wire: ResponsesOutputItemWire): Item {
    const item: Item = { index, kind: "ignored", irId: "", text: "", custom: false, wrapped: false, refusal: false, started: false, done: false, held: [] };
    switch (wire.type) {
      case "message":
        item.kind = "message";
        item.irId = `text-${this.textSeq++}`;
        break;
      case "reasoning":
        item.kind = "reasoning";
        item.irId = `reasoning-${this.reasoningSeq++}`;
        break;
      case "function_call":
      case "custom_tool_call": {
        item.kind = "tool";
        const name = nonEmpty(wire.name);
        if (name) item.name = name;
        const callId = nonEmpty(wire.call_id);
        if (callId) item.callId = callId;
        item.custom = wire.type === "custom_tool_call" || (name !== undefined && this.customTools.has(name));
        item.wrapped = wire.type === "function_call" && item.custom;
        break;
      }
      default:
        break;
    }
    return item;
  }

  /** The item at `index`, for a delta event; a delta for an unannounced index opens one of `kind`. */
  private itemFor(index: number, kind: "message" | "reasoning" | "tool"): Item | undefined {
    const item = this.items.get(index);
    if (item) return item.done || item.kind !== kind ? undefined : item;
    if (kind === "tool") return undefined; // no name, no call: nothing anyone could run
    this.added(index, { type: kind });
    return this.items.get(index);
  }

  /** A delta of a message's text or of a reasoning item's summary. */
  private textDelta(index: number, kind: "message" | "reasoning", delta: unknown): void {
    if (typeof delta !== "string" || !delta) return;
    const item = this.itemFor(index, kind);
    if (item) this.addText(item, delta);
  }

  /** Text for a message or reasoning item: kept, and out as its block's delta. */
  private addText(item: Item, delta: string): void {
    item.text += delta;
    this.emit(item, item.kind === "reasoning" ? { type: "reasoning-delta", id: item.irId, delta } : { type: "text-delta", id: item.irId, delta });
  }

  private summaryPart(index: number, summaryIndex: unknown): void {
    const item = this.itemFor(index, "reasoning");
    if (!item || typeof summaryIndex !== "number") return;
    // A new summary part after text: the parts read as paragraphs of one reasoning block.
    if (item.summaryIndex !== undefined && summaryIndex !== item.summaryIndex && item.text) this.addText(item, "\n\n");
    item.summaryIndex = summaryIndex;
  }

  private toolDelta(index: number, delta: unknown): void {
    if (typeof delta !== "string" || !delta) return;
    const item = this.itemFor(index, "tool");
    if (!item) return;
    item.text += delta;
    // Wrapped custom input is JSON until unwrapped at the end; everything else streams as it comes.
    if (item.started && !item.wrapped) this.emit(item, { type: "tool-input-delta", id: item.callId!, delta });
  }

  /** The complete argument/input text (`….done` events): authoritative when nothing was streamed. */
  private toolFinal(index: number, final: unknown): void {
    const item = this.items.get(index);
    if (!item || item.kind !== "tool" || item.done || typeof final !== "string") return;
    if (!item.text && final) {
      item.text = final;
      if (item.started && !item.wrapped) this.emit(item, { type: "tool-input-delta", id: item.callId!, delta: final });
    }
  }

  private itemDone(index: number, wire: ResponsesOutputItemWire): void {
    let item = this.items.get(index);
    if (!item || item.done) {
      // A .done with no .added (or a second item at a used index): the item in one piece.
      this.added(index, wire);
      item = this.items.get(index)!;
    }
    this.closeItem(item, wire);
  }

  /**
   * An item's end part, after which it is done: on its `.done` (`wire`, the item as it stands
   * finished), or when the response ends with the item still open (no `wire`: closed as it stands).
   */
  private closeItem(item: Item, wire?: ResponsesOutputItemWire): void {
    switch (item.kind) {
      case "message": {
        const final = wire ? messageText(wire) : "";
        // Nothing streamed: the item's own text (a replayed non-streaming answer).
        if (!item.text && final) this.addText(item, final);
        if (Array.isArray(wire?.content) && wire.content.some((p) => p?.type === "refusal")) this.refused = true;
        this.emit(item, { type: "text-end", id: item.irId });
        break;
      }
      case "reasoning": {
        const final = wire ? summaryText(wire) : "";
        if (!item.text && final) this.addText(item, final);
        const end: Extract<StreamPart, { type: "reasoning-end" }> = { type: "reasoning-end", id: item.irId, origin: "openai-responses" };
        if (typeof wire?.id === "string" && wire.id) end.itemId = wire.id;
        // Byte-exact: Copilot refuses content that changed by a single byte (cao#376).
        if (typeof wire?.encrypted_content === "string" && wire.encrypted_content) end.encryptedContent = wire.encrypted_content;
        this.emit(item, end);
        break;
      }
      case "tool": {
        if (wire) {
          if (!item.name) item.name = nonEmpty(wire.name);
          if (!item.callId) item.callId = nonEmpty(wire.call_id);
          this.toolFinal(item.index, item.wrapped || wire.type === "function_call" ? wire.arguments : wire.input);
        }
        this.endTool(item);
        break;
      }
      case "ignored":
        break;
      default: {
        const never: never = item.kind;
        return never;
      }
    }
    this.finishItem(item);
  }

  private startTool(item: Item): void {
    if (item.started || !item.name) return;
    if (!item.callId) item.callId = this.newCallId();
    const start: Extract<StreamPart, { type: "tool-input-start" }> = { type: "tool-input-start", id: item.callId, name: item.name };
    if (item.custom) start.custom = true;
    this.emit(item, start);
    item.started = true;
    // Arguments that arrived before the name: out now, as one delta.
    if (item.text && !item.wrapped) this.emit(item, { type: "tool-input-delta", id: item.callId, delta: item.text });
  }

  private endTool(item: Item): void {
    // A call that never got a name can't be run by anyone: dropped.
    if (!item.name) return;
    this.startTool(item);
    let input: string;
    if (item.wrapped) {
      input = unwrapCustomInput(item.text);
      if (input) this.emit(item, { type: "tool-input-delta", id: item.callId!, delta: input });
    } else if (item.custom) {
      input = item.text;
    } else {
      // Empty, "[]", non-object or broken JSON → "{}" (T5/T6).
      input = objectArguments(item.text);
    }
    this.emit(item, { type: "tool-input-end", id: item.callId!, input });
    this.toolCalls++;
  }

  /** Items still open at the end of the answer (an incomplete response): closed as they stand. */
  private closeOpenItems(): void {
    const open = [...this.items.values()].filter((i) => !i.done).sort((a, b) => a.index - b.index);
    for (const item of open) this.closeItem(item);
  }

  private terminal(e: ResponsesEventWire): void {
    this.ensureStart(e.response);
    this.closeOpenItems();
    const response = e.response && typeof e.response === "object" ? e.response : {};
    const usage: Usage = decodeResponsesUsage(response.usage) ?? {};
    // Copilot puts copilot_usage next to `response` on the terminal event (copilot-upstream.md 6).
    const cost = copilotUsageOf(e);
    if (cost !== undefined) usage.nanoAiu = cost;
    const status = typeof response.status === "string" ? response.status : e.type === "response.incomplete" ? "incomplete" : "completed";
    const incomplete = response.incomplete_details?.reason ?? undefined;
    let reason = mapResponsesStatus(status, incomplete, this.toolCalls > 0);
    if (this.refused && reason === "stop") reason = "refusal";
    const finish: Extract<StreamPart, { type: "finish" }> = { type: "finish", reason, usage };
    const raw = status === "incomplete" && incomplete ? incomplete : status;
    if (raw) finish.raw = raw;
    this.out.push(finish);
    this.over = true;
  }

  // ---- block ordering ----

  private emit(item: Item, part: StreamPart): void {
    this.ensureStart();
    if (!this.live) this.live = item;
    if (this.live === item) {
      this.out.push(part);
      return;
    }
    if (item.held.length === 0 && !this.queue.includes(item)) this.queue.push(item);
    item.held.push(part);
  }

  private finishItem(item: Item): void {
    item.done = true;
    if (this.live !== item) return;
    this.live = undefined;
    // Held items: done ones go out whole, the first open one becomes live.
    while (!this.live && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.out.push(...next.held);
      next.held = [];
      if (!next.done) this.live = next;
    }
  }

  // ---- output ----

  private ensureStart(response?: ResponsesEventWire["response"]): void {
    if (this.started) return;
    this.started = true;
    const start: Extract<StreamPart, { type: "start" }> = { type: "start" };
    if (response && typeof response === "object") {
      if (typeof response.id === "string" && response.id) start.id = response.id;
      if (typeof response.model === "string" && response.model) start.model = response.model;
    }
    this.out.push(start);
  }

  private fail(error: ApiError): void {
    this.ensureStart();
    this.out.push({ type: "error", error });
    this.over = true;
  }
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value ? value : undefined;
}

function messageText(item: ResponsesOutputItemWire): string {
  if (!Array.isArray(item.content)) return "";
  return item.content
    .map((p) => (p?.type === "output_text" && typeof p.text === "string" ? p.text : p?.type === "refusal" && typeof p.refusal === "string" ? p.refusal : ""))
    .join("");
}

function summaryText(item: ResponsesOutputItemWire): string {
  if (!Array.isArray(item.summary)) return "";
  return item.summary
    .map((p) => (typeof p?.text === "string" ? p.text : ""))
    .filter((t) => t)
    .join("\n\n");
}

function upstreamError(message: string, code: string): ApiError {
  return fromUpstream(502, new Headers(), JSON.stringify({ error: { message, code } }));
}

/**
 * The HTTP status an in-stream error code stands for. Codes from OpenAI's Responses errors and
 * Copilot's WebSocket errors (copilot-upstream.md 6); anything else is a 502 (the upstream failed).
 */
const STATUS_BY_CODE: Record<string, number> = {
  rate_limit_exceeded: 429,
  rate_limited: 429,
  insufficient_quota: 402,
  quota_exceeded: 402,
  context_length_exceeded: 400,
  request_too_large: 413,
  invalid_prompt: 400,
  bad_request: 400,
  invalid_request_error: 400,
  content_filter: 400,
  not_found: 404,
  session_expired: 401,
  service_unavailable: 503,
  server_is_overloaded: 503,
  server_error: 502,
  internal_error: 502,
};

/** response.failed's `response.error`, or an `error` event, as an ApiError carrying Copilot's message and code. */
function responseError(wire: ResponsesErrorWire | ResponsesEventWire | null | undefined, fallback: string): ApiError {
  const code = typeof wire?.code === "string" && wire.code ? wire.code : undefined;
  const message = typeof wire?.message === "string" && wire.message ? wire.message : fallback;
  const status = (code && STATUS_BY_CODE[code.split(":")[0]!]) || 502;
  const param = typeof wire?.param === "string" ? wire.param : undefined;
  return new ApiError({
    kind: code === "context_length_exceeded" ? "context_window" : kindForStatus(status),
    status,
    message,
    code: code ?? "upstream_error",
    param,
    upstream: true,
  });
}
