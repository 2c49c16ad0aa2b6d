import type { StreamPart } from "../../ir/stream.js";
import { ChatStreamDecoder, type ChatStreamDecoderOptions } from "./decode-stream.js";
import type { ChatChoiceWire, ChatChunkWire } from "./wire.js";

/**
 * A non-streaming `chat.completion` → IR stream parts (fold them with ir/accumulate.ts). The
 * answer is replayed as the deltas a stream would have carried, through the same ChatStreamDecoder,
 * so both paths share every Copilot fix: merged choices (known-failures T1), argument
 * normalisation (T5/T6), finish reasons (T8/T9), reasoning and thought signatures (T13/T14),
 * errors inside a 200 body.
 */
export function decodeChatCompletion(json: unknown, options: ChatStreamDecoderOptions = {}): StreamPart[] {
  const decoder = new ChatStreamDecoder(options);
  // Not an object: reported as an answer that never came.
  if (!json || typeof json !== "object" || Array.isArray(json)) return decoder.end();
  const body = json as ChatChunkWire;
  const { choices, usage, ...rest } = body;
  const chunk: ChatChunkWire = { ...rest };
  if (Array.isArray(choices)) chunk.choices = choices.map(toDeltaChoice);
  else if (choices !== undefined) chunk.choices = choices;
  const parts = decoder.push(chunk);
  // Usage last, as a stream sends it: after the finish reasons.
  if (usage) parts.push(...decoder.push({ choices: [], usage }));
  parts.push(...decoder.end());
  return parts;
}

function toDeltaChoice(choice: ChatChoiceWire, pos: number): ChatChoiceWire {
  if (!choice || typeof choice !== "object") return choice;
  const { message, ...rest } = choice;
  if (!message || typeof message !== "object") return { index: pos, ...rest };
  const delta = { ...message };
  if (Array.isArray(message.tool_calls)) {
    // A message's calls have no `index`; their position is it.
    delta.tool_calls = message.tool_calls.map((call, i) => (call && typeof call === "object" ? { ...call, index: i } : call));
  }
  return { index: pos, ...rest, delta };
}
