import type { StreamPart, Usage } from "../../ir/stream.js";
import { formatSse } from "../../sse/sse-encoder.js";
import { encodeOpenAIError } from "../openai/encode-error.js";
import { encodeChatUsage } from "./convert-usage.js";
import { encodeChatFinishReason } from "./map-finish-reason.js";

export interface ChatStreamEncoderOptions {
  id: string;
  /** The model name the client sees. */
  model: string;
  /** Unix seconds. */
  created: number;
  /** The client sent `stream_options.include_usage` (see wantsStreamUsage in decode-request.ts). */
  includeUsage?: boolean;
}

/**
 * IR stream parts → Chat Completions SSE frames (`data: {...}\n\n`), for chat clients whose model
 * is served on another Copilot endpoint. The shapes follow what the openai SDK reassembles
 * (real-clients.md 3): a role chunk first; a tool call's first delta carries index, id, type, name
 * and empty arguments, later ones index + arguments; the finish chunk, then (when asked for) a usage
 * chunk with `choices: []`, then `data: [DONE]`. An error is sent as an OpenAI error object and
 * ends the stream.
 *
 * Visible reasoning goes out as `reasoning_content`, the field most chat clients read; chat-origin
 * opaque state as `reasoning_opaque` (Copilot's field), so a client that echoes it keeps it.
 */
export class ChatStreamEncoder {
  private usage: Usage = {};
  private toolIndex = 0;
  private readonly tools = new Map<string, { index: number; custom: boolean; sent: boolean }>();
  private textSeen = false;
  private separate = false;
  private over = false;

  constructor(private readonly options: ChatStreamEncoderOptions) {}

  encode(part: StreamPart): string[] {
    if (this.over) return [];
    switch (part.type) {
      case "start":
        if (part.usage) this.usage = { ...this.usage, ...part.usage };
        return [this.chunk({ role: "assistant", content: "" })];
      case "text-start":
        // Separate text blocks read as paragraphs, as in encodeChatCompletion.
        this.separate = this.textSeen;
        return [];
      case "text-delta": {
        if (!part.delta) return [];
        const content = this.separate ? `\n\n${part.delta}` : part.delta;
        this.separate = false;
        this.textSeen = true;
        return [this.chunk({ content })];
      }
      case "text-end":
      case "reasoning-start":
        return [];
      case "reasoning-delta":
        return part.delta ? [this.chunk({ reasoning_content: part.delta })] : [];
      case "reasoning-end":
        return part.signature && part.origin === "openai-chat" ? [this.chunk({ reasoning_opaque: part.signature })] : [];
      case "tool-input-start": {
        const index = this.toolIndex++;
        // [U] the streamed shape of a custom call is modelled on the non-streamed one
        // ({type:"custom", custom:{name, input}}); function calls follow the SDK's reassembly exactly.
        this.tools.set(part.id, { index, custom: part.custom === true, sent: false });
        const call = part.custom
          ? { index, id: part.id, type: "custom", custom: { name: part.name, input: "" } }
          : { index, id: part.id, type: "function", function: { name: part.name, arguments: "" } };
        return [this.chunk({ tool_calls: [call] })];
      }
      case "tool-input-delta": {
        const tool = this.tools.get(part.id);
        if (!tool || !part.delta) return [];
        tool.sent = true;
        return [this.chunk({ tool_calls: [this.toolDelta(tool, part.delta)] })];
      }
      case "tool-input-end": {
        const tool = this.tools.get(part.id);
        if (!tool) return [];
        const frames: string[] = [];
        // Nothing streamed: the normalised input ("{}" at least) so the call's arguments parse.
        if (!tool.sent && part.input) frames.push(this.chunk({ tool_calls: [this.toolDelta(tool, part.input)] }));
        if (part.thoughtSignature && !tool.custom) {
          frames.push(this.chunk({ tool_calls: [{ index: tool.index, function: { thought_signature: part.thoughtSignature } }] }));
        }
        return frames;
      }
      case "usage":
        this.usage = { ...this.usage, ...part.usage };
        return [];
      case "finish": {
        this.over = true;
        this.usage = { ...this.usage, ...part.usage };
        const frames = [this.chunk({}, encodeChatFinishReason(part.reason))];
        if (this.options.includeUsage) frames.push(this.frame({ choices: [], usage: encodeChatUsage(this.usage) }));
        frames.push(formatSse("[DONE]"));
        return frames;
      }
      case "error":
        this.over = true;
        return [formatSse(JSON.stringify(encodeOpenAIError(part.error)))];
      default: {
        const never: never = part;
        return never;
      }
    }
  }

  private toolDelta(tool: { index: number; custom: boolean }, delta: string): Record<string, unknown> {
    return tool.custom ? { index: tool.index, custom: { input: delta } } : { index: tool.index, function: { arguments: delta } };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
    return this.frame({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  }

  private frame(rest: Record<string, unknown>): string {
    const { id, model, created } = this.options;
    return formatSse(JSON.stringify({ id, object: "chat.completion.chunk", created, model, ...rest }));
  }
}
