import type { Answer } from "../../ir/accumulate.js";
import { encodeGeminiUsage } from "./convert-usage.js";
import { functionCallPart, thoughtSignatureOf } from "./encode-parts.js";
import { encodeGeminiFinishReason } from "./map-finish-reason.js";

/** A whole answer → a generateContent response, with the same parts the stream would carry. */
export function encodeGeminiAnswer(answer: Answer, model: string, opts: { includeThoughts: boolean; responseId: string }) {
  const parts: Record<string, unknown>[] = [];
  let signature: string | undefined;
  for (const part of answer.content) {
    switch (part.type) {
      case "text":
        if (part.text) parts.push({ text: part.text });
        break;
      case "reasoning": {
        const packed = thoughtSignatureOf(part, part.text);
        if (packed) signature = packed;
        if (opts.includeThoughts && (part.text || packed)) parts.push({ text: part.text, thought: true, ...(packed ? { thoughtSignature: packed } : {}) });
        break;
      }
      case "tool-call":
        parts.push(functionCallPart(part.id, part.name, part.input, signature ?? part.thoughtSignature));
        signature = undefined;
        break;
      default: {
        const never: never = part;
        return never;
      }
    }
  }
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: encodeGeminiFinishReason(answer.finishReason), index: 0 }],
    usageMetadata: encodeGeminiUsage(answer.usage),
    modelVersion: model,
    responseId: opts.responseId,
  };
}
