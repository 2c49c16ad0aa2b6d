/**
 * The Anthropic Messages API as it appears on the wire: request bodies, content blocks, the
 * non-streaming message and the stream events. Field names are Anthropic's (snake_case); these
 * types describe what we send and, loosely, what we accept — decode-request.ts validates the
 * accepted side field by field, so nothing here is trusted as-is.
 *
 * The one convention that lives here rather than in a codec: how opaque reasoning state from a
 * non-Anthropic upstream rides inside a `thinking.signature` (see encodeThinkingSignature).
 */

import type { Dialect } from "../../ir/request.js";
import { OPAQUE_STATE_PREFIX, packOpaqueState, unpackOpaqueState } from "../../ir/opaque-state.js";

export interface AnthropicCacheControl {
  type: "ephemeral";
  ttl?: string;
  /** Claude Code's prompt-caching-scope beta; Copilot rejects it (known-failures T22), so we never send it. */
  scope?: unknown;
}

export interface AnthropicTextBlock {
  type: "text";
  text: string;
  cache_control?: AnthropicCacheControl | null;
  /** Citations on assistant text; accepted and ignored. */
  citations?: unknown;
}

export type AnthropicImageSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string };

export interface AnthropicImageBlock {
  type: "image";
  source: AnthropicImageSource;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicDocumentBlock {
  type: "document";
  /** base64 PDF, plain text, URL or content blocks: carried opaquely. */
  source: unknown;
  title?: string | null;
  context?: string | null;
  citations?: unknown;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | (AnthropicTextBlock | AnthropicImageBlock)[];
  is_error?: boolean;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicThinkingBlock {
  type: "thinking";
  thinking: string;
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: "redacted_thinking";
  data: string;
}

/** Server-side tool blocks (web search, tool search): we don't run server tools, so these are opaque. */
export interface AnthropicServerToolBlock {
  type: "server_tool_use" | "web_search_tool_result" | "tool_search_tool_result";
  [key: string]: unknown;
}

export type AnthropicUserBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolResultBlock;

export type AnthropicAssistantBlock =
  | AnthropicTextBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock
  | AnthropicToolUseBlock;

export type AnthropicContentBlock = AnthropicUserBlock | AnthropicAssistantBlock | AnthropicServerToolBlock;

export interface AnthropicMessageParam {
  /** "system" only inside messages from Claude Code ≥ 2.1.153 (mid-conversation-system beta). */
  role: "user" | "assistant" | "system";
  content: string | AnthropicContentBlock[];
}

/** A client function tool. `type` is absent or "custom" for these. */
export interface AnthropicFunctionTool {
  type?: "custom" | null;
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
  cache_control?: AnthropicCacheControl | null;
  /** Advanced-tool-use fields; accepted and ignored (Copilot rejects them: T22). */
  defer_loading?: boolean;
  eager_input_streaming?: boolean;
  input_examples?: unknown;
}

/** Anthropic-defined tools (`web_search_20250305`, `bash_20250124`, `text_editor_…`): refused. */
export interface AnthropicTypedTool {
  type: string;
  name: string;
  [key: string]: unknown;
}

export type AnthropicTool = AnthropicFunctionTool | AnthropicTypedTool;

export type AnthropicToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export type AnthropicThinkingConfig =
  | { type: "enabled"; budget_tokens: number }
  | { type: "adaptive" }
  | { type: "disabled" };

export type AnthropicEffort = "low" | "medium" | "high" | "xhigh" | "max";

export interface AnthropicOutputConfig {
  effort?: AnthropicEffort;
  /** Structured outputs. */
  format?: { type: "json_schema"; schema: unknown };
}

export interface AnthropicRequest {
  model: string;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  max_tokens: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  thinking?: AnthropicThinkingConfig;
  output_config?: AnthropicOutputConfig;
  metadata?: { user_id?: string | null; [key: string]: unknown };
  /** Accepted and ignored by decodeAnthropicRequest; never sent to Copilot (T22). */
  context_management?: unknown;
  service_tier?: string;
  container?: unknown;
}

export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** message_delta's usage: output_tokens always, the rest only when known (the SDK overwrites what is present). */
export interface AnthropicDeltaUsage {
  output_tokens: number;
  input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicAssistantBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export type AnthropicContentBlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "signature_delta"; signature: string }
  | { type: "input_json_delta"; partial_json: string }
  | { type: "citations_delta"; citation: unknown };

export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "content_block_start"; index: number; content_block: AnthropicAssistantBlock | AnthropicServerToolBlock }
  | { type: "content_block_delta"; index: number; delta: AnthropicContentBlockDelta }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
      usage: AnthropicDeltaUsage;
    }
  | { type: "message_stop" }
  | { type: "ping" }
  | { type: "error"; error: { type: string; message: string } };

/* ------------------------------------------------------------------------------------------------
 * Opaque reasoning state in `thinking.signature`.
 *
 * Anthropic clients (Claude Code) echo every thinking block back byte-exact on the next turn, so a
 * thinking block is the only place where reasoning state from another upstream (Copilot chat's
 * reasoning_opaque, a Responses item's encrypted_content) can survive a Claude Code round trip.
 * Its signature then carries that state, tagged with where it came from:
 *
 *   cpk:<origin>:<base64url(JSON {s?: signature, r?: redactedData, i?: itemId, e?: encryptedContent})>
 *
 * An unprefixed signature is a real Anthropic signature (origin "anthropic"). The JSON payload is
 * base64url-encoded so that the value has no separators to escape, whatever the upstream put in it.
 * decode-request parses the prefix back; encode-request then drops reasoning whose origin isn't
 * "anthropic" before it reaches Claude, which would reject the foreign signature (T11).
 * ---------------------------------------------------------------------------------------------- */

const FOREIGN_ORIGINS: readonly Dialect[] = ["openai-chat", "openai-responses"];

export interface ReasoningState {
  signature?: string;
  redactedData?: string;
  itemId?: string;
  encryptedContent?: string;
  origin?: Dialect;
}

/** The signature string for a thinking block, or undefined when there is no state to carry. */
export function encodeThinkingSignature(state: ReasoningState): string | undefined {
  if (state.origin === undefined || state.origin === "anthropic") return state.signature || undefined;
  return packOpaqueState({ ...state, origin: state.origin });
}

/**
 * The reverse of encodeThinkingSignature. Returns undefined for a malformed `cpk:` value, so the
 * caller can name the field in its error.
 */
export function decodeThinkingSignature(value: string): ReasoningState | undefined {
  if (!value.startsWith(OPAQUE_STATE_PREFIX)) return value === "" ? {} : { signature: value, origin: "anthropic" };
  return unpackOpaqueState(value, FOREIGN_ORIGINS);
}
