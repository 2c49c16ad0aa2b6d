import type { ApiError } from "../errors.js";
import type { AssistantPart } from "./request.js";
import type { FinishReason, StreamPart, Usage } from "./stream.js";

/** A whole answer: what a non-streaming response encodes. */
export interface Answer {
  id?: string;
  model?: string;
  content: AssistantPart[];
  finishReason: FinishReason;
  rawFinishReason?: string;
  usage: Usage;
}

/**
 * Folds stream parts into one answer. Non-streaming requests run the same decoder as streams and
 * end here, so the two paths can't drift apart.
 */
export class AnswerAccumulator {
  private readonly answer: Answer = { content: [], finishReason: "other", usage: {} };
  private readonly open = new Map<string, AssistantPart>();
  error?: ApiError;
  finished = false;

  push(part: StreamPart): void {
    const a = this.answer;
    switch (part.type) {
      case "start":
        a.id = part.id ?? a.id;
        a.model = part.model ?? a.model;
        if (part.usage) a.usage = { ...a.usage, ...part.usage };
        return;
      case "text-start": {
        const p: AssistantPart = { type: "text", text: "" };
        this.open.set(part.id, p);
        a.content.push(p);
        return;
      }
      case "text-delta": {
        const p = this.open.get(part.id);
        if (p?.type === "text") p.text += part.delta;
        return;
      }
      case "reasoning-start": {
        const p: AssistantPart = { type: "reasoning", text: "" };
        if (part.itemId) p.itemId = part.itemId;
        this.open.set(part.id, p);
        a.content.push(p);
        return;
      }
      case "reasoning-delta": {
        const p = this.open.get(part.id);
        if (p?.type === "reasoning") p.text += part.delta;
        return;
      }
      case "reasoning-end": {
        const p = this.open.get(part.id);
        if (p?.type === "reasoning") {
          if (part.signature !== undefined) p.signature = part.signature;
          if (part.redactedData !== undefined) p.redactedData = part.redactedData;
          if (part.itemId !== undefined) p.itemId = part.itemId;
          if (part.encryptedContent !== undefined) p.encryptedContent = part.encryptedContent;
          if (part.origin !== undefined) p.origin = part.origin;
        }
        this.open.delete(part.id);
        return;
      }
      case "tool-input-start": {
        const p: AssistantPart = { type: "tool-call", id: part.id, name: part.name, input: "" };
        if (part.custom) p.custom = true;
        this.open.set(part.id, p);
        a.content.push(p);
        return;
      }
      case "tool-input-delta": {
        const p = this.open.get(part.id);
        if (p?.type === "tool-call") p.input += part.delta;
        return;
      }
      case "tool-input-end": {
        const p = this.open.get(part.id);
        if (p?.type === "tool-call") {
          p.input = part.input;
          if (part.thoughtSignature) p.thoughtSignature = part.thoughtSignature;
        }
        this.open.delete(part.id);
        return;
      }
      case "text-end":
        this.open.delete(part.id);
        return;
      case "usage":
        a.usage = { ...a.usage, ...part.usage };
        return;
      case "finish":
        a.finishReason = part.reason;
        a.rawFinishReason = part.raw;
        a.usage = { ...a.usage, ...part.usage };
        this.finished = true;
        return;
      case "error":
        this.error = part.error;
        return;
      default: {
        const never: never = part;
        return never;
      }
    }
  }

  result(): Answer {
    return this.answer;
  }
}

export function accumulate(parts: Iterable<StreamPart>): AnswerAccumulator {
  const acc = new AnswerAccumulator();
  for (const p of parts) acc.push(p);
  return acc;
}
