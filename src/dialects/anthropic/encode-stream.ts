import type { StreamPart, Usage } from "../../ir/stream.js";
import { formatSse } from "../../sse/sse-encoder.js";
import { encodeAnthropicDeltaUsage, encodeAnthropicUsage } from "./convert-usage.js";
import { encodeAnthropicError } from "./encode-error.js";
import { encodeReasoningBlock, encodeStopReason, encodeToolInput, keepsToolUseId, randomId, type NewId } from "./encode-message.js";
import { encodeThinkingSignature, type AnthropicStreamEvent } from "./wire.js";

export interface AnthropicStreamEncoderOptions {
  /** The model name the client asked for, echoed in message_start. */
  model: string;
  messageId?: string;
  /** Reported as message_start's input_tokens until the upstream tells us (T25: Claude Code reads it there). */
  inputTokensEstimate?: number;
  newId?: NewId;
}

type OpenBlock =
  | { kind: "text"; irId: string; index: number }
  | { kind: "thinking"; irId: string; index: number; itemId?: string }
  | {
      kind: "tool";
      irId: string;
      index: number;
      /** Argument text already sent to the client. */
      sent: string;
      /** Argument text held back until it is known to start an object. */
      held: string;
    };

/** A text or reasoning block announced by the IR but not yet opened on the wire (no content yet). */
type PendingBlock = { kind: "text"; irId: string } | { kind: "reasoning"; irId: string; itemId?: string };

const frame = (event: AnthropicStreamEvent): string => formatSse(JSON.stringify(event), event.type);

/**
 * IR stream parts → Anthropic SSE frames, in the order the strict @anthropic-ai/sdk MessageStream
 * accepts (real-clients.md §4): message_start (with usage) once and first, then content blocks with
 * consecutive indexes, each content_block_start → deltas → content_block_stop, then message_delta
 * (with usage) and message_stop; or `event: error` and nothing after it.
 *
 * Text and thinking blocks are opened lazily, at their first non-empty content, so an empty IR
 * block never becomes an empty Anthropic block. A step function in the manner of the other
 * encoders: `encode(part)` returns the frames to write, and holds no I/O.
 */
export class AnthropicStreamEncoder {
  finished = false;
  private started = false;
  private nextIndex = 0;
  private open?: OpenBlock;
  private pending?: PendingBlock;
  private usage: Usage = {};
  private toolBlocks = 0;
  private readonly newId: NewId;

  constructor(private readonly opts: AnthropicStreamEncoderOptions) {
    this.newId = opts.newId ?? randomId;
  }

  /** Whether any content block reached the client: from then on, retrying the upstream call would duplicate output. */
  get hasContent(): boolean {
    return this.nextIndex > 0;
  }

  /** A keep-alive event. Its data must be JSON: `@ai-sdk` clients parse every data line (case 39). */
  ping(): string {
    return frame({ type: "ping" });
  }

  encode(part: StreamPart): string[] {
    if (this.finished) return [];
    const out: string[] = [];
    if (part.type === "error") {
      // No block closing and no message_stop: the SDK turns this event into an APIError, and
      // Claude Code shows it instead of waiting (T10, case 26).
      out.push(formatSse(JSON.stringify(encodeAnthropicError(part.error)), "error"));
      this.finished = true;
      return out;
    }
    if (!this.started) this.begin(part, out);

    switch (part.type) {
      case "start":
        return out;
      case "text-start":
        this.close(out);
        this.pending = { kind: "text", irId: part.id };
        return out;
      case "text-delta":
        if (part.delta === "") return out;
        if (!(this.open?.kind === "text" && this.open.irId === part.id)) {
          this.close(out);
          this.open = { kind: "text", irId: part.id, index: this.startBlock(out, { type: "text", text: "" }) };
        }
        out.push(frame({ type: "content_block_delta", index: this.open.index, delta: { type: "text_delta", text: part.delta } }));
        return out;
      case "text-end":
        if (this.open?.kind === "text" && this.open.irId === part.id) this.close(out);
        if (this.pending?.irId === part.id) this.pending = undefined;
        return out;
      case "reasoning-start":
        this.close(out);
        this.pending = { kind: "reasoning", irId: part.id, itemId: part.itemId };
        return out;
      case "reasoning-delta":
        if (part.delta === "") return out;
        if (!(this.open?.kind === "thinking" && this.open.irId === part.id)) {
          const itemId = this.pending?.kind === "reasoning" && this.pending.irId === part.id ? this.pending.itemId : undefined;
          this.close(out);
          const index = this.startBlock(out, { type: "thinking", thinking: "", signature: "" });
          this.open = { kind: "thinking", irId: part.id, index, itemId };
        }
        out.push(frame({ type: "content_block_delta", index: this.open.index, delta: { type: "thinking_delta", thinking: part.delta } }));
        return out;
      case "reasoning-end":
        this.endReasoning(part, out);
        return out;
      case "tool-input-start": {
        this.close(out);
        const id = keepsToolUseId(part.id) ? part.id : this.newId("toolu");
        const index = this.startBlock(out, { type: "tool_use", id, name: part.name, input: {} });
        this.open = { kind: "tool", irId: part.id, index, sent: "", held: "" };
        this.toolBlocks++;
        return out;
      }
      case "tool-input-delta":
        if (this.open?.kind === "tool" && this.open.irId === part.id) this.toolDelta(this.open, part.delta, out);
        return out;
      case "tool-input-end":
        if (this.open?.kind === "tool" && this.open.irId === part.id) {
          this.endTool(this.open, part.input, out);
          this.close(out);
        }
        return out;
      case "usage":
        this.usage = { ...this.usage, ...part.usage };
        return out;
      case "finish": {
        this.usage = { ...this.usage, ...part.usage };
        this.close(out);
        const stopReason = encodeStopReason({ finishReason: part.reason, rawFinishReason: part.raw }, this.toolBlocks);
        out.push(
          frame({
            type: "message_delta",
            delta: { stop_reason: stopReason, stop_sequence: null },
            usage: encodeAnthropicDeltaUsage(this.usage),
          }),
        );
        out.push(frame({ type: "message_stop" }));
        this.finished = true;
        return out;
      }
      default: {
        const never: never = part;
        return never;
      }
    }
  }

  /** message_start, at the first part whatever it is (normally `start`). */
  private begin(part: StreamPart, out: string[]): void {
    this.started = true;
    let upstreamId: string | undefined;
    if (part.type === "start") {
      if (part.usage) this.usage = { ...this.usage, ...part.usage };
      upstreamId = part.id;
    }
    const id = this.opts.messageId ?? (upstreamId?.startsWith("msg_") ? upstreamId : this.newId("msg"));
    out.push(
      frame({
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model: this.opts.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: encodeAnthropicUsage(this.usage, this.opts.inputTokensEstimate),
        },
      }),
    );
  }

  private startBlock(out: string[], block: Extract<AnthropicStreamEvent, { type: "content_block_start" }>["content_block"]): number {
    const index = this.nextIndex++;
    out.push(frame({ type: "content_block_start", index, content_block: block }));
    return index;
  }

  /** Closes the open wire block, if any, and forgets a pending one. */
  private close(out: string[]): void {
    if (this.open) out.push(frame({ type: "content_block_stop", index: this.open.index }));
    this.open = undefined;
    this.pending = undefined;
  }

  private endReasoning(part: Extract<StreamPart, { type: "reasoning-end" }>, out: string[]): void {
    const state = {
      signature: part.signature,
      redactedData: part.redactedData,
      encryptedContent: part.encryptedContent,
      origin: part.origin,
    };
    if (this.open?.kind === "thinking" && this.open.irId === part.id) {
      const signature = encodeThinkingSignature({ ...state, itemId: part.itemId ?? this.open.itemId });
      if (signature !== undefined) {
        out.push(frame({ type: "content_block_delta", index: this.open.index, delta: { type: "signature_delta", signature } }));
      }
      this.close(out);
      return;
    }
    if (!(this.pending?.kind === "reasoning" && this.pending.irId === part.id)) return;
    // No visible text: the block exists on the wire only if it carries state to round-trip.
    const block = encodeReasoningBlock({ text: "", ...state, itemId: part.itemId ?? this.pending.itemId });
    this.pending = undefined;
    if (!block) return;
    if (block.type === "redacted_thinking") {
      const index = this.startBlock(out, block);
      out.push(frame({ type: "content_block_stop", index }));
      return;
    }
    const index = this.startBlock(out, { type: "thinking", thinking: "", signature: "" });
    out.push(frame({ type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } }));
    out.push(frame({ type: "content_block_stop", index }));
  }

  /**
   * Argument text is streamed as it comes once it is known to start an object. Anything else
   * ("", "[]", a bare string: T5/T6) is held back, so that at the end the normalised object can be
   * sent as the only delta and the client's concatenation parses to it.
   */
  private toolDelta(open: Extract<OpenBlock, { kind: "tool" }>, delta: string, out: string[]): void {
    if (delta === "") return;
    if (open.sent === "") {
      open.held += delta;
      const head = open.held.trimStart();
      if (head === "" || !head.startsWith("{")) return;
      delta = open.held;
      open.held = "";
    }
    open.sent += delta;
    out.push(frame({ type: "content_block_delta", index: open.index, delta: { type: "input_json_delta", partial_json: delta } }));
  }

  /**
   * The normalised input decides. When nothing was sent, it is sent whole. When an object prefix
   * was sent, it normally parses to the same object; if the upstream's text was a broken object
   * (cut off by max_tokens), what was sent can't be taken back, which matches what Anthropic
   * itself streams in that case.
   */
  private endTool(open: Extract<OpenBlock, { kind: "tool" }>, input: string, out: string[]): void {
    if (open.sent !== "") return;
    const json = JSON.stringify(encodeToolInput(input));
    out.push(frame({ type: "content_block_delta", index: open.index, delta: { type: "input_json_delta", partial_json: json } }));
    open.sent = json;
  }
}
