/**
 * The OpenAI Responses API as it appears on the wire, in the shapes this dialect reads and writes:
 * what Codex CLI sends us (real-clients.md 2.2), what we send Copilot's `/responses`
 * (copilot-upstream.md 6) and the output items and stream events of an answer. Request types are
 * what we send; everything we receive is typed loosely (every field optional) and validated where
 * it is read.
 *
 * Also here, as conventions shared by the codecs and the pass-through interceptors:
 * - how a custom (free-form) tool travels as a function tool, since Copilot rejects custom tools
 *   (known-failures F1, cao#242);
 * - how reasoning state from another upstream rides inside a reasoning item's `encrypted_content`.
 */

import type { CustomTool, Dialect } from "../../ir/request.js";
import { OPAQUE_STATE_PREFIX, type OpaqueState, packOpaqueState, unpackOpaqueState } from "../../ir/opaque-state.js";

// ---- request (what we send to Copilot) ----

export interface ResponsesInputText {
  type: "input_text";
  text: string;
}

export interface ResponsesInputImage {
  type: "input_image";
  image_url: string;
  /** Copilot takes only "low" or "high" (copilot-upstream.md 6, cao#362). */
  detail: "low" | "high";
}

export interface ResponsesInputFile {
  type: "input_file";
  filename?: string;
  file_data: string;
}

export interface ResponsesOutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
}

export type ResponsesInputContent = ResponsesInputText | ResponsesInputImage | ResponsesInputFile;

export interface ResponsesMessageItem {
  type: "message";
  role: "user" | "assistant" | "system" | "developer";
  content: (ResponsesInputContent | ResponsesOutputText)[];
  /** Assistant messages: commentary / final_answer, round-tripped (copilot-upstream.md 6). */
  phase?: string;
}

export interface ResponsesReasoningItem {
  type: "reasoning";
  id?: string;
  summary: { type: "summary_text"; text: string }[];
  encrypted_content: string;
}

export interface ResponsesFunctionCallItem {
  type: "function_call";
  call_id: string;
  name: string;
  arguments: string;
}

export interface ResponsesFunctionCallOutputItem {
  type: "function_call_output";
  call_id: string;
  output: string;
}

export type ResponsesInputItem =
  | ResponsesMessageItem
  | ResponsesReasoningItem
  | ResponsesFunctionCallItem
  | ResponsesFunctionCallOutputItem;

export interface ResponsesFunctionTool {
  type: "function";
  name: string;
  description?: string;
  parameters: unknown;
  strict: boolean;
}

export type ResponsesToolChoice = "auto" | "none" | "required" | { type: "function"; name: string };

export interface ResponsesTextFormat {
  format: { type: "text" } | { type: "json_object" } | { type: "json_schema"; name: string; schema: unknown; strict?: boolean };
}

export interface ResponsesRequestBody {
  model: string;
  input: ResponsesInputItem[];
  stream: boolean;
  store: false;
  include?: string[];
  tools?: ResponsesFunctionTool[];
  tool_choice?: ResponsesToolChoice;
  parallel_tool_calls?: boolean;
  max_output_tokens?: number;
  temperature?: number;
  reasoning?: { effort?: string; summary?: "detailed" };
  text?: ResponsesTextFormat;
  prompt_cache_key?: string;
}

// ---- answers (what we receive, and what we write to Responses clients) ----

export interface ResponsesUsageWire {
  input_tokens?: number;
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [k: string]: unknown } | null;
  output_tokens?: number;
  output_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown } | null;
  total_tokens?: number;
  [k: string]: unknown;
}

export interface ResponsesErrorWire {
  code?: string | null;
  message?: string | null;
  param?: string | null;
  type?: string | null;
  [k: string]: unknown;
}

/** An output item as received: message, reasoning, function_call, custom_tool_call, or anything else. */
export interface ResponsesOutputItemWire {
  type?: string;
  id?: string;
  status?: string;
  role?: string;
  phase?: string;
  content?: { type?: string; text?: string; refusal?: string; [k: string]: unknown }[] | null;
  summary?: { type?: string; text?: string }[] | null;
  encrypted_content?: string | null;
  call_id?: string;
  name?: string;
  arguments?: string;
  input?: string;
  [k: string]: unknown;
}

export interface ResponsesObjectWire {
  id?: string;
  object?: string;
  model?: string;
  status?: string;
  output?: ResponsesOutputItemWire[] | null;
  usage?: ResponsesUsageWire | null;
  error?: ResponsesErrorWire | null;
  incomplete_details?: { reason?: string | null } | null;
  [k: string]: unknown;
}

/** One stream event's data (`type` says which). */
export interface ResponsesEventWire {
  type?: string;
  sequence_number?: number;
  response?: ResponsesObjectWire | null;
  output_index?: number;
  content_index?: number;
  summary_index?: number;
  item_id?: string;
  item?: ResponsesOutputItemWire | null;
  part?: { type?: string; text?: string; [k: string]: unknown } | null;
  delta?: string;
  text?: string;
  arguments?: string;
  input?: string;
  refusal?: string;
  /** `error` events carry these at the top level. */
  code?: string | null;
  message?: string | null;
  param?: string | null;
  error?: ResponsesErrorWire | null;
  [k: string]: unknown;
}

/** Parses one event's `data`; undefined for anything that isn't a JSON object. */
export function parseEventData(data: string): ResponsesEventWire | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as ResponsesEventWire) : undefined;
  } catch {
    return undefined;
  }
}

/* ------------------------------------------------------------------------------------------------
 * Custom tools as function tools.
 *
 * Copilot refuses `{type:"custom"}` tools (Codex's `apply_patch`, a lark grammar), so they go
 * upstream as a function tool taking one string, `{"input": "<raw text>"}`, with the grammar spelled
 * out in that parameter's description; the answer's function call is unwrapped back into raw text
 * (known-failures F1 and case 34, cao#242).
 * ---------------------------------------------------------------------------------------------- */

/** The function tool a custom tool is sent as. */
export function customToolAsFunction(tool: Pick<CustomTool, "name" | "description" | "format">): ResponsesFunctionTool {
  const fn: ResponsesFunctionTool = {
    type: "function",
    name: tool.name,
    parameters: {
      type: "object",
      properties: { input: { type: "string", description: customInputDescription(tool.format) } },
      required: ["input"],
      additionalProperties: false,
    },
    strict: false,
  };
  if (tool.description) fn.description = tool.description;
  return fn;
}

function customInputDescription(format: unknown): string {
  let text = "The raw input for this tool, as free-form text (not JSON).";
  const f = format as { type?: unknown; syntax?: unknown; definition?: unknown } | undefined;
  if (f && typeof f === "object" && f.type === "grammar" && typeof f.definition === "string") {
    const syntax = typeof f.syntax === "string" ? f.syntax : "";
    text += ` It must follow this ${syntax ? `${syntax} ` : ""}grammar:\n${f.definition}`;
  }
  return text;
}

/** A custom tool's raw input as function-call arguments. */
export function wrapCustomInput(raw: string): string {
  return JSON.stringify({ input: raw });
}

/** The raw text from `{"input": "<raw>"}` arguments; the text itself when the model didn't wrap it. */
export function unwrapCustomInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === "object" && typeof (parsed as { input?: unknown }).input === "string") {
      return (parsed as { input: string }).input;
    }
  } catch {
    // not JSON: the model wrote the raw text directly
  }
  return args;
}

/* ------------------------------------------------------------------------------------------------
 * Foreign reasoning state in `encrypted_content`.
 *
 * Responses clients (Codex) echo every reasoning item back byte-exact with its encrypted_content,
 * so that field is where reasoning state from another upstream (an Anthropic thinking signature,
 * Copilot chat's reasoning_opaque) survives a Codex round trip. It uses the same format as a
 * thinking signature carrying foreign state (anthropic/wire.ts):
 *
 *   cpk:<origin>:<base64url(JSON {s?: signature, r?: redactedData, i?: itemId})>
 *
 * Real encrypted content from OpenAI/Copilot is never prefixed (it is base64 of a Fernet token,
 * "gAAAA…"), and it is carried as-is with origin "openai-responses". The pass-through interceptors
 * drop `cpk:` items before Copilot sees them: Copilot could not decrypt them.
 * ---------------------------------------------------------------------------------------------- */

export const FOREIGN_STATE_PREFIX = OPAQUE_STATE_PREFIX;
const FOREIGN_ORIGINS: readonly Dialect[] = ["anthropic", "openai-chat"];

export type ForeignReasoningState = Omit<OpaqueState, "encryptedContent">;

/** The encrypted_content for reasoning from another dialect, or undefined when there is no state. */
export function encodeForeignReasoning(state: ForeignReasoningState): string | undefined {
  if (!FOREIGN_ORIGINS.includes(state.origin)) return undefined;
  return packOpaqueState(state);
}

/** The reverse of encodeForeignReasoning; undefined when the value is not a well-formed `cpk:` value. */
export function decodeForeignReasoning(value: string): ForeignReasoningState | undefined {
  const state = unpackOpaqueState(value, FOREIGN_ORIGINS);
  if (!state) return undefined;
  const { encryptedContent: _ignored, ...rest } = state;
  return rest;
}

/* ------------------------------------------------------------------------------------------------
 * Image detail.
 *
 * Copilot's /responses answers "image detail has to be either 'low' or 'high'" to `auto` (and to a
 * missing detail: OpenAI's schema requires the field) (copilot-upstream.md 6, known-failures U8,
 * case 35, cao#362). `auto` becomes `high`: OpenAI's auto picks high for any image large enough to
 * matter, and the images Codex and Claude Code send are screenshots and diagrams whose small text
 * low detail (one 512 px tile) makes unreadable; the cost is tokens, not correctness.
 * ---------------------------------------------------------------------------------------------- */

export const AUTO_IMAGE_DETAIL = "high" as const;

export function copilotImageDetail(detail: unknown): "low" | "high" {
  return detail === "low" ? "low" : detail === "high" ? "high" : AUTO_IMAGE_DETAIL;
}
