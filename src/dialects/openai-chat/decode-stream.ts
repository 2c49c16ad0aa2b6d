import { copilotUsageOf } from "../../cost/decode-copilot-usage.js";
import { randomUUID } from "node:crypto";
import { type ApiError, fromUpstream } from "../../errors.js";
import { objectArguments } from "../../interceptors/chat/with-object-tool-arguments.js";
import type { Request } from "../../ir/request.js";
import type { StreamPart, Usage } from "../../ir/stream.js";
import { decodeChatUsage } from "./convert-usage.js";
import { mapChatFinishReason } from "./map-finish-reason.js";
import type { ChatChoiceWire, ChatChunkWire, ChatDeltaWire, ChatErrorWire, ChatToolCallDelta } from "./wire.js";

export interface ChatStreamDecoderOptions {
  /**
   * Names of the request's custom (free-form) tools. encodeChatRequest sends them as function tools
   * taking `{"input": "<raw>"}`; their calls are unwrapped back to raw text here.
   */
  customTools?: Iterable<string>;
  /** Id for a tool call whose id never arrived. */
  newCallId?: () => string;
  /**
   * Consecutive whitespace characters in one call's arguments after which the answer is stopped
   * with an error: gpt-5.x can stream whitespace into a tool call until its output limit, and the
   * client then sits "stuck at end of task" (known-failures T10).
   */
  maxWhitespaceRun?: number;
}

/** The decoder options a request implies: `new ChatStreamDecoder(chatDecoderOptions(req))`. */
export function chatDecoderOptions(req: Pick<Request, "tools">): ChatStreamDecoderOptions {
  return { customTools: req.tools.filter((t) => t.type === "custom").map((t) => t.name) };
}

type BlockKind = "text" | "reasoning" | "tool";

interface Block {
  kind: BlockKind;
  /** Which upstream stream feeds it: `t:<choice>`, `r:<choice>` or `c:<choice>:<tool index>`. */
  key: string;
  choice: number;
  /** IR id of a text/reasoning block; a tool block uses callId. */
  id: string;
  callId?: string;
  name?: string;
  custom: boolean;
  /** Everything received, and how much of it was already emitted as deltas. */
  buf: string;
  sent: number;
  started: boolean;
  /** No more upstream deltas go to this block. */
  closed: boolean;
  signature?: string;
  thoughtSignature?: string;
  whitespaceRun: number;
}

const DEFAULT_MAX_WHITESPACE_RUN = 8192;

/**
 * Copilot's `/chat/completions` stream (one parsed `data:` JSON per push) → IR stream parts.
 *
 * Copilot quirks handled (copilot-upstream.md 5, known-failures.md 1):
 * - Claude splits one answer across choices, text in choices[0] and tool calls in choices[1]: every
 *   choice feeds the same answer (T1).
 * - Tool calls are keyed by (choice index, tool_calls[].index), never by "last seen id"; id and
 *   name may arrive in separate chunks or repeatedly, and argument deltas of parallel calls may
 *   interleave (T7). A *different* id at a known index starts a new call.
 * - Reasoning arrives as reasoning_text / reasoning_content / cot_summary / thinking, its opaque
 *   state as reasoning_opaque / cot_id / signature, possibly on its own, after the text, or in the
 *   chunk that carries the tool calls (Gemini). Opaque state with no reasoning block open becomes a
 *   reasoning block with empty text, so it is never lost (T13, T14).
 * - Usage comes in a `choices: []` chunk after the finish_reason chunk, so `finish` is held until
 *   end() and carries it (T25). A missing finish_reason is synthesised, and `tool_calls` with no
 *   usable call becomes a plain stop (T8, T9).
 * - Errors may arrive inside the open stream (`error`, or `choices: null` + `copilot_errors`):
 *   they become an `error` part and nothing follows (T10, acceptance 26).
 *
 * Block ordering (the IR contract: blocks never interleave). One block is "live" at a time and
 * streams as its deltas arrive; a block that gets a delta while another is live is buffered in
 * arrival order and emitted later. Text and reasoning can be cut anywhere without loss, so a live
 * text/reasoning block ends at the next block switch (later text of that choice starts a new
 * block). A tool call can't: a late argument fragment must reach its own call (T7), so a live tool
 * call stays open until its choice finishes, a new id replaces it at its index, or the stream ends;
 * meanwhile everything else is buffered. When the live block ends, buffered blocks that are complete
 * are emitted whole, and the first incomplete one becomes live (its buffer emitted as one delta).
 * The first tool call therefore streams live and later parallel calls arrive whole. Tool blocks
 * start only once both id and name are known; custom tool calls are emitted whole at their end,
 * since their raw text has to be unwrapped from the JSON first.
 */
export class ChatStreamDecoder {
  private readonly customTools: Set<string>;
  private readonly newCallId: () => string;
  private readonly maxWhitespaceRun: number;

  private out: StreamPart[] = [];
  private received = false;
  private started = false;
  private over = false;
  private meta: { id?: string; model?: string } = {};
  private usage?: Usage;
  private rawFinish?: string;
  private refused = false;
  private toolCalls = 0;
  private textSeq = 0;
  private reasoningSeq = 0;

  /** Blocks still accepting upstream deltas, by key. */
  private readonly current = new Map<string, Block>();
  private live?: Block;
  /** Buffered blocks, in the order they first received data. Non-empty only while a block is live. */
  private readonly queue: Block[] = [];

  constructor(options: ChatStreamDecoderOptions = {}) {
    this.customTools = new Set(options.customTools ?? []);
    this.newCallId = options.newCallId ?? (() => `call_${randomUUID().replace(/-/g, "").slice(0, 24)}`);
    this.maxWhitespaceRun = options.maxWhitespaceRun ?? DEFAULT_MAX_WHITESPACE_RUN;
  }

  /** One parsed `data:` payload. The literal "[DONE]" is accepted too and ends the stream. */
  push(chunk: unknown): StreamPart[] {
    if (chunk === "[DONE]") return this.end();
    if (this.over) return [];
    this.out = [];
    if (!chunk || typeof chunk !== "object" || Array.isArray(chunk)) return this.out;
    const c = chunk as ChatChunkWire;
    this.received = true;
    if (this.meta.id === undefined && typeof c.id === "string" && c.id) this.meta.id = c.id;
    if (this.meta.model === undefined && typeof c.model === "string" && c.model) this.meta.model = c.model;
    if (this.meta.id !== undefined || this.meta.model !== undefined) this.ensureStart();

    const error = chunkError(c);
    if (error) {
      this.fail(error);
      return this.out;
    }
    const usage = decodeChatUsage(c.usage);
    if (usage) this.usage = { ...usage, ...(this.usage?.nanoAiu !== undefined ? { nanoAiu: this.usage.nanoAiu } : {}) };
    const cost = copilotUsageOf(c);
    if (cost !== undefined) this.usage = { ...this.usage, nanoAiu: cost };
    if (Array.isArray(c.choices)) {
      for (const [pos, choice] of c.choices.entries()) {
        if (this.over) break;
        if (choice && typeof choice === "object") this.choice(choice, pos);
      }
    }
    return this.out;
  }

  /** The `data: [DONE]` marker: same as end(). */
  done(): StreamPart[] {
    return this.end();
  }

  /** End of the stream ([DONE] or EOF): flushes buffered blocks, then `finish` with the usage. */
  end(): StreamPart[] {
    if (this.over) return [];
    this.out = [];
    if (!this.received) {
      this.fail(upstreamError("Copilot ended the stream without sending an answer"));
      return this.out;
    }
    this.ensureStart();
    for (const block of this.current.values()) block.closed = true;
    this.current.clear();
    if (this.live) this.endLive();
    const hasToolCalls = this.toolCalls > 0;
    let reason = mapChatFinishReason(this.rawFinish, hasToolCalls);
    if (this.refused && reason === "stop") reason = "refusal";
    const finish: StreamPart = { type: "finish", reason, usage: this.usage ?? {} };
    if (this.rawFinish !== undefined) finish.raw = this.rawFinish;
    this.out.push(finish);
    this.over = true;
    return this.out;
  }

  // ---- per choice ----

  private choice(choice: ChatChoiceWire, pos: number): void {
    const ci = typeof choice.index === "number" ? choice.index : pos;
    const delta = choice.delta ?? choice.message;
    if (delta && typeof delta === "object") this.delta(ci, delta);
    if (this.over) return;
    const finish = choice.finish_reason;
    if (typeof finish === "string" && finish) {
      // Merged choices: a tool stop from any choice wins, otherwise the first reason seen (as mergeChoices).
      if (finish === "tool_calls" || this.rawFinish === undefined) this.rawFinish = finish;
      this.closeChoice(ci);
    }
  }

  private delta(ci: number, d: ChatDeltaWire): void {
    const reasoning = firstString(d.reasoning_text, d.reasoning_content, d.cot_summary, d.thinking);
    if (reasoning) this.append(this.touch(`r:${ci}`, () => this.newBlock("reasoning", `r:${ci}`, ci)), reasoning);
    const opaque = firstString(d.reasoning_opaque, d.cot_id, d.signature);
    if (opaque) this.touch(`r:${ci}`, () => this.newBlock("reasoning", `r:${ci}`, ci)).signature = opaque;
    if (typeof d.content === "string" && d.content) this.append(this.touch(`t:${ci}`, () => this.newBlock("text", `t:${ci}`, ci)), d.content);
    if (typeof d.refusal === "string" && d.refusal) {
      this.refused = true;
      this.append(this.touch(`t:${ci}`, () => this.newBlock("text", `t:${ci}`, ci)), d.refusal);
    }
    if (Array.isArray(d.tool_calls)) {
      for (const [pos, call] of d.tool_calls.entries()) {
        if (this.over) return;
        if (call && typeof call === "object") this.toolCall(ci, call, pos);
      }
    }
  }

  private toolCall(ci: number, call: ChatToolCallDelta, pos: number): void {
    const key = `c:${ci}:${typeof call.index === "number" ? call.index : pos}`;
    const id = nonEmpty(call.id);
    const name = nonEmpty(call.function?.name);
    const known = this.current.get(key);
    // Some upstreams reuse an index for every call: a different id there is a new call.
    if (known?.callId && id && id !== known.callId) this.close(known);
    const block = this.touch(key, () => this.newBlock("tool", key, ci));
    if (id && !block.callId) block.callId = id;
    if (name && !block.name) {
      block.name = name;
      block.custom = this.customTools.has(name);
    }
    const signature = nonEmpty(call.function?.thought_signature) ?? nonEmpty(call.extra_content?.google?.thought_signature);
    if (signature) block.thoughtSignature = signature;
    if (block === this.live && !block.started) this.open(block);
    const args = call.function?.arguments;
    if (typeof args === "string" && args) this.append(block, args);
  }

  // ---- blocks ----

  private newBlock(kind: BlockKind, key: string, choice: number): Block {
    const id = kind === "text" ? `text-${this.textSeq++}` : kind === "reasoning" ? `reasoning-${this.reasoningSeq++}` : "";
    return { kind, key, choice, id, custom: false, buf: "", sent: 0, started: false, closed: false, whitespaceRun: 0 };
  }

  /** The block that takes data for `key`, creating it (live or buffered) when needed. */
  private touch(key: string, make: () => Block): Block {
    let block = this.current.get(key);
    // A live text/reasoning block ends as soon as anything else gets data (see the class comment).
    if (this.live && this.live !== block && this.live.kind !== "tool") this.close(this.live);
    if (!block) {
      block = make();
      this.current.set(key, block);
      if (!this.live && this.queue.length === 0) {
        this.live = block;
        this.open(block);
      } else {
        this.queue.push(block);
      }
    }
    return block;
  }

  private append(block: Block, delta: string): void {
    block.buf += delta;
    if (block === this.live) this.flush(block);
    if (block.kind === "tool") {
      const trimmed = delta.trimEnd();
      block.whitespaceRun = trimmed.length === 0 ? block.whitespaceRun + delta.length : delta.length - trimmed.length;
      if (block.whitespaceRun > this.maxWhitespaceRun) {
        this.fail(
          upstreamError(
            `The model streamed more than ${this.maxWhitespaceRun} whitespace characters into the arguments of tool call ` +
              `${block.name ?? block.callId ?? "(unnamed)"}; the answer was stopped.`,
            "runaway_tool_arguments",
          ),
        );
      }
    }
  }

  /** Emits the start of a block (once it can be started) and whatever it buffered. */
  private open(block: Block): void {
    if (!block.started) {
      if (block.kind === "tool") {
        if (!block.callId || !block.name) return;
        const start: StreamPart = { type: "tool-input-start", id: block.callId, name: block.name };
        if (block.custom) start.custom = true;
        this.emit(start);
      } else {
        this.emit({ type: block.kind === "text" ? "text-start" : "reasoning-start", id: block.id });
      }
      block.started = true;
    }
    this.flush(block);
  }

  private flush(block: Block): void {
    // Custom tool input is JSON-wrapped upstream; it is unwrapped and sent whole at the end.
    if (!block.started || block.custom || block.sent >= block.buf.length) return;
    const delta = block.buf.slice(block.sent);
    block.sent = block.buf.length;
    if (block.kind === "tool") this.emit({ type: "tool-input-delta", id: block.callId!, delta });
    else if (block.kind === "text") this.emit({ type: "text-delta", id: block.id, delta });
    else this.emit({ type: "reasoning-delta", id: block.id, delta });
  }

  /** No more data for this block: ends it now if live, otherwise when the queue reaches it. */
  private close(block: Block): void {
    block.closed = true;
    if (this.current.get(block.key) === block) this.current.delete(block.key);
    if (block === this.live) this.endLive();
  }

  private closeChoice(ci: number): void {
    for (const block of [...this.current.values()]) if (block.choice === ci) this.close(block);
  }

  private endLive(): void {
    const block = this.live!;
    this.live = undefined;
    this.finishBlock(block);
    // Buffered blocks: complete ones go out whole, the first incomplete one becomes live.
    while (!this.live && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (next.closed) {
        this.finishBlock(next);
      } else {
        this.live = next;
        this.open(next);
      }
    }
  }

  private finishBlock(block: Block): void {
    switch (block.kind) {
      case "text":
        this.open(block);
        this.emit({ type: "text-end", id: block.id });
        return;
      case "reasoning": {
        this.open(block);
        const end: StreamPart = { type: "reasoning-end", id: block.id, origin: "openai-chat" };
        if (block.signature) end.signature = block.signature;
        this.emit(end);
        return;
      }
      case "tool": {
        // A call without a name can't be run by anyone: dropped. A missing id is invented.
        if (!block.name) return;
        if (!block.callId) block.callId = this.newCallId();
        this.open(block);
        let input: string;
        if (block.custom) {
          input = customInput(block.buf);
          if (input) this.emit({ type: "tool-input-delta", id: block.callId, delta: input });
        } else {
          // Empty, "[]", non-object or broken JSON → "{}" (T5/T6); the deltas stay as streamed.
          input = objectArguments(block.buf);
        }
        const end: StreamPart = { type: "tool-input-end", id: block.callId, input };
        if (block.thoughtSignature) end.thoughtSignature = block.thoughtSignature;
        this.emit(end);
        this.toolCalls++;
        return;
      }
      default: {
        const never: never = block.kind;
        return never;
      }
    }
  }

  // ---- output ----

  private ensureStart(): void {
    if (this.started) return;
    this.started = true;
    const start: StreamPart = { type: "start" };
    if (this.meta.id !== undefined) start.id = this.meta.id;
    if (this.meta.model !== undefined) start.model = this.meta.model;
    this.out.push(start);
  }

  private emit(part: StreamPart): void {
    this.ensureStart();
    this.out.push(part);
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

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === "string" && v) return v;
  return undefined;
}

/** A custom tool's raw text from its `{"input": "<raw>"}` arguments; the text itself if not wrapped. */
function customInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === "object" && typeof (parsed as { input?: unknown }).input === "string") {
      return (parsed as { input: string }).input;
    }
  } catch {
    // not JSON: the model wrote the raw text directly
  }
  return args;
}

function upstreamError(message: string, code = "upstream_stream_error"): ApiError {
  return fromUpstream(502, new Headers(), JSON.stringify({ error: { message, code } }));
}

/**
 * An error reported inside the stream: `{"error": {...}}` (or a bare string), or Copilot's
 * `choices: null` + `copilot_errors` (copilot-upstream.md 5). Classified like an HTTP error body,
 * with the status the error names, else 502.
 */
function chunkError(c: ChatChunkWire): ApiError | undefined {
  let e: ChatErrorWire | undefined;
  if (typeof c.error === "string" && c.error) e = { message: c.error };
  else if (c.error && typeof c.error === "object") e = c.error;
  else if (c.choices == null && Array.isArray(c.copilot_errors) && c.copilot_errors.length > 0) {
    const first = c.copilot_errors[0]!;
    e = { message: first.message, code: first.code, type: first.type };
  }
  if (!e) return undefined;
  const statusOf = (v: unknown) => (typeof v === "number" && v >= 400 && v <= 599 ? v : undefined);
  const status = statusOf(e.status) ?? statusOf(e.status_code) ?? statusOf(e.code) ?? 502;
  const body = {
    error: {
      message: typeof e.message === "string" && e.message.trim() ? e.message : "Copilot reported an error inside the stream",
      code: typeof e.code === "string" ? e.code : undefined,
      type: typeof e.type === "string" ? e.type : undefined,
      param: typeof e.param === "string" ? e.param : undefined,
    },
  };
  return fromUpstream(status, new Headers(), JSON.stringify(body));
}
