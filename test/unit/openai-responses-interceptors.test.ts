import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ResponsesStreamDecoder } from "../../src/dialects/openai-responses/decode-stream.js";
import { encodeForeignReasoning } from "../../src/dialects/openai-responses/wire.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import { CustomToolCallRewriter, interceptResponses, type ResponsesBody } from "../../src/interceptors/responses/index.js";
import { withCustomToolsAsFunctions } from "../../src/interceptors/responses/with-custom-tools-as-functions.js";
import { withHostedToolsRefused } from "../../src/interceptors/responses/with-hosted-tools-refused.js";
import { withImageDetail } from "../../src/interceptors/responses/with-image-detail.js";
import { withNoTopP } from "../../src/interceptors/responses/with-no-top-p.js";
import { withObjectToolArguments } from "../../src/interceptors/responses/with-object-tool-arguments.js";
import { withOutputTokenCap } from "../../src/interceptors/responses/with-output-token-cap.js";
import { withPaddedToolSchemas } from "../../src/interceptors/responses/with-padded-tool-schemas.js";
import { withReasoningState } from "../../src/interceptors/responses/with-reasoning-state.js";
import { withStatelessInput } from "../../src/interceptors/responses/with-stateless-input.js";
import { withTextToolOutputs } from "../../src/interceptors/responses/with-text-tool-outputs.js";
import type { ResponsesInterception, ResponsesInterceptor } from "../../src/interceptors/responses/types.js";
import { SseParser } from "../../src/sse/sse-decoder.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";
import { sample } from "../helpers/samples.js";

const SAMPLE = sample("openai-responses-stream-custom-tool.jsonl");

const MODEL: CopilotModel = {
  id: "gpt-5.4",
  vendor: "OpenAI",
  capabilities: { type: "chat", limits: { max_output_tokens: 128000 }, supports: { reasoning_effort: ["low", "medium", "high", "xhigh"] } },
  supported_endpoints: ["/responses"],
};

function run(interceptor: ResponsesInterceptor, body: ResponsesBody): ResponsesInterception {
  const state: ResponsesInterception = { customTools: new Set() };
  interceptor(body, MODEL, state);
  return state;
}

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.status, 400);
    return e;
  }
  assert.fail("expected a 400");
}

describe("Responses interceptors, one fix each", () => {
  it("withStatelessInput: refuses previous_response_id and references, strips ids except on reasoning (U8, case 46)", () => {
    const e = refusal(() => run(withStatelessInput, { input: "x", previous_response_id: "resp_1" }));
    assert.equal(e.param, "previous_response_id");
    assert.match(e.message, /keeps no state; send the whole conversation/);
    assert.equal(refusal(() => run(withStatelessInput, { input: [{ type: "message", role: "user", content: "a" }, { type: "item_reference", id: "msg_1" }] })).param, "input[1]");
    assert.equal(refusal(() => run(withStatelessInput, { input: [{ id: "rs_1" }] })).param, "input[0]");

    const body: ResponsesBody = {
      previous_response_id: null,
      input: [
        { type: "message", id: "msg_1", role: "developer", content: [] },
        { id: "msg_2", role: "user", content: "hi" },
        { type: "function_call", id: "fc_1", call_id: "c", name: "f", arguments: "{}" },
        { type: "function_call_output", id: "fco_1", call_id: "c", output: "ok" },
        { type: "reasoning", id: "rs_1", encrypted_content: "gAAA", summary: [] },
      ],
    };
    run(withStatelessInput, body);
    assert.equal("previous_response_id" in body, false);
    assert.deepEqual(
      body.input.map((i: Record<string, unknown>) => i.id),
      [undefined, undefined, undefined, undefined, "rs_1"],
    );
  });

  it("withHostedToolsRefused: web_search and namespace are 400s naming tools.N and the Codex setting", () => {
    const ws = refusal(() => run(withHostedToolsRefused, { tools: [{ type: "function", name: "f" }, { type: "web_search", external_web_access: false }] }));
    assert.equal(ws.param, "tools.1");
    assert.match(ws.message, /web_search = "disabled"/);
    const ns = refusal(() => run(withHostedToolsRefused, { tools: [{ type: "namespace", name: "multi_agent_v1", tools: [] }] }));
    assert.equal(ns.param, "tools.0");
    assert.match(ns.message, /\[agents\] enabled = false/);
    run(withHostedToolsRefused, { tools: [{ type: "function", name: "f" }] });
  });

  it("withCustomToolsAsFunctions: tools, tool_choice and history calls become function-shaped; names recorded (cao#242)", () => {
    const body: ResponsesBody = {
      tools: [
        { type: "function", name: "exec", parameters: { type: "object", properties: {} } },
        { type: "custom", name: "apply_patch", description: "Edit.", format: { type: "grammar", syntax: "lark", definition: "start: x" } },
      ],
      tool_choice: { type: "custom", name: "apply_patch" },
      input: [
        { type: "custom_tool_call", call_id: "c1", name: "apply_patch", input: "PATCH \"q\"" },
        { type: "custom_tool_call_output", call_id: "c1", output: "Done" },
      ],
    };
    const state = run(withCustomToolsAsFunctions, body);
    assert.deepEqual([...state.customTools], ["apply_patch"]);
    assert.equal(body.tools[0].name, "exec");
    assert.equal(body.tools[1].type, "function");
    assert.equal(body.tools[1].strict, false);
    assert.match(body.tools[1].parameters.properties.input.description, /lark grammar:\nstart: x/);
    assert.deepEqual(body.tool_choice, { type: "function", name: "apply_patch" });
    assert.deepEqual(body.input, [
      { type: "function_call", call_id: "c1", name: "apply_patch", arguments: '{"input":"PATCH \\"q\\""}' },
      { type: "function_call_output", call_id: "c1", output: "Done" },
    ]);
  });

  it("withPaddedToolSchemas: object schemas get properties (T23)", () => {
    const body: ResponsesBody = { tools: [{ type: "function", name: "f", parameters: { type: "object" } }, { type: "function", name: "g" }] };
    run(withPaddedToolSchemas, body);
    assert.deepEqual(body.tools[0].parameters, { type: "object", properties: {} });
    assert.deepEqual(body.tools[1].parameters, { type: "object", properties: {} });
  });

  it("withReasoningState: drops reasoning items without encrypted content or with a cpk: envelope, keeps the rest byte-exact", () => {
    const foreign = encodeForeignReasoning({ origin: "anthropic", signature: "sig" });
    const body: ResponsesBody = {
      input: [
        { type: "reasoning", id: "rs_1", summary: [] },
        { type: "reasoning", id: "rs_2", summary: [], encrypted_content: null },
        { type: "reasoning", id: "rs_3", summary: [], encrypted_content: foreign },
        { type: "reasoning", id: "rs_4", summary: [], encrypted_content: "gAAAA/+exact==" },
        { type: "message", role: "user", content: "hi" },
      ],
    };
    run(withReasoningState, body);
    assert.deepEqual(body.input, [
      { type: "reasoning", id: "rs_4", summary: [], encrypted_content: "gAAAA/+exact==" },
      { type: "message", role: "user", content: "hi" },
    ]);
  });

  it("withObjectToolArguments: history arguments become JSON object text (T5)", () => {
    const body: ResponsesBody = {
      input: [
        { type: "function_call", call_id: "a", name: "f", arguments: "" },
        { type: "function_call", call_id: "b", name: "f", arguments: "[]" },
        { type: "function_call", call_id: "c", name: "f", arguments: '{"ok":1}' },
      ],
    };
    run(withObjectToolArguments, body);
    assert.deepEqual(
      body.input.map((i: { arguments: string }) => i.arguments),
      ["{}", "{}", '{"ok":1}'],
    );
  });

  it("withTextToolOutputs: part outputs become text; their images follow the run of outputs in a user message", () => {
    const img = { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "auto" };
    const body: ResponsesBody = {
      input: [
        { type: "function_call_output", call_id: "a", output: [{ type: "input_text", text: "shot" }, img] },
        { type: "function_call_output", call_id: "b", output: "plain" },
        { type: "message", role: "user", content: "next" },
      ],
    };
    run(withTextToolOutputs, body);
    assert.deepEqual(body.input, [
      { type: "function_call_output", call_id: "a", output: "shot" },
      { type: "function_call_output", call_id: "b", output: "plain" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "Images returned by tool a:" }, img] },
      { type: "message", role: "user", content: "next" },
    ]);
    const untouched: ResponsesBody = { input: [{ type: "function_call_output", call_id: "a", output: "x" }] };
    const before = JSON.stringify(untouched);
    run(withTextToolOutputs, untouched);
    assert.equal(JSON.stringify(untouched), before);
  });

  it("withImageDetail: auto and missing details become high, low stays (case 35, cao#362)", () => {
    const body: ResponsesBody = {
      input: [
        {
          role: "user",
          content: [
            { type: "input_image", image_url: "data:,", detail: "auto" },
            { type: "input_image", image_url: "data:," },
            { type: "input_image", image_url: "data:,", detail: "low" },
            { type: "input_text", text: "t" },
          ],
        },
        { type: "function_call_output", call_id: "a", output: [{ type: "input_image", image_url: "data:,", detail: "auto" }] },
      ],
    };
    run(withImageDetail, body);
    assert.deepEqual(
      body.input[0].content.map((p: { detail?: string }) => p.detail),
      ["high", "high", "low", undefined],
    );
    assert.equal(body.input[1].output[0].detail, "high");
  });

  it("withOutputTokenCap: capped to the model's limit, floored at 16", () => {
    const big: ResponsesBody = { max_output_tokens: 500000 };
    run(withOutputTokenCap, big);
    assert.equal(big.max_output_tokens, 128000);
    const small: ResponsesBody = { max_output_tokens: 3 };
    run(withOutputTokenCap, small);
    assert.equal(small.max_output_tokens, 16);
    const none: ResponsesBody = {};
    run(withOutputTokenCap, none);
    assert.equal("max_output_tokens" in none, false);
  });

  it("withNoTopP: top_p is dropped", () => {
    const body: ResponsesBody = { top_p: 0.9, temperature: 1 };
    run(withNoTopP, body);
    assert.deepEqual(body, { temperature: 1 });
  });

  it("interceptResponses runs them all on a Codex turn and sets the Copilot model id", () => {
    const body: ResponsesBody = {
      model: "gpt-5.4-alias",
      stream: true,
      top_p: 1,
      store: false,
      include: ["reasoning.encrypted_content"],
      input: [
        { type: "message", id: "msg_1", role: "developer", content: [{ type: "input_text", text: "sys" }] },
        { type: "message", id: "msg_2", role: "user", content: [{ type: "input_text", text: "patch it" }] },
        { type: "reasoning", id: "rs_old", summary: [] },
        { type: "custom_tool_call", id: "ctc_1", call_id: "c1", name: "apply_patch", input: "P" },
        { type: "custom_tool_call_output", id: "ctco_1", call_id: "c1", output: "ok" },
      ],
      tools: [{ type: "custom", name: "apply_patch", format: { type: "grammar", syntax: "lark", definition: "start: x" } }],
      client_metadata: { a: "b" },
    };
    const { body: out, customTools } = interceptResponses(body, MODEL);
    assert.equal(out, body);
    assert.equal(out.model, "gpt-5.4");
    assert.deepEqual([...customTools], ["apply_patch"]);
    assert.equal("top_p" in out, false);
    assert.deepEqual(out.input, [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "sys" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "patch it" }] },
      { type: "function_call", call_id: "c1", name: "apply_patch", arguments: '{"input":"P"}' },
      { type: "function_call_output", call_id: "c1", output: "ok" },
    ]);
    assert.deepEqual(out.client_metadata, { a: "b" }, "fields Copilot accepts pass through");
  });
});

// ---- the answer side: function calls back into custom tool calls ----

type Ev = Record<string, unknown> & { type: string };

const sampleEvents = (): Ev[] =>
  readFileSync(SAMPLE, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Ev);

/**
 * What Copilot streams for the sample's call when apply_patch-like custom tools went upstream as
 * function tools: the same call as a function_call whose arguments are {"input": raw}, with
 * sequence numbers and rotating item ids as in Copilot's own stream.
 */
function asCopilotFunctionStream(events: Ev[]): Ev[] {
  const out: Ev[] = [];
  let n = 0;
  const fn = (item: Record<string, unknown>): Record<string, unknown> => {
    const { input, type: _t, ...rest } = item;
    return { ...rest, type: "function_call", id: `fc_rot${n}`, arguments: input === "" ? "" : JSON.stringify({ input }) };
  };
  for (const e of events) {
    const seq = { sequence_number: n++ };
    switch (e.type) {
      case "response.output_item.added":
      case "response.output_item.done":
        out.push({ ...e, ...seq, item: fn(e.item as Record<string, unknown>) });
        break;
      case "response.custom_tool_call_input.delta":
        break; // the JSON-wrapped arguments are streamed below, in two pieces
      case "response.completed":
        out.push({ ...e, ...seq, response: { ...(e.response as Record<string, unknown>), output: ((e.response as { output: Record<string, unknown>[] }).output).map(fn) } });
        break;
      default:
        out.push({ ...e, ...seq });
    }
    if (e.type === "response.output_item.added") {
      const raw = (events.find((x) => x.type === "response.output_item.done")!.item as { input: string }).input;
      const args = JSON.stringify({ input: raw });
      out.push({ type: "response.function_call_arguments.delta", sequence_number: n++, item_id: `fc_rot${n}`, output_index: 0, delta: args.slice(0, 10) });
      out.push({ type: "response.function_call_arguments.delta", sequence_number: n++, item_id: `fc_rot${n}`, output_index: 0, delta: args.slice(10) });
      out.push({ type: "response.function_call_arguments.done", sequence_number: n++, item_id: `fc_rot${n}`, output_index: 0, arguments: args });
    }
  }
  return out;
}

const frame = (e: Ev) => ({ event: e.type, data: JSON.stringify(e) });

describe("CustomToolCallRewriter", { skip: existsSync(SAMPLE) ? false : `${SAMPLE} is absent` }, () => {
  it("turns Copilot's function call for a custom tool back into the sample's custom_tool_call", () => {
    const original = sampleEvents();
    const upstream = asCopilotFunctionStream(original);
    const rewriter = new CustomToolCallRewriter(new Set(["write_sql"]));
    const out = [...upstream.map(frame), { data: "[DONE]" }].flatMap((e) => rewriter.rewrite(e));
    assert.deepEqual(out.at(-1), { data: "[DONE]" });
    const evs = out.slice(0, -1).map((e) => {
      assert.equal(e.event, (JSON.parse(e.data) as Ev).type, "event names follow the data");
      return JSON.parse(e.data) as Ev;
    });
    assert.deepEqual(
      evs.map((e) => e.type),
      [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.custom_tool_call_input.delta",
        "response.custom_tool_call_input.done",
        "response.output_item.done",
        "response.completed",
      ],
    );
    const seqs = evs.map((e) => e.sequence_number as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(new Set(seqs).size, seqs.length, "sequence numbers stay unique");

    const want = original.find((e) => e.type === "response.output_item.done")!.item as Record<string, unknown>;
    const raw = want.input as string;
    assert.deepEqual((evs[2]!.item as Record<string, unknown>), { type: "custom_tool_call", id: "fc_rot3", call_id: "call_custom_sql_001", name: "write_sql", input: "" });
    assert.equal(evs[3]!.delta, raw);
    assert.equal(evs[4]!.input, raw);
    const done = evs[5]!.item as Record<string, unknown>;
    assert.deepEqual({ ...done, id: want.id }, want);
    const completed = (evs[6]!.response as { output: Record<string, unknown>[] }).output[0]!;
    assert.deepEqual({ ...completed, id: want.id }, want);

    // What Codex would reassemble: the decoder reads the rewritten stream as a custom call with the raw text.
    const decoder = new ResponsesStreamDecoder();
    const parts = out.flatMap((e) => decoder.push(e));
    assert.deepEqual(accumulate(parts).result().content, [{ type: "tool-call", id: "call_custom_sql_001", name: "write_sql", input: raw, custom: true }]);
  });

  it("leaves everything else byte-identical, including the original sample and other tools' calls", () => {
    const rewriter = new CustomToolCallRewriter(new Set(["write_sql"]));
    const frames = sampleEvents().map(frame);
    assert.deepEqual(frames.flatMap((f) => rewriter.rewrite(f)), frames);

    const other = [
      { event: "response.output_item.added", data: '{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"function_call","name":"exec","call_id":"c","arguments":""}}' },
      { event: "response.function_call_arguments.delta", data: '{"type":"response.function_call_arguments.delta","sequence_number":3,"output_index":0,"delta":"{}"}' },
      { data: ": not json" },
    ];
    assert.deepEqual(other.flatMap((f) => rewriter.rewrite(f)), other);
    const none = new CustomToolCallRewriter(new Set());
    assert.deepEqual(other.flatMap((f) => none.rewrite(f)), other);
  });

  it("without arguments.done the input still reaches the item (and one delta in a freed slot)", () => {
    const rewriter = new CustomToolCallRewriter(new Set(["apply_patch"]));
    const args = JSON.stringify({ input: "RAW" });
    const upstream: Ev[] = [
      { type: "response.output_item.added", sequence_number: 2, output_index: 0, item: { type: "function_call", id: "fc_1", call_id: "c", name: "apply_patch", arguments: "" } },
      { type: "response.function_call_arguments.delta", sequence_number: 3, output_index: 0, item_id: "fc_2", delta: args },
      { type: "response.output_item.done", sequence_number: 4, output_index: 0, item: { type: "function_call", id: "fc_3", call_id: "c", name: "apply_patch", arguments: args, status: "completed" } },
    ];
    const out = upstream.map(frame).flatMap((f) => rewriter.rewrite(f)).map((e) => JSON.parse(e.data) as Ev);
    assert.deepEqual(out, [
      { type: "response.output_item.added", sequence_number: 2, output_index: 0, item: { type: "custom_tool_call", id: "fc_1", call_id: "c", name: "apply_patch", input: "" } },
      { type: "response.custom_tool_call_input.delta", sequence_number: 3, item_id: "fc_3", output_index: 0, delta: "RAW" },
      { type: "response.output_item.done", sequence_number: 4, output_index: 0, item: { type: "custom_tool_call", id: "fc_3", status: "completed", call_id: "c", name: "apply_patch", input: "RAW" } },
    ]);
  });

  it("the SSE it writes parses back into the same events", () => {
    const rewriter = new CustomToolCallRewriter(new Set(["write_sql"]));
    const out = asCopilotFunctionStream(sampleEvents()).map(frame).flatMap((e) => rewriter.rewrite(e));
    const text = out.map((e) => `${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`).join("");
    assert.deepEqual(new SseParser().push(text), out);
  });
});
