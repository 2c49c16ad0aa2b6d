import type { ApiError } from "../../errors.js";
import type { StreamPart, Usage } from "../../ir/stream.js";
import { formatSse } from "../../sse/sse-encoder.js";
import {
  messageItem,
  outputText,
  randomResponsesId,
  reasoningItem,
  reasoningState,
  responseErrorBody,
  responseObject,
  terminalFields,
  toolCallItem,
  type NewResponsesId,
  type OutputItem,
} from "./encode-response.js";

export interface ResponsesStreamEncoderOptions {
  /** The model name the client asked for, echoed in every response object. */
  model: string;
  responseId?: string;
  /** Reported as the final usage's input_tokens when the upstream reported none. */
  inputTokensEstimate?: number;
  /** Unix seconds for `created_at`; defaults to now. */
  createdAt?: number;
  newId?: NewResponsesId;
  /** Called with the finished response object (completed or incomplete) before it is written. */
  onResponse?: (response: Record<string, unknown>) => void;
}

/** The item being written, by kind. */
type OpenItem =
  | { kind: "message"; irId: string; id: string; index: number; text: string }
  | { kind: "reasoning"; irId: string; id: string; index: number; text: string; summaryOpen: boolean }
  | { kind: "tool"; irId: string; id: string; index: number; callId: string; name: string; custom: boolean; sent: boolean };

/** A text or reasoning block announced by the IR but not yet on the wire (no content yet). */
type PendingBlock = { kind: "text"; irId: string } | { kind: "reasoning"; irId: string; itemId?: string };

/**
 * IR stream parts → the Responses SSE event sequence Codex and the openai SDK accept
 * (real-clients.md 2.2 "Events Codex needs", 3): every frame is `event: <type>` + `data:` JSON with
 * `type` and a monotonically increasing `sequence_number`.
 *
 *   response.created, response.in_progress,
 *   per block one output item, in order (output_index 0, 1, …):
 *     text      → output_item.added (message) · content_part.added · output_text.delta* ·
 *                 output_text.done · content_part.done · output_item.done
 *     reasoning → output_item.added (reasoning) · reasoning_summary_part.added ·
 *                 reasoning_summary_text.delta* · reasoning_summary_text.done ·
 *                 reasoning_summary_part.done · output_item.done (id and encrypted_content when known)
 *     tool call → output_item.added (function_call) · function_call_arguments.delta* ·
 *                 function_call_arguments.done · output_item.done
 *     custom    → output_item.added (custom_tool_call) · custom_tool_call_input.delta* ·
 *                 custom_tool_call_input.done · output_item.done: Codex gets the raw patch text
 *                 (known-failures case 34)
 *   then response.completed (usage, all output items), response.incomplete for a length stop, or
 *   response.failed for an error, and nothing after it.
 *
 * Text and reasoning items open lazily, at their first content, so an empty IR block never becomes
 * an empty item; a reasoning block with no text but with state still becomes an item at its end, as
 * the state is what the next turn needs. A step class: `encode(part)` returns frames, no I/O.
 */
export class ResponsesStreamEncoder {
  finished = false;
  private seq = 0;
  private started = false;
  private readonly responseId: string;
  private readonly createdAt: number;
  private readonly newId: NewResponsesId;
  private readonly output: OutputItem[] = [];
  private open?: OpenItem;
  private pending?: PendingBlock;
  private usage: Usage = {};

  constructor(private readonly opts: ResponsesStreamEncoderOptions) {
    this.newId = opts.newId ?? randomResponsesId;
    this.responseId = opts.responseId ?? this.newId("resp");
    this.createdAt = opts.createdAt ?? Math.floor(Date.now() / 1000);
  }

  /** Whether any output item reached the client: from then on, retrying the upstream call would duplicate output. */
  get hasContent(): boolean {
    return this.output.length > 0;
  }

  /** An SSE comment: valid SSE that every client ignores. */
  ping(): string {
    return ": ping\n\n";
  }

  encode(part: StreamPart): string[] {
    if (this.finished) return [];
    const out: string[] = [];
    if (!this.started) this.begin(out);
    switch (part.type) {
      case "start":
        if (part.usage) this.usage = { ...this.usage, ...part.usage };
        return out;
      case "text-start":
        this.close(out);
        this.pending = { kind: "text", irId: part.id };
        return out;
      case "text-delta": {
        if (!part.delta) return out;
        let item = this.open;
        if (!(item?.kind === "message" && item.irId === part.id)) {
          this.close(out);
          item = this.openMessage(part.id, out);
        }
        item.text += part.delta;
        this.frame(out, "response.output_text.delta", { item_id: item.id, output_index: item.index, content_index: 0, delta: part.delta, logprobs: [] });
        return out;
      }
      case "text-end":
        if (this.open?.kind === "message" && this.open.irId === part.id) this.close(out);
        if (this.pending?.irId === part.id) this.pending = undefined;
        return out;
      case "reasoning-start":
        this.close(out);
        this.pending = { kind: "reasoning", irId: part.id, itemId: part.itemId };
        return out;
      case "reasoning-delta": {
        if (!part.delta) return out;
        let item = this.open;
        if (!(item?.kind === "reasoning" && item.irId === part.id)) {
          this.close(out);
          item = this.openReasoning(part.id, undefined, out);
        }
        if (!item.summaryOpen) {
          item.summaryOpen = true;
          this.frame(out, "response.reasoning_summary_part.added", { item_id: item.id, output_index: item.index, summary_index: 0, part: { type: "summary_text", text: "" } });
        }
        item.text += part.delta;
        this.frame(out, "response.reasoning_summary_text.delta", { item_id: item.id, output_index: item.index, summary_index: 0, delta: part.delta });
        return out;
      }
      case "reasoning-end": {
        const state = reasoningState(part);
        let item = this.open?.kind === "reasoning" && this.open.irId === part.id ? this.open : undefined;
        if (!item) {
          if (this.pending?.irId === part.id) this.pending = undefined;
          if (state === undefined) return out;
          // State only (no visible text): an item of its own, so the next turn can send it back.
          this.close(out);
          item = this.openReasoning(part.id, part.origin === "openai-responses" ? part.itemId : undefined, out);
        }
        this.closeReasoning(item, part.origin === "openai-responses" ? part.itemId : undefined, state, out);
        return out;
      }
      case "tool-input-start": {
        this.close(out);
        const custom = part.custom === true;
        const item: OpenItem = { kind: "tool", irId: part.id, id: this.newId(custom ? "ctc" : "fc"), index: this.output.length, callId: part.id, name: part.name, custom, sent: false };
        this.open = item;
        this.addItem(out, toolCallItem(item.id, item, undefined));
        return out;
      }
      case "tool-input-delta": {
        const item = this.open;
        if (item?.kind !== "tool" || item.irId !== part.id || !part.delta) return out;
        item.sent = true;
        this.toolDelta(item, part.delta, out);
        return out;
      }
      case "tool-input-end": {
        const item = this.open;
        if (item?.kind !== "tool" || item.irId !== part.id) return out;
        // Nothing streamed: the whole input as one delta, for clients that read deltas only.
        if (!item.sent && part.input) this.toolDelta(item, part.input, out);
        if (item.custom) this.frame(out, "response.custom_tool_call_input.done", { item_id: item.id, output_index: item.index, input: part.input });
        else this.frame(out, "response.function_call_arguments.done", { item_id: item.id, output_index: item.index, arguments: part.input });
        this.doneItem(out, item.index, toolCallItem(item.id, item, part.input));
        this.open = undefined;
        return out;
      }
      case "usage":
        this.usage = { ...this.usage, ...part.usage };
        return out;
      case "finish": {
        this.close(out);
        this.usage = { ...this.usage, ...part.usage };
        const fields = terminalFields(part.reason, this.usage, this.opts.inputTokensEstimate);
        const type = fields.status === "incomplete" ? "response.incomplete" : "response.completed";
        const response = this.response({ ...fields });
        this.opts.onResponse?.(response);
        this.frame(out, type, { response });
        this.finished = true;
        return out;
      }
      case "error":
        // No item closing: the response failed where it stood. Codex reads response.error.code
        // (context_length_exceeded, insufficient_quota, rate_limit_exceeded) to decide what to do.
        this.frame(out, "response.failed", { response: this.response({ status: "failed", usage: null, error: responseErrorBody(part.error) }) });
        this.finished = true;
        return out;
      default: {
        const never: never = part;
        return never;
      }
    }
  }

  // ---- items ----

  private openMessage(irId: string, out: string[]): Extract<OpenItem, { kind: "message" }> {
    if (this.pending?.irId === irId) this.pending = undefined;
    const item: Extract<OpenItem, { kind: "message" }> = { kind: "message", irId, id: this.newId("msg"), index: this.output.length, text: "" };
    this.open = item;
    this.addItem(out, messageItem(item.id, undefined));
    this.frame(out, "response.content_part.added", { item_id: item.id, output_index: item.index, content_index: 0, part: outputText("") });
    return item;
  }

  private openReasoning(irId: string, itemId: string | undefined, out: string[]): Extract<OpenItem, { kind: "reasoning" }> {
    const pendingId = this.pending?.kind === "reasoning" && this.pending.irId === irId ? this.pending.itemId : undefined;
    if (this.pending?.irId === irId) this.pending = undefined;
    // An item id is only echoed when it is a Responses id (see reasoningItemId).
    const id = itemId ?? pendingId ?? this.newId("rs");
    const item: Extract<OpenItem, { kind: "reasoning" }> = { kind: "reasoning", irId, id, index: this.output.length, text: "", summaryOpen: false };
    this.open = item;
    this.addItem(out, reasoningItem(item.id, "", undefined));
    return item;
  }

  /**
   * `finalId`: the Responses item id a decoder reports at the block's end (Copilot's ids rotate and
   * only the `.done` one is final, copilot-responses-stream-id-rotation). It names the finished
   * item, next to the encrypted content it belongs with; the openai SDK and Codex both take the
   * item from output_item.done.
   */
  private closeReasoning(item: Extract<OpenItem, { kind: "reasoning" }>, finalId: string | undefined, state: string | undefined, out: string[]): void {
    if (item.summaryOpen) {
      this.frame(out, "response.reasoning_summary_text.done", { item_id: item.id, output_index: item.index, summary_index: 0, text: item.text });
      this.frame(out, "response.reasoning_summary_part.done", { item_id: item.id, output_index: item.index, summary_index: 0, part: { type: "summary_text", text: item.text } });
    }
    this.doneItem(out, item.index, reasoningItem(finalId ?? item.id, item.text, state));
    this.open = undefined;
  }

  private toolDelta(item: Extract<OpenItem, { kind: "tool" }>, delta: string, out: string[]): void {
    if (item.custom) this.frame(out, "response.custom_tool_call_input.delta", { item_id: item.id, output_index: item.index, delta });
    else this.frame(out, "response.function_call_arguments.delta", { item_id: item.id, output_index: item.index, delta });
  }

  /**
   * Closes whatever item is open. The IR contract says a block ends before the next starts; this
   * guards against a decoder that forgot to: a text item is completed, a reasoning item is closed
   * without state, a tool call gets its streamed input as its final one.
   */
  private close(out: string[]): void {
    const item = this.open;
    if (!item) return;
    switch (item.kind) {
      case "message":
        this.frame(out, "response.output_text.done", { item_id: item.id, output_index: item.index, content_index: 0, text: item.text, logprobs: [] });
        this.frame(out, "response.content_part.done", { item_id: item.id, output_index: item.index, content_index: 0, part: outputText(item.text) });
        this.doneItem(out, item.index, messageItem(item.id, item.text));
        break;
      case "reasoning":
        this.closeReasoning(item, undefined, undefined, out);
        break;
      case "tool": {
        const input = item.custom ? "" : "{}";
        if (item.custom) this.frame(out, "response.custom_tool_call_input.done", { item_id: item.id, output_index: item.index, input });
        else this.frame(out, "response.function_call_arguments.done", { item_id: item.id, output_index: item.index, arguments: input });
        this.doneItem(out, item.index, toolCallItem(item.id, item, input));
        break;
      }
      default: {
        const never: never = item;
        return never;
      }
    }
    this.open = undefined;
  }

  private addItem(out: string[], item: OutputItem): void {
    this.output.push(item);
    this.frame(out, "response.output_item.added", { output_index: this.output.length - 1, item });
  }

  private doneItem(out: string[], index: number, item: OutputItem): void {
    this.output[index] = item;
    this.frame(out, "response.output_item.done", { output_index: index, item });
  }

  // ---- frames ----

  private begin(out: string[]): void {
    this.started = true;
    const response = this.response({ status: "in_progress", usage: null });
    this.frame(out, "response.created", { response });
    this.frame(out, "response.in_progress", { response });
  }

  private response(fields: { status: "in_progress" | "completed" | "incomplete" | "failed"; usage: ReturnType<typeof terminalFields>["usage"] | null; incompleteDetails?: { reason: string } | null; error?: { code: string; message: string } }) {
    return responseObject({ id: this.responseId, model: this.opts.model, createdAt: this.createdAt, output: [...this.output], ...fields });
  }

  private frame(out: string[], type: string, payload: Record<string, unknown>): void {
    out.push(formatSse(JSON.stringify({ type, sequence_number: this.seq++, ...payload }), type));
  }
}

/**
 * An error before any stream frame was written (or instead of a stream): OpenAI's Responses `error`
 * event, `{type:"error", code, message, param, sequence_number}`.
 */
export function encodeResponsesErrorFrame(error: ApiError, sequenceNumber = 0): string {
  const { code, message } = responseErrorBody(error);
  return formatSse(JSON.stringify({ type: "error", sequence_number: sequenceNumber, code, message, param: error.param ?? null }), "error");
}
