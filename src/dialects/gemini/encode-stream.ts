import type { StreamPart, Usage } from "../../ir/stream.js";
import { formatSse } from "../../sse/sse-encoder.js";
import { encodeGeminiUsage } from "./convert-usage.js";
import { functionCallPart, thoughtSignatureOf } from "./encode-parts.js";
import { encodeGeminiError } from "./encode-error.js";
import { encodeGeminiFinishReason } from "./map-finish-reason.js";

export interface GeminiStreamEncoderOptions {
  /** The model name the client asked for, echoed as modelVersion. */
  model: string;
  responseId: string;
  /** `thinkingConfig.includeThoughts`: thought text is sent only when asked for. */
  includeThoughts: boolean;
  /** `sse` for `?alt=sse` (what @google/genai and Gemini CLI ask for); `array` for the JSON array Google sends without it. */
  form: "sse" | "array";
}

/**
 * IR stream parts → streamGenerateContent chunks, each a GenerateContentResponse with one
 * candidate holding the new parts: text as it arrives, thoughts as `thought: true` parts,
 * function calls whole once their arguments are complete (Gemini never streams arguments), and a
 * last chunk with finishReason and usageMetadata, which Gemini CLI needs to accept a turn. An error
 * is Google's error object, which the SDK raises as an ApiError.
 */
export class GeminiStreamEncoder {
  finished = false;
  private opened = false;
  private usage: Usage = {};
  /** Packed state of the latest reasoning block, for the function call that follows it. */
  private signature?: string;
  private readonly tools = new Map<string, { name: string }>();
  /** The open reasoning block's text, which its signature must carry (encode-parts.ts). */
  private reasoningText = "";

  constructor(private readonly opts: GeminiStreamEncoderOptions) {}

  /** SSE: a comment, which clients skip. Array: whitespace between elements, which JSON allows. */
  ping(): string {
    return this.opts.form === "sse" ? ": ping\n\n" : "\n";
  }

  encode(part: StreamPart): string[] {
    if (this.finished) return [];
    switch (part.type) {
      case "start":
        if (part.usage) this.usage = { ...this.usage, ...part.usage };
        return [];
      case "text-start":
      case "text-end":
      case "tool-input-delta":
        return [];
      case "reasoning-start":
        this.reasoningText = "";
        return [];
      case "text-delta":
        return part.delta ? [this.chunk([{ text: part.delta }])] : [];
      case "reasoning-delta":
        this.reasoningText += part.delta;
        return part.delta && this.opts.includeThoughts ? [this.chunk([{ text: part.delta, thought: true }])] : [];
      case "reasoning-end": {
        const signature = thoughtSignatureOf(part, this.reasoningText);
        this.reasoningText = "";
        if (!signature) return [];
        this.signature = signature;
        return this.opts.includeThoughts ? [this.chunk([{ text: "", thought: true, thoughtSignature: signature }])] : [];
      }
      case "tool-input-start":
        this.tools.set(part.id, { name: part.name });
        return [];
      case "tool-input-end": {
        const tool = this.tools.get(part.id);
        if (!tool) return [];
        const signature = this.signature ?? part.thoughtSignature;
        this.signature = undefined;
        return [this.chunk([functionCallPart(part.id, tool.name, part.input, signature)])];
      }
      case "usage":
        this.usage = { ...this.usage, ...part.usage };
        return [];
      case "finish": {
        this.usage = { ...this.usage, ...part.usage };
        const last = this.frame({
          candidates: [{ content: { role: "model", parts: [] }, finishReason: encodeGeminiFinishReason(part.reason), index: 0 }],
          usageMetadata: encodeGeminiUsage(this.usage),
        });
        return [last, ...this.close()];
      }
      case "error":
        return [this.frame(encodeGeminiError(part.error)), ...this.close()];
      default: {
        const never: never = part;
        return never;
      }
    }
  }

  private close(): string[] {
    this.finished = true;
    return this.opts.form === "array" ? ["]"] : [];
  }

  private chunk(parts: Record<string, unknown>[]): string {
    return this.frame({ candidates: [{ content: { role: "model", parts }, index: 0 }] });
  }

  private frame(body: Record<string, unknown>): string {
    const json = JSON.stringify({ ...body, modelVersion: this.opts.model, responseId: this.opts.responseId });
    if (this.opts.form === "sse") return formatSse(json);
    const lead = this.opened ? ",\r\n" : "[";
    this.opened = true;
    return lead + json;
  }
}
