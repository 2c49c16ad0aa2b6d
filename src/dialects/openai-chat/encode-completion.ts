import { randomUUID } from "node:crypto";
import type { Answer } from "../../ir/accumulate.js";
import { encodeChatUsage } from "./convert-usage.js";
import { encodeChatFinishReason } from "./map-finish-reason.js";

export interface ChatCompletionOptions {
  /** Defaults to the answer's id, else a fresh `chatcmpl-…`. */
  id?: string;
  /** Unix seconds; defaults to now. */
  created?: number;
}

/**
 * A whole answer → a `chat.completion` body, shaped like encode-stream.ts's chunks folded together:
 * text blocks joined as paragraphs, visible reasoning as `reasoning_content`, chat-origin opaque
 * state as `reasoning_opaque`, custom tool calls as `{type:"custom", custom:{name, input}}`.
 */
export function encodeChatCompletion(answer: Answer, model: string, options: ChatCompletionOptions = {}) {
  const texts: string[] = [];
  let reasoning = "";
  let opaque: string | undefined;
  const toolCalls: Record<string, unknown>[] = [];
  for (const part of answer.content) {
    switch (part.type) {
      case "text":
        if (part.text) texts.push(part.text);
        break;
      case "reasoning":
        reasoning += part.text;
        if (part.signature && part.origin === "openai-chat") opaque = part.signature;
        break;
      case "tool-call":
        if (part.custom) {
          toolCalls.push({ id: part.id, type: "custom", custom: { name: part.name, input: part.input } });
        } else {
          const fn: Record<string, unknown> = { name: part.name, arguments: part.input };
          if (part.thoughtSignature) fn.thought_signature = part.thoughtSignature;
          toolCalls.push({ id: part.id, type: "function", function: fn });
        }
        break;
      default: {
        const never: never = part;
        return never;
      }
    }
  }
  const message: Record<string, unknown> = {
    role: "assistant",
    content: texts.length > 0 ? texts.join("\n\n") : null,
    refusal: null,
  };
  if (reasoning) message.reasoning_content = reasoning;
  if (opaque) message.reasoning_opaque = opaque;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: options.id ?? answer.id ?? `chatcmpl-${randomUUID().replace(/-/g, "")}`,
    object: "chat.completion" as const,
    created: options.created ?? Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: encodeChatFinishReason(answer.finishReason) }],
    usage: encodeChatUsage(answer.usage),
  };
}
