import { copilotUsageOf } from "../../cost/decode-copilot-usage.js";
import { ApiError, type ErrorKind } from "../../errors.js";
import type { Request } from "../../ir/request.js";
import type { StreamPart, Usage } from "../../ir/stream.js";
import { decodeAnthropicUsage } from "./convert-usage.js";
import { mapStopReason } from "./map-stop-reason.js";

/**
 * Anthropic SSE events (Copilot's native /v1/messages) → IR stream parts.
 *
 * Copilot's stream has extras beyond Anthropic's (copilot-upstream.md §7): a trailing
 * `data: [DONE]` (dropped), `copilot_usage`/`copilot_annotations`/`stop_details` fields (never
 * read), and server-tool blocks such as tool_search_tool_result (skipped with their deltas).
 *
 * Block ids in the IR: text and reasoning blocks are keyed by their wire index; tool blocks by
 * their tool_use id, since the IR's tool-call id is the block id.
 */

type Block =
  | { kind: "text"; id: string }
  | { kind: "reasoning"; id: string; signature?: string; redactedData?: string }
  | { kind: "tool"; id: string; json: string; custom: boolean }
  | { kind: "skipped" };

export interface AnthropicStreamDecoderOptions {
  /**
   * Names of the request's custom (free-form) tools. encodeAnthropicRequest sends them as tools
   * taking `{"input": "<raw>"}`; their calls are unwrapped back to raw text here, whole at the end.
   */
  customTools?: Iterable<string>;
}

/** The decoder options a request implies: `new AnthropicStreamDecoder(anthropicDecoderOptions(req))`. */
export function anthropicDecoderOptions(req: Pick<Request, "tools">): AnthropicStreamDecoderOptions {
  return { customTools: req.tools.filter((t) => t.type === "custom").map((t) => t.name) };
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const ERROR_KINDS: Record<string, [ErrorKind, number]> = {
  invalid_request_error: ["invalid_request", 400],
  authentication_error: ["authentication", 401],
  billing_error: ["quota", 402],
  permission_error: ["permission", 403],
  not_found_error: ["not_found", 404],
  request_too_large: ["payload_too_large", 413],
  rate_limit_error: ["rate_limit", 429],
  api_error: ["upstream", 500],
  timeout_error: ["timeout", 504],
  overloaded_error: ["overloaded", 529],
};

/** An Anthropic error body (`{type:"error", error:{type, message}}`) as an ApiError. */
export function decodeAnthropicError(body: unknown): ApiError {
  const inner = isObject(body) && isObject(body.error) ? body.error : {};
  const type = typeof inner.type === "string" ? inner.type : "api_error";
  const message = typeof inner.message === "string" && inner.message ? inner.message : `Copilot reported ${type}`;
  let [kind, status] = ERROR_KINDS[type] ?? (["upstream", 500] as [ErrorKind, number]);
  // Anthropic's wording for an over-long prompt; Claude Code compacts on it (case 22).
  if (kind === "invalid_request" && /prompt is too long|context window/i.test(message)) kind = "context_window";
  return new ApiError({ kind, status, message, code: type, upstream: true });
}

export class AnthropicStreamDecoder {
  private started = false;
  private finished = false;
  private open?: { index: number; block: Block };
  private stopReason?: string | null;
  private wireUsage: Obj = {};
  /** copilot_usage.total_nano_aiu, from message_delta. */
  private nanoAiu?: number;
  private toolBlocks = 0;
  private readonly customTools: Set<string>;

  constructor(options: AnthropicStreamDecoderOptions = {}) {
    this.customTools = new Set(options.customTools ?? []);
  }

  private usage(): Usage {
    const usage = decodeAnthropicUsage(this.wireUsage);
    if (this.nanoAiu !== undefined) usage.nanoAiu = this.nanoAiu;
    return usage;
  }

  /** One SSE event as parsed by the SSE layer. */
  push(event: { event?: string; data: string }): StreamPart[] {
    if (this.finished) return [];
    const data = event.data.trim();
    if (data === "" || data === "[DONE]") return [];
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      // A plain-text error event still says what went wrong; anything else is a broken stream.
      return this.fail(
        event.event === "error"
          ? new ApiError({ kind: "upstream", status: 502, message: data, code: "upstream_error", upstream: true })
          : new ApiError({ kind: "upstream", status: 502, message: "Copilot sent a malformed stream event", code: "malformed_stream", upstream: true }),
      );
    }
    if (!isObject(json)) return [];
    if (event.event === "error") return this.pushEvent({ ...json, type: "error" });
    return this.pushEvent(json);
  }

  /** One already-parsed event (what `push` does after JSON.parse). */
  pushEvent(ev: Obj): StreamPart[] {
    const out: StreamPart[] = [];
    if (this.finished) return out;
    switch (ev.type) {
      case "message_start": {
        if (this.started) return out;
        const message = isObject(ev.message) ? ev.message : {};
        if (isObject(message.usage)) this.wireUsage = { ...this.wireUsage, ...message.usage };
        this.started = true;
        const start: Extract<StreamPart, { type: "start" }> = { type: "start", usage: decodeAnthropicUsage(this.wireUsage) };
        if (typeof message.id === "string") start.id = message.id;
        if (typeof message.model === "string") start.model = message.model;
        out.push(start);
        return out;
      }
      case "content_block_start":
        this.ensureStarted(out);
        this.startBlock(ev, out);
        return out;
      case "content_block_delta":
        this.delta(ev, out);
        return out;
      case "content_block_stop":
        if (this.open && this.open.index === ev.index) this.close(out);
        return out;
      case "message_delta": {
        this.ensureStarted(out);
        const delta = isObject(ev.delta) ? ev.delta : {};
        if (typeof delta.stop_reason === "string" || delta.stop_reason === null) this.stopReason = delta.stop_reason;
        const cost = copilotUsageOf(ev);
        if (cost !== undefined) this.nanoAiu = cost;
        if (isObject(ev.usage) || cost !== undefined) {
          if (isObject(ev.usage)) this.wireUsage = { ...this.wireUsage, ...ev.usage };
          out.push({ type: "usage", usage: this.usage() });
        }
        return out;
      }
      case "message_stop":
        this.ensureStarted(out);
        this.finish(out);
        return out;
      case "error":
        return this.fail(decodeAnthropicError(ev));
      default:
        // ping, and whatever Anthropic or Copilot adds next.
        return out;
    }
  }

  /** The upstream closed the stream. */
  end(): StreamPart[] {
    if (this.finished) return [];
    const out: StreamPart[] = [];
    // Claude Code accepts a stream without message_stop (real-clients.md §1.4); so do we, once
    // the stop reason has arrived.
    if (this.started && this.stopReason !== undefined) {
      this.finish(out);
      return out;
    }
    return this.fail(
      new ApiError({
        kind: "network",
        status: 502,
        message: "Copilot closed the stream before the answer was complete",
        code: "stream_truncated",
        upstream: true,
      }),
    );
  }

  private ensureStarted(out: StreamPart[]): void {
    if (this.started) return;
    this.started = true;
    out.push({ type: "start" });
  }

  private startBlock(ev: Obj, out: StreamPart[]): void {
    if (this.open) this.close(out);
    const index = typeof ev.index === "number" ? ev.index : -1;
    const cb = isObject(ev.content_block) ? ev.content_block : {};
    const id = String(index);
    let block: Block;
    switch (cb.type) {
      case "text":
        block = { kind: "text", id };
        out.push({ type: "text-start", id });
        if (typeof cb.text === "string" && cb.text) out.push({ type: "text-delta", id, delta: cb.text });
        break;
      case "thinking":
        block = { kind: "reasoning", id };
        if (typeof cb.signature === "string" && cb.signature) block.signature = cb.signature;
        out.push({ type: "reasoning-start", id });
        if (typeof cb.thinking === "string" && cb.thinking) out.push({ type: "reasoning-delta", id, delta: cb.thinking });
        break;
      case "redacted_thinking":
        block = { kind: "reasoning", id };
        if (typeof cb.data === "string") block.redactedData = cb.data;
        out.push({ type: "reasoning-start", id });
        break;
      case "tool_use": {
        const toolId = typeof cb.id === "string" && cb.id ? cb.id : `toolu_${index}`;
        // Streams start with input {}; a non-streaming message has the whole input here.
        const json = isObject(cb.input) && Object.keys(cb.input).length > 0 ? JSON.stringify(cb.input) : "";
        const name = typeof cb.name === "string" ? cb.name : "";
        const custom = this.customTools.has(name);
        block = { kind: "tool", id: toolId, json, custom };
        this.toolBlocks++;
        out.push(custom ? { type: "tool-input-start", id: toolId, name, custom } : { type: "tool-input-start", id: toolId, name });
        if (json && !custom) out.push({ type: "tool-input-delta", id: toolId, delta: json });
        break;
      }
      default:
        // server_tool_use, *_tool_result: Copilot's server tools, which the IR doesn't model.
        block = { kind: "skipped" };
    }
    this.open = { index, block };
  }

  private delta(ev: Obj, out: StreamPart[]): void {
    if (!this.open || this.open.index !== ev.index || !isObject(ev.delta)) return;
    const block = this.open.block;
    const d = ev.delta;
    switch (block.kind) {
      case "text":
        if (d.type === "text_delta" && typeof d.text === "string" && d.text) out.push({ type: "text-delta", id: block.id, delta: d.text });
        return;
      case "reasoning":
        if (d.type === "thinking_delta" && typeof d.thinking === "string" && d.thinking) {
          out.push({ type: "reasoning-delta", id: block.id, delta: d.thinking });
        } else if (d.type === "signature_delta" && typeof d.signature === "string") {
          // The SDK assigns rather than appends; so do we.
          block.signature = d.signature;
        }
        return;
      case "tool":
        if (d.type === "input_json_delta" && typeof d.partial_json === "string" && d.partial_json) {
          block.json += d.partial_json;
          if (!block.custom) out.push({ type: "tool-input-delta", id: block.id, delta: d.partial_json });
        }
        return;
      case "skipped":
        return;
      default: {
        const never: never = block;
        return never;
      }
    }
  }

  private close(out: StreamPart[]): void {
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    const block = open.block;
    switch (block.kind) {
      case "text":
        out.push({ type: "text-end", id: block.id });
        return;
      case "reasoning": {
        const end: Extract<StreamPart, { type: "reasoning-end" }> = { type: "reasoning-end", id: block.id, origin: "anthropic" };
        if (block.signature) end.signature = block.signature;
        if (block.redactedData !== undefined) end.redactedData = block.redactedData;
        out.push(end);
        return;
      }
      case "tool": {
        if (!block.custom) {
          out.push({ type: "tool-input-end", id: block.id, input: normaliseObjectJson(block.json) });
          return;
        }
        const input = customInput(block.json);
        if (input) out.push({ type: "tool-input-delta", id: block.id, delta: input });
        out.push({ type: "tool-input-end", id: block.id, input });
        return;
      }
      case "skipped":
        return;
      default: {
        const never: never = block;
        return never;
      }
    }
  }

  private finish(out: StreamPart[]): void {
    this.close(out);
    // No stop reason at all (never seen from Anthropic, but cheap to cover): infer it (T9).
    const raw = this.stopReason ?? undefined;
    const reason = raw !== undefined ? mapStopReason(raw) : this.toolBlocks > 0 ? "tool-calls" : "stop";
    const finish: Extract<StreamPart, { type: "finish" }> = { type: "finish", reason, usage: this.usage() };
    if (raw !== undefined) finish.raw = raw;
    out.push(finish);
    this.finished = true;
  }

  private fail(error: ApiError): StreamPart[] {
    this.finished = true;
    return [{ type: "error", error }];
  }
}

/** The IR's tool input: the argument text when it is a JSON object, else "{}" (T5). */
function normaliseObjectJson(json: string): string {
  if (json.trim() === "") return "{}";
  try {
    const parsed: unknown = JSON.parse(json);
    return isObject(parsed) ? json : "{}";
  } catch {
    return "{}";
  }
}

/** A custom tool's raw text from its `{"input": "<raw>"}` arguments; the text itself if not wrapped. */
function customInput(json: string): string {
  try {
    const parsed: unknown = JSON.parse(json);
    if (isObject(parsed) && typeof parsed.input === "string") return parsed.input;
  } catch {
    // not JSON: keep the text as the model wrote it
  }
  return json;
}

/**
 * A non-streaming Anthropic message (or error body) → the same parts a stream of it would give,
 * by replaying it as stream events through the decoder, so both paths share one mapping.
 */
export function decodeAnthropicMessage(json: unknown, options: AnthropicStreamDecoderOptions = {}): StreamPart[] {
  const decoder = new AnthropicStreamDecoder(options);
  if (!isObject(json) || json.type === "error") {
    return decoder.pushEvent({ type: "error", error: isObject(json) && isObject(json.error) ? json.error : { type: "api_error", message: "Copilot sent a malformed message" } });
  }
  const out: StreamPart[] = [];
  out.push(...decoder.pushEvent({ type: "message_start", message: { ...json, content: [] } }));
  const content = Array.isArray(json.content) ? json.content : [];
  content.forEach((block, index) => {
    out.push(...decoder.pushEvent({ type: "content_block_start", index, content_block: block }));
    out.push(...decoder.pushEvent({ type: "content_block_stop", index }));
  });
  out.push(
    ...decoder.pushEvent({
      type: "message_delta",
      delta: { stop_reason: json.stop_reason ?? null, stop_sequence: json.stop_sequence ?? null },
      usage: isObject(json.usage) ? json.usage : {},
    }),
  );
  out.push(...decoder.pushEvent({ type: "message_stop" }));
  return out;
}
