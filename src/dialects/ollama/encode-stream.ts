import type { StreamPart, Usage } from "../../ir/stream.js";
import { encodeOllamaDoneReason } from "./map-done-reason.js";
import { encodeOllamaError } from "./encode-error.js";

export interface OllamaEncoderOptions {
  /** The model name the client asked for, echoed on every line. */
  model: string;
  /** `chat` answers under `message`, `generate` under `response`. */
  form: "chat" | "generate";
  /** Thinking text is sent only when `think` was asked for. */
  think: boolean;
  /** For total_duration, in ms (performance.now()). */
  startedAt: number;
}

export type Line = Record<string, unknown>;

/**
 * IR stream parts → Ollama's NDJSON lines (one JSON object per line): content as it arrives, tool
 * calls whole with their arguments as an object (Ollama never streams arguments), and a last line
 * with `done: true`, `done_reason` and the token counts. A failure is `{"error": …}`, which the
 * ollama clients raise.
 */
export class OllamaStreamEncoder {
  finished = false;
  private usage: Usage = {};
  private readonly tools = new Map<string, string>();

  constructor(private readonly opts: OllamaEncoderOptions) {}

  encode(part: StreamPart): string[] {
    if (this.finished) return [];
    switch (part.type) {
      case "start":
        if (part.usage) this.usage = { ...this.usage, ...part.usage };
        return [];
      case "text-delta":
        return part.delta ? [this.line(this.content(part.delta))] : [];
      case "reasoning-delta":
        return part.delta && this.opts.think ? [this.line(this.content("", part.delta))] : [];
      case "tool-input-start":
        this.tools.set(part.id, part.name);
        return [];
      case "tool-input-end": {
        const name = this.tools.get(part.id);
        if (name === undefined || this.opts.form !== "chat") return [];
        return [this.line({ message: { role: "assistant", content: "", tool_calls: [toolCall(part.id, name, part.input)] } })];
      }
      case "text-start":
      case "text-end":
      case "reasoning-start":
      case "reasoning-end":
      case "tool-input-delta":
        return [];
      case "usage":
        this.usage = { ...this.usage, ...part.usage };
        return [];
      case "finish":
        this.finished = true;
        this.usage = { ...this.usage, ...part.usage };
        return [this.line({ ...this.content(""), ...doneFields(encodeOllamaDoneReason(part.reason), this.usage, this.opts.startedAt) })];
      case "error":
        this.finished = true;
        return [`${JSON.stringify(encodeOllamaError(part.error))}\n`];
      default: {
        const never: never = part;
        return never;
      }
    }
  }

  private content(text: string, thinking?: string): Line {
    if (this.opts.form === "generate") return thinking === undefined ? { response: text } : { response: text, thinking };
    const message: Line = { role: "assistant", content: text };
    if (thinking !== undefined) message.thinking = thinking;
    return { message };
  }

  private line(body: Line): string {
    return `${JSON.stringify({ model: this.opts.model, created_at: new Date().toISOString(), ...body, done: body.done ?? false })}\n`;
  }
}

export function toolCall(id: string, name: string, input: string): Line {
  let args: unknown;
  try {
    args = JSON.parse(input || "{}");
  } catch {
    args = {};
  }
  return { id, function: { name, arguments: typeof args === "object" && args !== null && !Array.isArray(args) ? args : {} } };
}

/** The closing fields: Ollama's token counts (the whole prompt, the whole output) and durations in ns. */
export function doneFields(reason: string, usage: Usage, startedAt: number): Line {
  const prompt = (usage.inputTokens ?? 0) + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
  const total = Math.max(0, Math.round((performance.now() - startedAt) * 1e6));
  return {
    done: true,
    done_reason: reason,
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: prompt,
    prompt_eval_duration: 0,
    eval_count: usage.outputTokens ?? 0,
    eval_duration: total,
  };
}
