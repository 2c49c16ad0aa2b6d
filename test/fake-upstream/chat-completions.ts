// POST {capi}/chat/completions: Copilot-flavoured OpenAI Chat Completions.
import { allText, lastText } from "./content-text.js";
import { capiError } from "./errors.js";
import { isObject, sendJson } from "./http-io.js";
import type { FakeModel } from "./models.js";
import { cachedTokens } from "./prompt-cache.js";
import { copilotUsage } from "./copilot-usage.js";
import { argumentFragments, joined, planReply, type Turn } from "./reply-plan.js";
import { sendReplyJson, sendStream } from "./reply-writer.js";
import { sse, type FaultShapes, type SseEvent } from "./sse.js";
import type { Exchange } from "./state.js";
import { completionTokens, promptTokens } from "./token-count.js";

const OPENAI_VENDORS = ["OpenAI", "Azure OpenAI"];

function schemaError(path: string, got: string, want: string): unknown {
  return capiError(`invalid request body, failed to validate schema: ${path}: got ${got}, want ${want}`, "invalid_request_body");
}

function kindOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function isJsonObjectString(s: unknown): boolean {
  if (typeof s !== "string") return false;
  try {
    return isObject(JSON.parse(s));
  } catch {
    return false;
  }
}

/** Copilot's request rules for /chat/completions; returns an error body or undefined. */
export function validateChat(body: any, model: FakeModel): unknown {
  if (!Array.isArray(body.messages)) return schemaError("messages", kindOf(body.messages), "array");
  if (model.id.startsWith("gpt-5") && body.max_tokens != null) {
    return capiError(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      "unsupported_parameter",
      { param: "max_tokens" },
    );
  }
  if (model.vendor === "Anthropic" && body.temperature != null && body.top_p != null) {
    return capiError("`temperature` and `top_p` cannot both be specified for this model. Please use only one.", "invalid_request_body");
  }
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    if (!isObject(m)) return schemaError(`messages[${i}]`, kindOf(m), "object");
    if (Array.isArray(m.content)) {
      for (const [j, part] of (m.content as unknown[]).entries()) {
        const at = `messages[${i}].content[${j}]`;
        if (!isObject(part)) return schemaError(at, kindOf(part), "object");
        if (part.type !== "image_url") continue;
        if (!isObject(part.image_url)) return schemaError(`${at}.image_url`, kindOf(part.image_url), "object");
        const url = part.image_url.url;
        if (typeof url !== "string") return schemaError(`${at}.image_url.url`, kindOf(url), "string");
        if (!url.startsWith("data:")) return capiError("external image URLs are not supported", "bad_request");
      }
    }
    if (Array.isArray(m.tool_calls)) {
      for (const [k, tc] of (m.tool_calls as unknown[]).entries()) {
        if (!isObject(tc) || !isObject(tc.function) || !isJsonObjectString(tc.function.arguments)) {
          return capiError("Invalid JSON format in tool call arguments", "invalid_tool_call_format", {
            param: `messages[${i}].tool_calls[${k}].function.arguments`,
          });
        }
      }
    }
  }
  if (Array.isArray(body.tools) && OPENAI_VENDORS.includes(model.vendor)) {
    for (const t of body.tools as unknown[]) {
      if (!isObject(t) || t.type !== "function" || !isObject(t.function)) continue;
      const params = t.function.parameters;
      if (isObject(params) && params.type === "object" && !isObject(params.properties)) {
        return capiError(
          `Invalid schema for function '${String(t.function.name)}': In context=(), object schema missing properties.`,
          "invalid_function_parameters",
          { param: "tools" },
        );
      }
    }
  }
  return undefined;
}

export function chatTurn(messages: unknown[]): Turn {
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isObject(m) || m.role !== "tool") break;
    results.unshift(allText(m.content).trim());
  }
  if (results.length > 0) return { kind: "tool-result", text: results.join("\n") };
  const lastUser = [...messages].reverse().find((m) => isObject(m) && m.role === "user") as Record<string, unknown> | undefined;
  return { kind: "user", text: lastText(lastUser?.content) };
}

export function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((t) => (isObject(t) && t.type === "function" && isObject(t.function) ? t.function.name : undefined))
    .filter((n): n is string => typeof n === "string");
}

const SHAPES: FaultShapes = {
  streamError: sse({ error: { message: "Response was interrupted due to a server error. Please try again.", code: "server_error" } }),
  authError: sse({ error: { message: "unauthorized: token expired", code: "unauthorized", type: "authentication_error" } }),
  invalidJson: { data: '{"choices":[{"index":0,"delta":{"content":"bro' },
  bodyError: capiError("Response was interrupted due to a server error. Please try again.", "server_error", { type: "server_error" }),
};

export async function handleChatCompletions(ex: Exchange, model: FakeModel): Promise<void> {
  const body = ex.call.body;
  const invalid = validateChat(body, model);
  if (invalid) return sendJson(ex.res, 400, invalid);
  const { state } = ex;

  const plan = planReply({
    model,
    turn: chatTurn(body.messages),
    tools: toolNames(body.tools),
    thinking: body.reasoning_effort != null || body.thinking_budget != null,
  });
  const text = joined(plan.textDeltas);
  const reasoning = joined(plan.reasoningDeltas);
  const opaque = reasoning ? state.signer.signText("reasoning_opaque", reasoning) : undefined;
  const calls = plan.toolCalls.map((c) => ({ id: state.ids.next("call_", 24), type: "function" as const, function: { ...c } }));
  const finish = calls.length > 0 ? "tool_calls" : "stop";
  const prompt = promptTokens("chat", body);
  const cached = cachedTokens(state, ["chat", model.id, body.tools ?? null], body.messages, prompt);
  const completion = completionTokens(reasoning, text, plan.toolCalls);
  const usage = {
    completion_tokens: completion,
    completion_tokens_details: { accepted_prediction_tokens: 0, rejected_prediction_tokens: 0, reasoning_tokens: Math.ceil(reasoning.length / 4) },
    prompt_tokens: prompt,
    prompt_tokens_details: { cached_tokens: cached },
    total_tokens: prompt + completion,
  };
  const cost = copilotUsage(state, model, { input: prompt - cached, cacheRead: cached, cacheWrite: 0, output: completion });
  const costField = cost ? { copilot_usage: cost } : {};
  const base = { id: state.ids.next("chatcmpl-", 29), created: Math.floor(state.now() / 1000), model: model.id, system_fingerprint: "fp_fake0001" };
  // Copilot's Claude path puts text in choices[0] and the tool calls in choices[1].
  const splitChoices = model.vendor === "Anthropic" && text !== "" && calls.length > 0;
  const toolChoice = splitChoices ? 1 : 0;

  if (body.stream !== true) {
    const reasoningFields = reasoning ? { reasoning_text: reasoning, reasoning_opaque: opaque } : {};
    const choices = splitChoices
      ? [
          { index: 0, finish_reason: finish, content_filter_results: {}, message: { role: "assistant", content: text, ...reasoningFields } },
          { index: 1, finish_reason: finish, content_filter_results: {}, message: { role: "assistant", tool_calls: calls } },
        ]
      : [
          {
            index: 0,
            finish_reason: finish,
            content_filter_results: {},
            message: {
              role: "assistant",
              ...(text !== "" || calls.length === 0 ? { content: text } : {}),
              ...reasoningFields,
              ...(calls.length > 0 ? { tool_calls: calls } : {}),
            },
          },
        ];
    return sendReplyJson(ex, { ...base, choices, usage, ...costField }, SHAPES);
  }

  const chunk = (choices: unknown[], terminal = false): SseEvent => sse({ ...base, choices }, undefined, terminal);
  const events: SseEvent[] = [chunk([{ index: 0, delta: { role: "assistant", content: "" } }])];
  for (const d of plan.reasoningDeltas) events.push(chunk([{ index: 0, delta: { reasoning_text: d } }]));
  if (opaque) events.push(chunk([{ index: 0, delta: { reasoning_opaque: opaque } }]));
  for (const d of plan.textDeltas) events.push(chunk([{ index: 0, delta: { content: d } }]));
  // Interleave parallel calls by index: head0, frag0[0], head1, frag1[0], frag0[1], frag1[1], …
  const frags = calls.map((c) => argumentFragments(c.function.arguments));
  const toolDelta = (delta: unknown) => chunk([{ index: toolChoice, delta: { ...(splitChoices ? { role: "assistant" } : {}), tool_calls: [delta] } }]);
  calls.forEach((c, k) => {
    events.push(toolDelta({ index: k, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }));
    events.push(toolDelta({ index: k, function: { arguments: frags[k]![0] } }));
  });
  const maxFrags = Math.max(0, ...frags.map((f) => f.length));
  for (let n = 1; n < maxFrags; n++) {
    frags.forEach((f, k) => {
      if (n < f.length) events.push(toolDelta({ index: k, function: { arguments: f[n] } }));
    });
  }
  const choiceIndexes = splitChoices ? [0, 1] : [0];
  for (const index of choiceIndexes) events.push(chunk([{ index, delta: {}, finish_reason: finish }], true));
  // Copilot always sends a usage-only chunk, even without stream_options.include_usage.
  events.push(sse({ ...base, choices: [], usage, ...costField }, undefined, true));
  events.push(sse("[DONE]", undefined, true));
  return sendStream(ex, events, SHAPES);
}
