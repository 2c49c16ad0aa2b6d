import { parseEventData, unwrapCustomInput, type ResponsesEventWire, type ResponsesOutputItemWire } from "../../dialects/openai-responses/wire.js";
import { asText } from "../../text.js";

export interface SseEventLike {
  event?: string;
  data: string;
}

/** A call to a custom tool, as Copilot streams it (a function call), keyed by output_index. */
interface TrackedCall {
  /** Argument text received through deltas. */
  args: string;
  /** sequence_number of the last swallowed argument delta: reused by the one input delta we write. */
  lastDeltaSeq?: number;
  /** The custom input delta was written. */
  deltaSent: boolean;
}

/**
 * Copilot's answer to a pass-through Codex request, with calls to the custom tools that
 * withCustomToolsAsFunctions sent as function tools turned back into custom tool calls, so that
 * Codex gets `apply_patch` as a custom_tool_call with the raw patch text (known-failures case 34,
 * cao#242); everything else passes byte-identical.
 *
 * - output_item.added (function_call to a custom tool) → a custom_tool_call item with input "".
 * - function_call_arguments.delta → held: the text is JSON until complete, `{"input": "…"}`.
 * - function_call_arguments.done → custom_tool_call_input.delta with the whole raw input (when
 *   deltas were held) + custom_tool_call_input.done.
 * - output_item.done → the custom_tool_call item with the raw input.
 * - response.completed / incomplete / failed → the same items inside `response.output`.
 *
 * Items are keyed on output_index: Copilot rotates item ids on every event (copilot-upstream.md 6).
 * sequence_numbers stay unique and increasing: the input delta takes the number of the last held
 * argument delta, the input done that of arguments.done, and when neither is free (no
 * arguments.done came) only the item.done carries the input, which is all Codex reads.
 */
export class CustomToolCallRewriter {
  private readonly calls = new Map<number, TrackedCall>();

  constructor(private readonly names: Set<string>) {}

  rewrite(event: SseEventLike): SseEventLike[] {
    if (this.names.size === 0) return [event];
    const data = parseEventData(event.data);
    if (!data) return [event]; // [DONE], or something only the client can make sense of
    const index = typeof data.output_index === "number" ? data.output_index : undefined;
    switch (data.type) {
      case "response.output_item.added": {
        if (index === undefined || !this.isCustomCall(data.item)) return [event];
        this.calls.set(index, { args: "", deltaSent: false });
        return [this.make(event, { ...data, item: customItem(data.item!, "") })];
      }
      case "response.function_call_arguments.delta": {
        const call = index === undefined ? undefined : this.calls.get(index);
        if (!call) return [event];
        if (typeof data.delta === "string") call.args += data.delta;
        if (typeof data.sequence_number === "number") call.lastDeltaSeq = data.sequence_number;
        return [];
      }
      case "response.function_call_arguments.done": {
        const call = index === undefined ? undefined : this.calls.get(index);
        if (!call) return [event];
        if (typeof data.arguments === "string" && data.arguments) call.args = data.arguments;
        const input = unwrapCustomInput(call.args);
        const out: SseEventLike[] = [];
        const delta = this.inputDelta(event, data, call, input);
        if (delta) out.push(delta);
        out.push(this.make(event, { ...pick(data), type: "response.custom_tool_call_input.done", input }, data.sequence_number));
        return out;
      }
      case "response.output_item.done": {
        if (index === undefined || !this.isCustomCall(data.item)) return [event];
        const call = this.calls.get(index) ?? { args: "", deltaSent: false };
        const input = unwrapCustomInput(typeof data.item!.arguments === "string" && data.item!.arguments ? data.item!.arguments : call.args);
        const out: SseEventLike[] = [];
        const delta = this.inputDelta(event, { ...data, item_id: data.item!.id }, call, input);
        if (delta) out.push(delta);
        out.push(this.make(event, { ...data, item: customItem(data.item!, input) }));
        this.calls.delete(index);
        return out;
      }
      case "response.completed":
      case "response.incomplete":
      case "response.failed": {
        const output = data.response?.output;
        if (!Array.isArray(output) || !output.some((item) => this.isCustomCall(item))) return [event];
        const rewritten = output.map((item) =>
          this.isCustomCall(item) ? customItem(item, unwrapCustomInput(typeof item.arguments === "string" ? item.arguments : "")) : item,
        );
        return [this.make(event, { ...data, response: { ...data.response, output: rewritten } })];
      }
      default:
        return [event];
    }
  }

  private isCustomCall(item: ResponsesOutputItemWire | null | undefined): boolean {
    return !!item && typeof item === "object" && item.type === "function_call" && typeof item.name === "string" && this.names.has(item.name);
  }

  /** The one input delta, once, and only where a held argument delta left its sequence number free. */
  private inputDelta(source: SseEventLike, data: ResponsesEventWire, call: TrackedCall, input: string): SseEventLike | undefined {
    if (call.deltaSent || call.lastDeltaSeq === undefined || !input) return undefined;
    call.deltaSent = true;
    return this.make(source, { ...pick(data), type: "response.custom_tool_call_input.delta", delta: input }, call.lastDeltaSeq);
  }

  /** A new event in the source's framing: an `event:` name only if the source had one. */
  private make(source: SseEventLike, payload: ResponsesEventWire, sequenceNumber?: number): SseEventLike {
    const { type, sequence_number: _seq, ...rest } = payload;
    const body: Record<string, unknown> = { type };
    const seq = sequenceNumber ?? payload.sequence_number;
    if (typeof seq === "number") body.sequence_number = seq;
    Object.assign(body, rest);
    const out: SseEventLike = { data: JSON.stringify(body) };
    if (source.event !== undefined) out.event = asText(type);
    return out;
  }
}

/** The addressing fields of an item event, for the events written in its place. */
function pick(data: ResponsesEventWire): ResponsesEventWire {
  const out: ResponsesEventWire = {};
  if (data.item_id !== undefined) out.item_id = data.item_id;
  if (data.output_index !== undefined) out.output_index = data.output_index;
  if (data.sequence_number !== undefined) out.sequence_number = data.sequence_number;
  return out;
}

function customItem(item: ResponsesOutputItemWire, input: string): ResponsesOutputItemWire {
  const out: ResponsesOutputItemWire = { type: "custom_tool_call" };
  if (item.id !== undefined) out.id = item.id;
  if (item.status !== undefined) out.status = item.status;
  out.call_id = item.call_id;
  out.name = item.name;
  out.input = input;
  return out;
}

/**
 * The non-streaming form: in a whole response's `output`, function calls to the custom tools
 * become custom_tool_call items carrying the raw input.
 */
export function restoreCustomToolCalls(output: unknown, names: Set<string>): void {
  if (!Array.isArray(output)) return;
  for (let i = 0; i < output.length; i++) {
    const item = output[i] as ResponsesOutputItemWire;
    if (item?.type !== "function_call" || !names.has(asText(item.name))) continue;
    output[i] = customItem(item, unwrapCustomInput(asText(item.arguments)));
  }
}
