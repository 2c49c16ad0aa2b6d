// POST {capi}/v1/messages and /v1/messages/count_tokens: Copilot's native Anthropic Messages
// (Bedrock-backed: `amazon-bedrock-invocationMetrics`, `copilot_usage`, and a trailing
// `event: message` / `data: [DONE]` after message_stop).
import { allText, lastText } from "./content-text.js";
import { anthropicError } from "./errors.js";
import { isObject, sendJson } from "./http-io.js";
import { THINKING_SIG_KIND, validateMessages } from "./messages-validate.js";
import type { FakeModel } from "./models.js";
import { cachedTokens } from "./prompt-cache.js";
import { copilotUsage } from "./copilot-usage.js";
import { argumentFragments, joined, planReply, type Turn } from "./reply-plan.js";
import { GENERIC_SHAPES, sendReplyJson, sendStream } from "./reply-writer.js";
import { sse, type FaultShapes, type SseEvent } from "./sse.js";
import type { Exchange } from "./state.js";
import { completionTokens, promptTokens } from "./token-count.js";

const SHAPES: FaultShapes = {
  streamError: sse({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, "error"),
  authError: sse({ type: "error", error: { type: "authentication_error", message: "unauthorized: token expired" } }, "error"),
  invalidJson: { event: "content_block_delta", data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"bro' },
  bodyError: anthropicError("Overloaded", "overloaded_error"),
};

/** Copilot echoes Claude ids in dash form: claude-sonnet-4.5 → claude-sonnet-4-5. */
export function dashModelId(id: string): string {
  return id.replace(/\./g, "-");
}

export function messagesTurn(messages: unknown[]): Turn {
  const last = messages.at(-1);
  if (isObject(last) && last.role === "user" && Array.isArray(last.content)) {
    const results = (last.content as unknown[]).filter((b) => isObject(b) && b.type === "tool_result") as Record<string, unknown>[];
    if (results.length > 0) {
      return { kind: "tool-result", text: results.map((r) => (typeof r.content === "string" ? r.content : allText(r.content)).trim()).join("\n") };
    }
  }
  const lastUser = [...messages].reverse().find((m) => isObject(m) && m.role === "user") as Record<string, unknown> | undefined;
  return { kind: "user", text: lastText(lastUser?.content) };
}

function customToolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .filter((t) => isObject(t) && (t.type === undefined || t.type === "custom") && typeof t.name === "string")
    .map((t) => (t as { name: string }).name);
}

type Block =
  | { type: "thinking"; thinking: string; signature: string; deltas: string[] }
  | { type: "text"; text: string; deltas: string[] }
  | { type: "tool_use"; id: string; name: string; args: string };

function finalBlock(b: Block): Record<string, unknown> {
  switch (b.type) {
    case "thinking":
      return { type: "thinking", thinking: b.thinking, signature: b.signature };
    case "text":
      return { type: "text", text: b.text };
    case "tool_use":
      return { type: "tool_use", id: b.id, name: b.name, input: JSON.parse(b.args) };
  }
}

export async function handleCountTokens(ex: Exchange, model: FakeModel): Promise<void> {
  const body = ex.call.body;
  const invalid = validateMessages(body, model, ex.state.signer, true);
  if (invalid) return sendJson(ex.res, 400, anthropicError(invalid));
  return sendReplyJson(ex, { input_tokens: promptTokens("messages", body) }, GENERIC_SHAPES);
}

export async function handleMessages(ex: Exchange, model: FakeModel): Promise<void> {
  const body = ex.call.body;
  const { state } = ex;
  const invalid = validateMessages(body, model, state.signer, false);
  if (invalid) return sendJson(ex.res, 400, anthropicError(invalid));

  const thinkingType = isObject(body.thinking) ? body.thinking.type : undefined;
  const plan = planReply({
    model,
    turn: messagesTurn(body.messages),
    tools: customToolNames(body.tools),
    thinking: thinkingType === "enabled" || thinkingType === "adaptive",
  });
  const blocks: Block[] = [];
  const reasoning = joined(plan.reasoningDeltas);
  if (reasoning) {
    blocks.push({ type: "thinking", thinking: reasoning, signature: state.signer.signText(THINKING_SIG_KIND, reasoning), deltas: plan.reasoningDeltas });
  }
  const text = joined(plan.textDeltas);
  if (text) blocks.push({ type: "text", text, deltas: plan.textDeltas });
  for (const c of plan.toolCalls) blocks.push({ type: "tool_use", id: state.ids.next("toolu_vrtx_", 24), name: c.name, args: c.arguments });

  const total = promptTokens("messages", body);
  const cached = cachedTokens(state, ["messages", model.id, body.system ?? null, body.tools ?? null], body.messages, total);
  const outputTokens = completionTokens(reasoning, text, plan.toolCalls);
  const usage = { input_tokens: total - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: outputTokens };
  const stopReason = plan.toolCalls.length > 0 ? "tool_use" : "end_turn";
  const message = {
    id: state.ids.next("msg_vrtx_", 24),
    type: "message",
    role: "assistant",
    model: dashModelId(model.id),
    content: [] as unknown[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage: { ...usage, output_tokens: 1 },
  };

  const cost = copilotUsage(state, model, { input: usage.input_tokens, cacheRead: cached, cacheWrite: 0, output: outputTokens });
  const costField = cost ? { copilot_usage: cost } : {};
  if (body.stream !== true) {
    return sendReplyJson(ex, { ...message, content: blocks.map(finalBlock), stop_reason: stopReason, usage, ...costField }, SHAPES);
  }

  const events: SseEvent[] = [sse({ type: "message_start", message }, "message_start")];
  blocks.forEach((b, index) => {
    const start =
      b.type === "thinking"
        ? { type: "thinking", thinking: "", signature: "" }
        : b.type === "text"
          ? { type: "text", text: "" }
          : { type: "tool_use", id: b.id, name: b.name, input: {} };
    events.push(sse({ type: "content_block_start", index, content_block: start }, "content_block_start"));
    if (index === 0) events.push(sse({ type: "ping" }, "ping"));
    const delta = (d: unknown) => events.push(sse({ type: "content_block_delta", index, delta: d }, "content_block_delta"));
    if (b.type === "thinking") {
      for (const t of b.deltas) delta({ type: "thinking_delta", thinking: t });
      delta({ type: "signature_delta", signature: b.signature });
    } else if (b.type === "text") {
      for (const t of b.deltas) delta({ type: "text_delta", text: t });
    } else {
      for (const p of argumentFragments(b.args)) delta({ type: "input_json_delta", partial_json: p });
    }
    events.push(sse({ type: "content_block_stop", index }, "content_block_stop"));
  });
  events.push(
    sse({ type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage, ...costField }, "message_delta", true),
  );
  events.push(
    sse(
      {
        type: "message_stop",
        "amazon-bedrock-invocationMetrics": { inputTokenCount: usage.input_tokens, outputTokenCount: outputTokens, invocationLatency: 1234, firstByteLatency: 321 },
      },
      "message_stop",
      true,
    ),
  );
  events.push(sse("[DONE]", "message", true));
  return sendStream(ex, events, SHAPES);
}
