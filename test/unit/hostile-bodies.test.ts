import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { upstreamCodec } from "../../src/bridge/codecs.js";
import { decodeAnthropicRequest } from "../../src/dialects/anthropic/decode-request.js";
import { decodeChatRequest } from "../../src/dialects/openai-chat/decode-request.js";
import { decodeResponsesRequest } from "../../src/dialects/openai-responses/decode-request.js";
import { ApiError } from "../../src/errors.js";
import { requireModelAndInput, requireModelAndMessages } from "../../src/http/request.js";
import type { Request } from "../../src/ir/request.js";
import { interceptChat } from "../../src/interceptors/chat/index.js";
import { interceptMessages } from "../../src/interceptors/messages/index.js";
import { interceptResponses } from "../../src/interceptors/responses/index.js";
import { countAnthropicTokens, countOpenAIChatTokens } from "../../src/tokens/count-tokens.js";
import { chatInitiator, claudeCodeCallKind, messagesInitiator, responsesInitiator } from "../../src/upstream/initiator.js";
import type { CopilotModel, UpstreamEndpoint } from "../../src/upstream/model-catalog.js";
import { hasImage } from "../../src/upstream/vision.js";
import { chatImageSlots, messagesImageSlots, requestImageSlots, responsesImageSlots } from "../../src/images/image-slots.js";
import { defaultModels } from "../fake-upstream/server.js";
import { decodeGeminiRequest } from "../../src/dialects/gemini/decode-request.js";
import { decodeOllamaChat, decodeOllamaGenerate } from "../../src/dialects/ollama/decode-request.js";
import { irHasImage, irInitiator } from "../../src/bridge/run-decoded.js";
import { countRequestTokens } from "../../src/tokens/count-request.js";
import { shadowingObject } from "../helpers/arbitraries.js";

/**
 * Every function a request body goes through before Copilot sees it, fed bodies with any value at
 * any position. Each must return, or throw an ApiError with a 4xx: any other throw is a 500 for the
 * client. The route fuzz (routes/bad-input) does the same over HTTP with fewer cases; this one runs
 * thousands in a second and names the function that broke.
 *
 * The values include objects whose own keys shadow Object.prototype ({"toString": []}): JSON.parse
 * makes them from any body, and String(), template literals and comparisons throw on them.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
// Seeded like routes/bad-input: the same cases every `npm test`; `npm run soak` varies FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED, includeErrorInReport: true });

const models = defaultModels() as unknown as CopilotModel[];
const model = (id: string) => models.find((m) => m.id === id)!;
const claude = model("claude-sonnet-4.5");
const gpt = model("gpt-4.1");
const responsesOnly = model("gpt-5.4");
const TARGETS: [UpstreamEndpoint, CopilotModel][] = [
  ["/chat/completions", gpt],
  ["/responses", responsesOnly],
  ["/v1/messages", claude],
];


const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.constantFrom("", "user", "assistant", "tool", "system", "developer", "text", "image", "tool_use", "tool_result", "thinking", "function_call", "enabled", "adaptive", "auto", "any", "none", "base64", "url", "{}", "[]", "__proto__"),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  shadowingObject,
);

const RICH = {
  chat: () => ({
    model: "gpt-4.1",
    stream: true,
    max_tokens: 100,
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "auto" } }] },
      { role: "assistant", content: "x", reasoning_text: "r", reasoning_opaque: "o", tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: '{"q":1}' } }] },
      { role: "tool", tool_call_id: "a", content: [{ type: "text", text: "ok" }] },
    ],
    tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: { q: { type: "number" } } } } }],
    tool_choice: { type: "function", function: { name: "f" } },
    stop: ["x"],
    response_format: { type: "json_schema", json_schema: { name: "s", schema: { type: "object" } } },
    reasoning_effort: "low",
    stream_options: { include_usage: true },
  }),
  messages: () => ({
    model: "claude-sonnet-4.5",
    max_tokens: 4000,
    stream: true,
    system: [{ type: "text", text: "s", cache_control: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "hi" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "t", signature: "sig" },
          { type: "text", text: "calling" },
          { type: "tool_use", id: "a", name: "f", input: { q: 1 } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "a", is_error: false, content: [{ type: "text", text: "ok" }] }, { type: "text", text: "go on" }] },
    ],
    tools: [{ name: "f", description: "d", input_schema: { type: "object", properties: { q: { type: "number" } } }, cache_control: { type: "ephemeral" } }],
    tool_choice: { type: "auto", disable_parallel_tool_use: true },
    thinking: { type: "enabled", budget_tokens: 2000 },
    output_config: { effort: "high" },
    metadata: { user_id: "u" },
    stop_sequences: ["x"],
    temperature: 0.5,
  }),
  responses: () => ({
    model: "gpt-5.4",
    stream: true,
    instructions: "be brief",
    input: [
      { role: "developer", content: "d" },
      { role: "user", content: [{ type: "input_text", text: "hi" }, { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "auto" }] },
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "s" }], encrypted_content: "enc" },
      { type: "function_call", call_id: "a", name: "f", arguments: "{}" },
      { type: "function_call_output", call_id: "a", output: "ok" },
      { type: "custom_tool_call", call_id: "b", name: "apply_patch", input: "*** Begin Patch" },
      { type: "custom_tool_call_output", call_id: "b", output: [{ type: "input_text", text: "done" }] },
    ],
    tools: [
      { type: "function", name: "f", parameters: { type: "object" } },
      { type: "custom", name: "apply_patch", format: { type: "grammar", syntax: "lark", definition: "start: x" } },
    ],
    tool_choice: "auto",
    reasoning: { effort: "low", summary: "auto" },
    include: ["reasoning.encrypted_content"],
    store: false,
    text: { format: { type: "text" }, verbosity: "low" },
    max_output_tokens: 100,
  }),
  gemini: () => ({
    systemInstruction: { role: "user", parts: [{ text: "s" }] },
    contents: [
      { role: "user", parts: [{ text: "hi" }, { inlineData: { mimeType: "image/png", data: "AAAA" } }, { fileData: { mimeType: "image/png", fileUri: "https://example.com/a.png" } }] },
      { role: "model", parts: [{ text: "t", thought: true, thoughtSignature: "cpk:anthropic:eyJzIjoic2lnIn0" }, { functionCall: { id: "a", name: "f", args: { q: 1 } }, thoughtSignature: "sig" }] },
      { role: "user", parts: [{ functionResponse: { id: "a", name: "f", response: { output: "ok" }, parts: [{ inlineData: { mimeType: "image/png", data: "AAAA" } }] } }, { text: "go on" }] },
    ],
    tools: [{ functionDeclarations: [{ name: "f", description: "d", parameters: { type: "OBJECT", properties: { q: { type: "NUMBER", nullable: true } } } }, { name: "g", parametersJsonSchema: { type: "object" } }] }],
    toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } },
    generationConfig: {
      temperature: 1,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 100,
      stopSequences: ["x"],
      thinkingConfig: { includeThoughts: true, thinkingBudget: 2048, thinkingLevel: "HIGH" },
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT", properties: { a: { type: "STRING" } } },
    },
  }),
  ollama: () => ({
    model: "gpt-4.1:latest",
    prompt: "hi",
    system: "s",
    images: ["iVBORw0KGgo"],
    messages: [
      { role: "system", content: "s" },
      { role: "user", content: "hi", images: ["iVBORw0KGgo"] },
      { role: "assistant", content: "x", thinking: "t", tool_calls: [{ id: "a", function: { name: "f", arguments: { q: 1 } } }] },
      { role: "tool", content: "ok", tool_name: "f", tool_call_id: "a" },
    ],
    tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object" } } }],
    format: { type: "object" },
    options: { temperature: 0.5, top_p: 0.9, top_k: 4, num_predict: 100, stop: ["x"] },
    think: "low",
    stream: false,
  }),
};

type Dialect = keyof typeof RICH;

function paths(v: unknown, at: string[] = []): string[][] {
  if (!v || typeof v !== "object") return [at];
  return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
}

function setPath(body: Record<string, unknown>, path: string[], value: unknown): void {
  let at: Record<string, unknown> = body;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  Object.defineProperty(at, path.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
}

/** Runs one step; an ApiError with a 4xx is a fine answer, anything else fails with the step named. */
function step<T>(name: string, label: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) return undefined;
    const where = error instanceof Error ? (error.stack?.split("\n")[1]?.trim() ?? "") : "";
    assert.fail(`${name} threw ${error instanceof ApiError ? `ApiError ${error.status}` : String(error)} ${where} with ${label}`);
  }
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function translate(dialect: Dialect, req: Request | undefined, label: string): void {
  if (!req) return;
  step(`${dialect} requestImageSlots`, label, () => requestImageSlots(req));
  for (const [endpoint, target] of TARGETS) step(`${dialect} → ${endpoint} encode`, label, () => upstreamCodec(endpoint).encode(req, target));
}

function exercise(dialect: Dialect, body: Record<string, unknown>, label = "the unchanged body"): void {
  const text = JSON.stringify(body);
  const fresh = () => JSON.parse(text) as Record<string, unknown>;
  if (dialect === "gemini" || dialect === "ollama") {
    const decoded =
      dialect === "gemini"
        ? [step("decodeGeminiRequest", label, () => decodeGeminiRequest(fresh(), { model: "gpt-4.1", stream: true }).req)]
        : [step("decodeOllamaChat", label, () => decodeOllamaChat(fresh()).req), step("decodeOllamaGenerate", label, () => decodeOllamaGenerate(fresh()).req)];
    for (const req of decoded) {
      if (!req) continue;
      step("irInitiator", label, () => irInitiator(req));
      step("irHasImage", label, () => irHasImage(req));
      for (const m of [gpt, claude]) step(`countRequestTokens ${m.id}`, label, () => countRequestTokens(req, m));
      translate(dialect, req, label);
    }
    return;
  }
  // What the routes check first; a body they refuse (with a 400) goes no further.
  try {
    if (dialect === "responses") requireModelAndInput(fresh());
    else requireModelAndMessages(fresh(), dialect === "chat" ? "bracketed" : "dotted");
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return;
    throw error;
  }
  if (dialect === "messages") {
    step("messagesInitiator", label, () => messagesInitiator(fresh().messages));
    step("claudeCodeCallKind", label, () => claudeCodeCallKind(fresh()));
    step("hasImage", label, () => hasImage(fresh().messages));
    step("messagesImageSlots", label, () => messagesImageSlots(fresh()));
    for (const m of [claude, gpt, undefined]) step("countAnthropicTokens", label, () => countAnthropicTokens(fresh(), m));
    step("interceptMessages", label, () => interceptMessages(fresh(), claude));
    translate(dialect, step("decodeAnthropicRequest", label, () => decodeAnthropicRequest(fresh())), label);
  } else if (dialect === "chat") {
    step("chatInitiator", label, () => chatInitiator(fresh().messages));
    step("hasImage", label, () => hasImage(fresh().messages));
    step("chatImageSlots", label, () => chatImageSlots(fresh()));
    step("countOpenAIChatTokens", label, () => countOpenAIChatTokens(fresh(), gpt));
    for (const m of [gpt, claude]) step(`interceptChat ${m.id}`, label, () => interceptChat(fresh() as never, m));
    translate(dialect, step("decodeChatRequest", label, () => decodeChatRequest(fresh())), label);
  } else {
    step("responsesInitiator", label, () => responsesInitiator(fresh().input));
    step("hasImage", label, () => hasImage(fresh().input));
    step("responsesImageSlots", label, () => responsesImageSlots(fresh()));
    step("interceptResponses", label, () => interceptResponses(fresh() as never, responsesOnly));
    translate(dialect, step("decodeResponsesRequest", label, () => decodeResponsesRequest(fresh())), label);
  }
}

describe("request bodies with any value anywhere: every step before Copilot returns or answers a 4xx", () => {
  test("the rich bodies themselves pass every step", () => {
    for (const dialect of Object.keys(RICH) as Dialect[]) {
      const body = RICH[dialect]();
      exercise(dialect, body);
      // A mistake in the fixture would make the property below test only the refusal paths.
      if (dialect === "messages") assert.ok(decodeAnthropicRequest(clone(body)).messages.length > 0);
      if (dialect === "chat") assert.ok(decodeChatRequest(clone(body)).messages.length > 0);
      if (dialect === "responses") assert.ok(decodeResponsesRequest(clone(body)).messages.length > 0);
      if (dialect === "gemini") assert.equal(decodeGeminiRequest(clone(body), { model: "m", stream: false }).req.messages.length, 3);
      if (dialect === "ollama") assert.equal(decodeOllamaChat(clone(body)).req.messages.length, 3);
    }
  });

  for (const dialect of Object.keys(RICH) as Dialect[]) {
    test(`${dialect}: one value replaced`, () => {
      const all = paths(RICH[dialect]()).filter((p) => p.length > 0);
      fc.assert(
        fc.property(fc.nat(), anyValue, (p, value) => {
          const body = RICH[dialect]();
          const path = all[p % all.length]!;
          setPath(body, path, value);
          exercise(dialect, body, `${path.join(".")} = ${JSON.stringify(value)}`);
        }),
        runs(1500),
      );
    });

    test(`${dialect}: two values replaced`, () => {
      const all = paths(RICH[dialect]()).filter((p) => p.length > 0);
      fc.assert(
        fc.property(fc.nat(), anyValue, fc.nat(), anyValue, (p, a, q, b) => {
          const body = RICH[dialect]();
          const first = all[p % all.length]!;
          setPath(body, first, a);
          const second = all[q % all.length]!;
          try {
            setPath(body, second, b);
          } catch {
            // The first replacement removed the second's parent.
          }
          exercise(dialect, body, `${first.join(".")} = ${JSON.stringify(a)}, ${second.join(".")} = ${JSON.stringify(b)}`);
        }),
        runs(800),
      );
    });
  }
});
