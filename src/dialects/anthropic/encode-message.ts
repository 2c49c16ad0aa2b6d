import { randomBytes } from "node:crypto";
import type { Answer } from "../../ir/accumulate.js";
import type { ReasoningPart } from "../../ir/request.js";
import { encodeAnthropicUsage } from "./convert-usage.js";
import { mapFinishReason } from "./map-stop-reason.js";
import {
  encodeThinkingSignature,
  type AnthropicAssistantBlock,
  type AnthropicMessage,
  type AnthropicRedactedThinkingBlock,
  type AnthropicStopReason,
  type AnthropicThinkingBlock,
} from "./wire.js";

/** Generates wire ids; injectable so tests are deterministic. */
export type NewId = (prefix: "msg" | "toolu") => string;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `msg_…` / `toolu_…` with 24 random base62 characters, the shape Anthropic uses. */
export const randomId: NewId = (prefix) => {
  const bytes = randomBytes(24);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
};

/**
 * Tool ids that already look like Anthropic's or OpenAI's are kept, so logs and the upstream's
 * own history line up; anything else (Gemini's ids, empty ids, ids with characters outside
 * Anthropic's `^[a-zA-Z0-9_-]+$`) gets a fresh `toolu_` id. Claude Code echoes the id back in the
 * next turn's tool_use and tool_result, so the replacement stays consistent within a conversation.
 */
export function keepsToolUseId(id: string): boolean {
  return /^(toolu_|call_)[A-Za-z0-9_-]+$/.test(id);
}

/** The object a tool_use block carries. Anthropic's input is always an object (T6), so anything else becomes {}. */
export function encodeToolInput(input: string): Record<string, unknown> {
  if (input.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(input);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON (truncated arguments, or a custom tool's raw text): there is no object to keep
  }
  return {};
}

/**
 * A reasoning part as a thinking or redacted_thinking block, or undefined when it holds nothing
 * (no text and no state): a block with zero content only confuses clients.
 * - Anthropic redacted data with no visible text → redacted_thinking.
 * - Otherwise a thinking block whose signature carries the opaque state (wire.ts explains the
 *   `cpk:` prefix for non-Anthropic origins).
 */
export function encodeReasoningBlock(
  part: Pick<ReasoningPart, "text" | "signature" | "redactedData" | "itemId" | "encryptedContent" | "origin">,
): AnthropicThinkingBlock | AnthropicRedactedThinkingBlock | undefined {
  const anthropic = part.origin === undefined || part.origin === "anthropic";
  if (anthropic && part.redactedData && !part.text && !part.signature) {
    return { type: "redacted_thinking", data: part.redactedData };
  }
  const signature = encodeThinkingSignature(part);
  if (!part.text && signature === undefined) return undefined;
  return { type: "thinking", thinking: part.text, signature: signature ?? "" };
}

/**
 * The stop_reason for an answer. A tool-calls finish with no tool block is demoted to end_turn
 * (T8: Claude Code otherwise waits for tools that never come); a plain stop that did produce tool
 * blocks is promoted to tool_use, since clients only run tools on that stop reason (T9).
 */
export function encodeStopReason(answer: Pick<Answer, "finishReason" | "rawFinishReason">, toolBlocks: number): AnthropicStopReason {
  const stop = mapFinishReason(answer.finishReason, answer.rawFinishReason);
  if (stop === "tool_use" && toolBlocks === 0) return "end_turn";
  if ((stop === "end_turn" || stop === "stop_sequence") && toolBlocks > 0) return "tool_use";
  return stop;
}

/** A whole answer as Anthropic's non-streaming message JSON (the same mapping as encode-stream). */
export function encodeAnthropicMessage(answer: Answer, model: string, newId: NewId = randomId): AnthropicMessage {
  const id = answer.id && answer.id.startsWith("msg_") ? answer.id : newId("msg");
  const content: AnthropicAssistantBlock[] = [];
  let toolBlocks = 0;
  for (const part of answer.content) {
    switch (part.type) {
      case "text":
        if (part.text) content.push({ type: "text", text: part.text });
        break;
      case "reasoning": {
        const block = encodeReasoningBlock(part);
        if (block) content.push(block);
        break;
      }
      case "tool-call":
        toolBlocks++;
        content.push({
          type: "tool_use",
          id: keepsToolUseId(part.id) ? part.id : newId("toolu"),
          name: part.name,
          input: encodeToolInput(part.input),
        });
        break;
      default: {
        const never: never = part;
        return never;
      }
    }
  }
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: encodeStopReason(answer, toolBlocks),
    stop_sequence: null,
    usage: encodeAnthropicUsage(answer.usage),
  };
}
