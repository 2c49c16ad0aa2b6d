import type { Answer } from "../../ir/accumulate.js";
import { doneFields, type Line, type OllamaEncoderOptions, toolCall } from "./encode-stream.js";
import { encodeOllamaDoneReason } from "./map-done-reason.js";

/** A whole answer (`stream: false`) → one Ollama object, the stream's lines folded together. */
export function encodeOllamaAnswer(answer: Answer, opts: OllamaEncoderOptions): Line {
  let text = "";
  let thinking = "";
  const calls: Line[] = [];
  for (const part of answer.content) {
    if (part.type === "text") text += text && part.text ? `\n\n${part.text}` : part.text;
    else if (part.type === "reasoning") thinking += part.text;
    else calls.push(toolCall(part.id, part.name, part.input));
  }
  const done = doneFields(encodeOllamaDoneReason(answer.finishReason), answer.usage, opts.startedAt);
  const created_at = new Date().toISOString();
  if (opts.form === "generate") {
    return { model: opts.model, created_at, response: text, ...(opts.think && thinking ? { thinking } : {}), ...done };
  }
  const message: Line = { role: "assistant", content: text };
  if (opts.think && thinking) message.thinking = thinking;
  if (calls.length > 0) message.tool_calls = calls;
  return { model: opts.model, created_at, message, ...done };
}
