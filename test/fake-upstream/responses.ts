// POST {capi}/responses: stateless (store:false) OpenAI Responses as Copilot serves it.
// Streams rotate item ids: every event carries a fresh `item_id` / `item.id` (and response id)
// while `output_index` and `call_id` stay stable; the stream ends with an extra `data: [DONE]`.
// Item ids are connection-bound blobs (not `rs_…`): each one names the same item, and a reasoning
// item's encrypted content is bound to it. A reasoning item sent back with any other id is refused
// ("Encrypted content item_id did not match the target item id", openclaw#71333/#72602); one sent
// without an id is accepted, the item being recovered from its encrypted content.
import { allText, lastText } from "./content-text.js";
import { capiError } from "./errors.js";
import { isObject, sendJson } from "./http-io.js";
import type { FakeModel } from "./models.js";
import { cachedTokens } from "./prompt-cache.js";
import { copilotUsage } from "./copilot-usage.js";
import { argumentFragments, joined, planReply, type Turn } from "./reply-plan.js";
import { sendReplyJson, sendStream } from "./reply-writer.js";
import { sse, type FaultShapes, type SseEvent } from "./sse.js";
import type { Exchange, FakeState } from "./state.js";
import { handleWebSearchResponses, offersWebSearch } from "./web-search.js";
import { completionTokens, promptTokens } from "./token-count.js";

const ENC_KIND = "reasoning.encrypted_content";

function notPersisted(id: unknown): unknown {
  return capiError(`Item with id '${String(id ?? "")}' not found. Items are not persisted when store is set to false`, "not_found", { param: "input" });
}

const ITEM_ID_KIND = "item-id";

/** A fresh wire id for the item `canonical`: a new blob on every call, always naming that item. */
function boundId(state: FakeState, canonical: string): string {
  return Buffer.from(state.signer.seal(ITEM_ID_KIND, { id: canonical, n: state.ids.next("", 8) })).toString("base64url");
}

/** The item a wire id names, or undefined when this instance did not issue it. */
function boundItem(state: FakeState, id: unknown): string | undefined {
  if (typeof id !== "string") return undefined;
  const sealed = state.signer.unseal(ITEM_ID_KIND, Buffer.from(id, "base64url").toString("utf8"));
  return isObject(sealed) && typeof sealed.id === "string" ? sealed.id : undefined;
}

function inputItems(body: any): unknown[] {
  if (typeof body.input === "string") return [{ type: "message", role: "user", content: body.input }];
  return Array.isArray(body.input) ? body.input : [];
}

/** Copilot's request rules for /responses; returns an error body or undefined. */
export function validateResponses(body: any, model: FakeModel, state: FakeState): unknown {
  if (body.previous_response_id != null) {
    return capiError("previous_response_id is not supported", "unsupported_value", { param: "previous_response_id" });
  }
  // [U] Copilot's /responses, like OpenAI's, refuses fewer than 16 output tokens (copilot-upstream.md 13.2).
  if (typeof body.max_output_tokens === "number" && body.max_output_tokens < 16) {
    return capiError(
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${body.max_output_tokens} instead.`,
      "integer_below_min_value",
      { param: "max_output_tokens" },
    );
  }
  if (typeof body.input !== "string" && !Array.isArray(body.input)) {
    return capiError("Missing required parameter: 'input'.", "missing_required_parameter", { param: "input" });
  }
  if (Array.isArray(body.tools)) {
    for (const [i, t] of (body.tools as unknown[]).entries()) {
      if (isObject(t) && t.type === "custom") {
        return capiError(`tool type 'custom' is not supported (tools[${i}] '${String(t.name)}')`, "unsupported_value", { param: `tools[${i}].type` });
      }
    }
  }
  for (const [i, item] of inputItems(body).entries()) {
    if (!isObject(item)) return capiError(`invalid request body, failed to validate schema: input[${i}]: want object`, "invalid_request_body");
    if (item.type === "item_reference" || (item.type === undefined && item.role === undefined && typeof item.id === "string")) {
      return notPersisted(item.id);
    }
    if (item.type === "reasoning") {
      if (item.encrypted_content == null) return notPersisted(item.id);
      const sealed = state.signer.unseal(ENC_KIND, item.encrypted_content);
      if (!isObject(sealed) || sealed.model !== model.id) {
        return capiError(`The encrypted content for item ${String(item.id ?? "")} could not be verified.`, "invalid_encrypted_content", {
          param: `input[${i}].encrypted_content`,
        });
      }
      if (item.id !== undefined && boundItem(state, item.id) !== sealed.item) {
        return capiError(
          `The encrypted content for item ${String(item.id)} could not be verified. Reason: Encrypted content item_id did not match the target item id.`,
          "invalid_encrypted_content",
          { param: `input[${i}].id` },
        );
      }
    }
    if (Array.isArray(item.content)) {
      for (const part of item.content as unknown[]) {
        if (!isObject(part) || part.type !== "input_image") continue;
        if (part.detail === "auto") return capiError("image detail has to be either 'low' or 'high'", "invalid_request_body");
        if (typeof part.image_url === "string" && !part.image_url.startsWith("data:")) {
          return capiError("external image URLs are not supported", "bad_request");
        }
      }
    }
  }
  return undefined;
}

export function responsesTurn(items: unknown[]): Turn {
  const results: string[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (!isObject(it) || it.type !== "function_call_output") break;
    results.unshift((typeof it.output === "string" ? it.output : allText(it.output)).trim());
  }
  if (results.length > 0) return { kind: "tool-result", text: results.join("\n") };
  const lastUser = [...items].reverse().find((m) => isObject(m) && m.role === "user" && (m.type ?? "message") === "message") as
    | Record<string, unknown>
    | undefined;
  return { kind: "user", text: lastText(lastUser?.content) };
}

type OutItem =
  | { kind: "reasoning"; deltas: string[]; text: string; enc: string | null; item: string }
  | { kind: "message"; deltas: string[]; text: string; phase: string }
  | { kind: "function_call"; callId: string; name: string; args: string };

const PREFIX = { reasoning: "rs_", message: "msg_", function_call: "fc_" } as const;

function finalItem(item: OutItem, id: string): Record<string, unknown> {
  switch (item.kind) {
    case "reasoning":
      return { id, type: "reasoning", summary: [{ type: "summary_text", text: item.text }], content: [], encrypted_content: item.enc };
    case "message":
      return {
        id,
        type: "message",
        role: "assistant",
        status: "completed",
        phase: item.phase,
        content: [{ type: "output_text", text: item.text, annotations: [], logprobs: [] }],
      };
    case "function_call":
      return { id, type: "function_call", status: "completed", arguments: item.args, call_id: item.callId, name: item.name };
  }
}

export async function handleResponses(ex: Exchange, model: FakeModel): Promise<void> {
  const body = ex.call.body;
  const { state } = ex;
  const invalid = validateResponses(body, model, state);
  if (invalid) return sendJson(ex.res, 400, invalid);
  if (offersWebSearch(body)) return handleWebSearchResponses(ex, model);

  const items = inputItems(body);
  const tools = Array.isArray(body.tools)
    ? (body.tools as unknown[]).filter((t) => isObject(t) && t.type === "function" && typeof t.name === "string").map((t) => (t as { name: string }).name)
    : [];
  const thinking = isObject(body.reasoning) && body.reasoning.effort !== "none";
  const plan = planReply({ model, turn: responsesTurn(items), tools, thinking });
  const wantEnc = Array.isArray(body.include) && body.include.includes(ENC_KIND);

  const out: OutItem[] = [];
  const reasoning = joined(plan.reasoningDeltas);
  if (reasoning) {
    const item = state.ids.next(PREFIX.reasoning, 40);
    const enc = wantEnc ? state.signer.seal(ENC_KIND, { model: model.id, summary: reasoning, item }) : null;
    out.push({ kind: "reasoning", deltas: plan.reasoningDeltas, text: reasoning, enc, item });
  }
  const text = joined(plan.textDeltas);
  if (text) out.push({ kind: "message", deltas: plan.textDeltas, text, phase: plan.toolCalls.length > 0 ? "commentary" : "final_answer" });
  for (const c of plan.toolCalls) out.push({ kind: "function_call", callId: state.ids.next("call_", 24), name: c.name, args: c.arguments });

  const input = promptTokens("responses", body);
  const cached = cachedTokens(state, ["responses", model.id, body.instructions ?? null, body.tools ?? null], items, input);
  const output = completionTokens(reasoning, text, plan.toolCalls);
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: Math.ceil(reasoning.length / 4) },
    total_tokens: input + output,
  };
  const cost = copilotUsage(state, model, { input: input - cached, cacheRead: cached, cacheWrite: 0, output });
  const costField = cost ? { copilot_usage: cost } : {};
  const createdAt = Math.floor(state.now() / 1000);
  const response = (id: string, status: string, output: unknown[], u: unknown, error: unknown = null) => ({
    id,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: model.id,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: body.reasoning ?? null,
    store: false,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" }, verbosity: "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? "disabled",
    usage: u,
    user: null,
    metadata: {},
  });
  const failure = { code: "server_error", message: "An error occurred while processing your request." };
  const rid = () => state.ids.next("resp_", 40);
  const shapes: FaultShapes = {
    streamError: sse({ type: "response.failed", sequence_number: 2, response: response(rid(), "failed", [], null, failure) }, "response.failed"),
    authError: sse({ type: "error", sequence_number: 0, code: "unauthorized", message: "unauthorized: token expired", param: null }, "error"),
    invalidJson: { event: "response.output_text.delta", data: '{"type":"response.output_text.delta","delta":"bro' },
    bodyError: response(rid(), "failed", [], null, failure),
  };

  if (body.stream !== true) {
    const final = out.map((it) => finalItem(it, boundId(state, it.kind === "reasoning" ? it.item : state.ids.next(PREFIX[it.kind], 40))));
    return sendReplyJson(ex, { ...response(rid(), "completed", final, usage), ...costField }, shapes);
  }

  const raw: { type: string; payload: Record<string, unknown> }[] = [];
  const add = (type: string, payload: Record<string, unknown>) => raw.push({ type, payload });
  add("response.created", { response: response(rid(), "in_progress", [], null) });
  add("response.in_progress", { response: response(rid(), "in_progress", [], null) });
  const completedOutput: unknown[] = [];
  out.forEach((it, output_index) => {
    const canonical = it.kind === "reasoning" ? it.item : state.ids.next(PREFIX[it.kind], 40);
    const id = () => boundId(state, canonical);
    if (it.kind === "reasoning") {
      add("response.output_item.added", { output_index, item: { id: id(), type: "reasoning", summary: [], content: [], encrypted_content: it.enc } });
      add("response.reasoning_summary_part.added", { item_id: id(), output_index, summary_index: 0, part: { type: "summary_text", text: "" } });
      for (const delta of it.deltas) add("response.reasoning_summary_text.delta", { item_id: id(), output_index, summary_index: 0, delta });
      add("response.reasoning_summary_text.done", { item_id: id(), output_index, summary_index: 0, text: it.text });
      add("response.reasoning_summary_part.done", { item_id: id(), output_index, summary_index: 0, part: { type: "summary_text", text: it.text } });
    } else if (it.kind === "message") {
      add("response.output_item.added", { output_index, item: { id: id(), type: "message", role: "assistant", status: "in_progress", phase: it.phase, content: [] } });
      const part = { type: "output_text", annotations: [], logprobs: [] };
      add("response.content_part.added", { item_id: id(), output_index, content_index: 0, part: { ...part, text: "" } });
      for (const delta of it.deltas) add("response.output_text.delta", { item_id: id(), output_index, content_index: 0, delta, logprobs: [] });
      add("response.output_text.done", { item_id: id(), output_index, content_index: 0, text: it.text, logprobs: [] });
      add("response.content_part.done", { item_id: id(), output_index, content_index: 0, part: { ...part, text: it.text } });
    } else {
      add("response.output_item.added", {
        output_index,
        item: { id: id(), type: "function_call", status: "in_progress", arguments: "", call_id: it.callId, name: it.name },
      });
      for (const delta of argumentFragments(it.args)) add("response.function_call_arguments.delta", { item_id: id(), output_index, delta });
      add("response.function_call_arguments.done", { item_id: id(), output_index, arguments: it.args });
    }
    add("response.output_item.done", { output_index, item: finalItem(it, id()) });
    completedOutput.push(finalItem(it, id()));
  });
  add("response.completed", { response: response(rid(), "completed", completedOutput, usage), ...costField });

  const events: SseEvent[] = raw.map((e, sequence_number) =>
    sse({ type: e.type, sequence_number, ...e.payload }, e.type, e.type === "response.completed"),
  );
  events.push(sse("[DONE]", undefined, true));
  return sendStream(ex, events, shapes);
}
