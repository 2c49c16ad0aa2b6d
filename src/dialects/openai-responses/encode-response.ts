import { randomBytes } from "node:crypto";
import type { ApiError, ErrorKind } from "../../errors.js";
import type { Answer } from "../../ir/accumulate.js";
import type { ReasoningPart } from "../../ir/request.js";
import type { FinishReason, Usage } from "../../ir/stream.js";
import { encodeResponsesUsage, type ResponsesUsage } from "./convert-usage.js";
import { encodeResponsesStatus } from "./map-status.js";
import { encodeForeignReasoning } from "./wire.js";

/** Generates wire ids; injectable so tests are deterministic. */
export type NewResponsesId = (prefix: "resp" | "msg" | "rs" | "fc" | "ctc") => string;

/** `<prefix>_` + 48 hex characters, the length of OpenAI's own ids. */
export const randomResponsesId: NewResponsesId = (prefix) => `${prefix}_${randomBytes(24).toString("hex")}`;

// ---- output items, shared with encode-stream.ts ----

export interface OutputTextPart {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface MessageOutputItem {
  id: string;
  type: "message";
  status: "in_progress" | "completed";
  role: "assistant";
  content: OutputTextPart[];
}

export interface ReasoningOutputItem {
  id: string;
  type: "reasoning";
  summary: { type: "summary_text"; text: string }[];
  encrypted_content?: string;
}

export interface FunctionCallOutputItem {
  id: string;
  type: "function_call";
  status: "in_progress" | "completed";
  call_id: string;
  name: string;
  arguments: string;
}

export interface CustomToolCallOutputItem {
  id: string;
  type: "custom_tool_call";
  status: "in_progress" | "completed";
  call_id: string;
  name: string;
  input: string;
}

export type OutputItem = MessageOutputItem | ReasoningOutputItem | FunctionCallOutputItem | CustomToolCallOutputItem;

export const outputText = (text: string): OutputTextPart => ({ type: "output_text", text, annotations: [], logprobs: [] });

export function messageItem(id: string, text: string | undefined): MessageOutputItem {
  return text === undefined
    ? { id, type: "message", status: "in_progress", role: "assistant", content: [] }
    : { id, type: "message", status: "completed", role: "assistant", content: [outputText(text)] };
}

/**
 * The encrypted_content a reasoning item carries: Responses state as-is (byte-exact, cao#376);
 * another dialect's state (an Anthropic signature, chat's reasoning_opaque) in the `cpk:` envelope
 * of wire.ts, so that Codex echoes it back and decode-request can restore it.
 */
export function reasoningState(part: Pick<ReasoningPart, "signature" | "redactedData" | "itemId" | "encryptedContent" | "origin">): string | undefined {
  if (part.origin === "openai-responses") return part.encryptedContent || undefined;
  return encodeForeignReasoning({
    origin: part.origin ?? "anthropic",
    signature: part.signature,
    redactedData: part.redactedData,
    itemId: part.itemId,
  });
}

/** Only Responses item ids are echoed as item ids; anything else gets a fresh `rs_` id. */
export function reasoningItemId(part: Pick<ReasoningPart, "itemId" | "origin">, newId: NewResponsesId): string {
  return part.origin === "openai-responses" && part.itemId ? part.itemId : newId("rs");
}

export function reasoningItem(id: string, text: string, encrypted: string | undefined): ReasoningOutputItem {
  const item: ReasoningOutputItem = { id, type: "reasoning", summary: text ? [{ type: "summary_text", text }] : [] };
  if (encrypted !== undefined) item.encrypted_content = encrypted;
  return item;
}

export function toolCallItem(
  id: string,
  call: { callId: string; name: string; custom: boolean },
  input: string | undefined,
): FunctionCallOutputItem | CustomToolCallOutputItem {
  const status = input === undefined ? "in_progress" : "completed";
  return call.custom
    ? { id, type: "custom_tool_call", status, call_id: call.callId, name: call.name, input: input ?? "" }
    : { id, type: "function_call", status, call_id: call.callId, name: call.name, arguments: input ?? "" };
}

// ---- the response object ----

export interface ResponseObjectInit {
  id: string;
  model: string;
  createdAt: number;
  status: "in_progress" | "completed" | "incomplete" | "failed";
  output: OutputItem[];
  usage: ResponsesUsage | null;
  incompleteDetails?: { reason: string } | null;
  error?: { code: string; message: string } | null;
}

/**
 * A Responses `response` object: the fields the openai SDK and Codex read (id, status, output,
 * usage, error, incomplete_details) and the rest of OpenAI's shape with neutral values, since we
 * don't know (and Copilot doesn't echo faithfully) what the request set.
 */
export function responseObject(init: ResponseObjectInit) {
  return {
    id: init.id,
    object: "response" as const,
    created_at: init.createdAt,
    status: init.status,
    background: false,
    error: init.error ?? null,
    incomplete_details: init.incompleteDetails ?? null,
    instructions: null,
    max_output_tokens: null,
    metadata: {},
    model: init.model,
    output: init.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: null,
    store: false,
    temperature: null,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: null,
    truncation: "disabled",
    usage: init.usage,
    user: null,
  };
}

export function terminalFields(reason: FinishReason, usage: Usage, inputTokensEstimate?: number) {
  const { status, incomplete_details } = encodeResponsesStatus(reason);
  return { status, incompleteDetails: incomplete_details, usage: encodeResponsesUsage(usage, inputTokensEstimate) };
}

/**
 * The `response.error.code` for a failure. Codex branches on three codes (context_length_exceeded:
 * the context is full; insufficient_quota: stop; rate_limit_exceeded: wait and retry), so those
 * kinds are named that way whatever the upstream called them; otherwise Copilot's own code.
 */
const CODE_BY_KIND: Partial<Record<ErrorKind, string>> = {
  context_window: "context_length_exceeded",
  quota: "insufficient_quota",
  rate_limit: "rate_limit_exceeded",
};

export function responseErrorBody(error: ApiError): { code: string; message: string } {
  return {
    code: CODE_BY_KIND[error.kind] ?? error.code ?? "server_error",
    message: error.requestId ? `${error.message} (x-github-request-id: ${error.requestId})` : error.message,
  };
}

export interface ResponsesResponseOptions {
  /** Defaults to the answer's id when it is a `resp_` id, else a fresh one. */
  id?: string;
  /** Unix seconds; defaults to now. */
  createdAt?: number;
  newId?: NewResponsesId;
}

/**
 * A whole answer → a non-streaming Responses object, with the same item shapes as encode-stream.ts:
 * each text part a message item, each reasoning part a reasoning item (state carried per
 * reasonState), each tool call a function_call item, or a custom_tool_call item with the raw input
 * for custom tools (Codex's apply_patch, case 34).
 */
export function encodeResponsesResponse(answer: Answer, model: string, options: ResponsesResponseOptions = {}) {
  const newId = options.newId ?? randomResponsesId;
  const output: OutputItem[] = [];
  for (const part of answer.content) {
    switch (part.type) {
      case "text":
        if (part.text) output.push(messageItem(newId("msg"), part.text));
        break;
      case "reasoning": {
        const state = reasoningState(part);
        if (part.text || state !== undefined) output.push(reasoningItem(reasoningItemId(part, newId), part.text, state));
        break;
      }
      case "tool-call":
        output.push(toolCallItem(newId(part.custom ? "ctc" : "fc"), { callId: part.id, name: part.name, custom: part.custom === true }, part.input));
        break;
      default: {
        const never: never = part;
        return never;
      }
    }
  }
  const id = options.id ?? (answer.id?.startsWith("resp_") ? answer.id : newId("resp"));
  return responseObject({
    id,
    model,
    createdAt: options.createdAt ?? Math.floor(Date.now() / 1000),
    output,
    ...terminalFields(answer.finishReason, answer.usage),
  });
}
