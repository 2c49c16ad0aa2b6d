import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { ResponsesStreamDecoder } from "../../src/dialects/openai-responses/decode-stream.js";
import { encodeResponsesResponse, type NewResponsesId } from "../../src/dialects/openai-responses/encode-response.js";
import { encodeResponsesErrorFrame, ResponsesStreamEncoder } from "../../src/dialects/openai-responses/encode-stream.js";
import { decodeForeignReasoning } from "../../src/dialects/openai-responses/wire.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";
import { SseParser } from "../../src/sse/sse-decoder.js";

/** Deterministic ids: msg_1, fc_2, … */
function counterIds(): NewResponsesId {
  let n = 0;
  return (prefix) => `${prefix}_${++n}`;
}

const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+héllo "world" 🌍\n*** End Patch\n';

const ANSWER: StreamPart[] = [
  { type: "start", id: "resp_up", model: "gpt-5.4" },
  { type: "reasoning-start", id: "r0" },
  { type: "reasoning-delta", id: "r0", delta: "Thinking " },
  { type: "reasoning-delta", id: "r0", delta: "hard." },
  { type: "reasoning-end", id: "r0", itemId: "rs_final", encryptedContent: "gAAAAB-exact/+==", origin: "openai-responses" },
  { type: "text-start", id: "t0" },
  { type: "text-delta", id: "t0", delta: "héllo " },
  { type: "text-delta", id: "t0", delta: "🌍" },
  { type: "text-end", id: "t0" },
  { type: "tool-input-start", id: "call_1", name: "exec_command" },
  { type: "tool-input-delta", id: "call_1", delta: '{"cmd":' },
  { type: "tool-input-delta", id: "call_1", delta: '"ls"}' },
  { type: "tool-input-end", id: "call_1", input: '{"cmd":"ls"}' },
  { type: "tool-input-start", id: "call_2", name: "apply_patch", custom: true },
  { type: "tool-input-delta", id: "call_2", delta: PATCH },
  { type: "tool-input-end", id: "call_2", input: PATCH },
  { type: "finish", reason: "tool-calls", usage: { inputTokens: 60, cacheReadTokens: 40, outputTokens: 20, reasoningTokens: 5 } },
];

function encodeAll(parts: StreamPart[], opts: Partial<ConstructorParameters<typeof ResponsesStreamEncoder>[0]> = {}): string {
  const enc = new ResponsesStreamEncoder({ model: "gpt-5.4", responseId: "resp_test", createdAt: 1700000000, newId: counterIds(), ...opts });
  return parts.flatMap((p) => enc.encode(p)).join("");
}

function events(sse: string): { event?: string; data: Record<string, unknown> & { type: string; sequence_number: number } }[] {
  return new SseParser().push(sse).concat(new SseParser().end()).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
}

describe("ResponsesStreamEncoder", () => {
  it("writes the full event sequence with event lines and increasing sequence numbers", () => {
    const evs = events(encodeAll(ANSWER));
    assert.deepEqual(
      evs.map((e) => e.data.type),
      [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.custom_tool_call_input.delta",
        "response.custom_tool_call_input.done",
        "response.output_item.done",
        "response.completed",
      ],
    );
    for (const [i, e] of evs.entries()) {
      assert.equal(e.event, e.data.type);
      assert.equal(e.data.sequence_number, i);
    }
    // The reasoning item is announced under a fresh id and finished under the final one, with its state.
    assert.deepEqual(evs[8]!.data.item, {
      id: "rs_final",
      type: "reasoning",
      summary: [{ type: "summary_text", text: "Thinking hard." }],
      encrypted_content: "gAAAAB-exact/+==",
    });
    assert.deepEqual(evs[24]!.data.item, { id: "ctc_4", type: "custom_tool_call", status: "completed", call_id: "call_2", name: "apply_patch", input: PATCH });
    const completed = evs.at(-1)!.data.response as Record<string, unknown>;
    assert.equal(completed.status, "completed");
    assert.equal(completed.id, "resp_test");
    assert.equal((completed.output as unknown[]).length, 4);
    assert.deepEqual(completed.usage, {
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 40 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 120,
    });
  });

  it("round-trips through ResponsesStreamDecoder to the same answer", () => {
    const decoder = new ResponsesStreamDecoder();
    const parts = new SseParser().push(encodeAll(ANSWER)).flatMap((ev) => decoder.push(ev));
    parts.push(...decoder.end());
    const back = accumulate(parts).result();
    assert.deepEqual(back.content, accumulate(ANSWER).result().content);
    assert.equal(back.finishReason, "tool-calls");
    assert.deepEqual(back.usage, { inputTokens: 60, cacheReadTokens: 40, outputTokens: 20, reasoningTokens: 5 });
  });

  it("a length stop is response.incomplete with max_output_tokens; empty text blocks write no item", () => {
    const evs = events(
      encodeAll([
        { type: "start" },
        { type: "text-start", id: "t0" },
        { type: "text-end", id: "t0" },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "cut" },
        { type: "finish", reason: "length", usage: { inputTokens: 3, outputTokens: 9 } },
      ]),
    );
    const last = evs.at(-1)!.data;
    assert.equal(last.type, "response.incomplete");
    const response = last.response as Record<string, unknown>;
    assert.equal(response.status, "incomplete");
    assert.deepEqual(response.incomplete_details, { reason: "max_output_tokens" });
    assert.equal(evs.filter((e) => e.data.type === "response.output_item.added").length, 1);
    // The open text item is completed before the terminal event.
    assert.equal(evs.at(-2)!.data.type, "response.output_item.done");
  });

  it("an error becomes response.failed with code and message, and nothing follows", () => {
    const enc = new ResponsesStreamEncoder({ model: "m", responseId: "resp_e", createdAt: 1, newId: counterIds() });
    const frames = [
      ...enc.encode({ type: "start" }),
      ...enc.encode({ type: "text-start", id: "t" }),
      ...enc.encode({ type: "text-delta", id: "t", delta: "par" }),
      ...enc.encode({ type: "error", error: new ApiError({ kind: "context_window", status: 400, message: "prompt token count of 9 exceeds the limit of 5", requestId: "R1" }) }),
    ];
    const last = events(frames.join("")).at(-1)!.data;
    assert.equal(last.type, "response.failed");
    assert.deepEqual((last.response as Record<string, unknown>).error, {
      code: "context_length_exceeded",
      message: "prompt token count of 9 exceeds the limit of 5 (x-github-request-id: R1)",
    });
    assert.equal(enc.finished, true);
    assert.deepEqual(enc.encode({ type: "finish", reason: "stop", usage: {} }), []);
  });

  it("carries another dialect's reasoning state in encrypted_content (cpk envelope); state-only reasoning still becomes an item", () => {
    const evs = events(
      encodeAll([
        { type: "start" },
        { type: "reasoning-start", id: "r" },
        { type: "reasoning-end", id: "r", signature: "EqQBsig", origin: "anthropic" },
        { type: "finish", reason: "stop", usage: {} },
      ]),
    );
    const item = evs.find((e) => e.data.type === "response.output_item.done")!.data.item as { id: string; encrypted_content: string; summary: unknown[] };
    assert.equal(item.id, "rs_1");
    assert.deepEqual(item.summary, []);
    assert.deepEqual(decodeForeignReasoning(item.encrypted_content), { origin: "anthropic", signature: "EqQBsig" });
  });

  it("falls back to the input estimate when the upstream gave no prompt count; pings are SSE comments", () => {
    const evs = events(encodeAll([{ type: "start" }, { type: "finish", reason: "stop", usage: { outputTokens: 2 } }], { inputTokensEstimate: 77 }));
    assert.equal(((evs.at(-1)!.data.response as Record<string, unknown>).usage as { input_tokens: number }).input_tokens, 77);
    const enc = new ResponsesStreamEncoder({ model: "m" });
    assert.equal(enc.ping(), ": ping\n\n");
    assert.deepEqual(new SseParser().push(enc.ping()), []);
  });

  it("encodeResponsesErrorFrame is OpenAI's error event", () => {
    const frame = encodeResponsesErrorFrame(new ApiError({ kind: "rate_limit", status: 429, message: "Slow down", code: "user_model_rate_limited" }));
    assert.equal(frame, 'event: error\ndata: {"type":"error","sequence_number":0,"code":"rate_limit_exceeded","message":"Slow down","param":null}\n\n');
  });
});

describe("encodeResponsesResponse", () => {
  it("folds an answer into one response object with the stream's item shapes", () => {
    const answer = accumulate(ANSWER).result();
    const response = encodeResponsesResponse(answer, "gpt-5.4", { createdAt: 1700000000, newId: counterIds() });
    assert.equal(response.id, "resp_up"); // the upstream id is a Responses id: kept
    assert.equal(response.status, "completed");
    assert.equal(response.model, "gpt-5.4");
    assert.deepEqual(response.output, [
      { id: "rs_final", type: "reasoning", summary: [{ type: "summary_text", text: "Thinking hard." }], encrypted_content: "gAAAAB-exact/+==" },
      { id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "héllo 🌍", annotations: [], logprobs: [] }] },
      { id: "fc_2", type: "function_call", status: "completed", call_id: "call_1", name: "exec_command", arguments: '{"cmd":"ls"}' },
      { id: "ctc_3", type: "custom_tool_call", status: "completed", call_id: "call_2", name: "apply_patch", input: PATCH },
    ]);
    assert.equal(response.usage?.input_tokens, 100);
    const cut = encodeResponsesResponse({ ...answer, id: "msg_x", finishReason: "length" }, "m", { newId: counterIds() });
    assert.equal(cut.status, "incomplete");
    assert.deepEqual(cut.incomplete_details, { reason: "max_output_tokens" });
    assert.match(cut.id, /^resp_/);
  });
});

/* ------------------------------------------------------------------------------------------------
 * The real openai SDK (6.49.0) over HTTP against what the encoder writes.
 * ---------------------------------------------------------------------------------------------- */

describe("ResponsesStreamEncoder against the openai SDK", () => {
  let server: Server;
  let baseURL = "";
  let body = "";
  const requests: unknown[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      req.on("end", () => {
        requests.push(JSON.parse(raw));
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = () => new OpenAI({ baseURL, apiKey: "x", maxRetries: 0 });

  it("responses.stream().finalResponse() rebuilds every item, the text and the usage", async () => {
    const enc = new ResponsesStreamEncoder({ model: "gpt-5.4", responseId: "resp_sdk", createdAt: 1700000000, newId: counterIds() });
    const frames = ANSWER.flatMap((p) => enc.encode(p));
    frames.splice(3, 0, enc.ping());
    body = frames.join("");
    const stream = client().responses.stream({ model: "gpt-5.4", input: "hi" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    assert.equal(final.id, "resp_sdk");
    assert.equal(final.status, "completed");
    assert.equal(final.output_text, "héllo 🌍");
    assert.deepEqual(deltas, ["héllo ", "🌍"]);
    assert.deepEqual(
      final.output.map((o) => o.type),
      ["reasoning", "message", "function_call", "custom_tool_call"],
    );
    const fc = final.output[2]!;
    assert.ok(fc.type === "function_call");
    assert.equal(fc.arguments, '{"cmd":"ls"}');
    assert.equal(fc.call_id, "call_1");
    const custom = final.output[3]!;
    assert.ok(custom.type === "custom_tool_call");
    assert.equal(custom.input, PATCH);
    const reasoning = final.output[0]!;
    assert.ok(reasoning.type === "reasoning");
    assert.equal(reasoning.encrypted_content, "gAAAAB-exact/+==");
    assert.deepEqual(final.usage, {
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 40 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 120,
    });
    assert.equal((requests.at(-1) as { stream?: boolean }).stream, true);
  });

  it("responses.create({stream:true}) yields every event in order, ending with response.completed", async () => {
    body = encodeAll(ANSWER);
    const stream = await client().responses.create({ model: "gpt-5.4", input: "hi", stream: true });
    const seen: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === "response.completed") completed = event.response;
    }
    assert.equal(seen[0], "response.created");
    assert.equal(seen.at(-1), "response.completed");
    assert.equal(seen.length, 26);
    assert.ok(completed);
    assert.equal(completed.usage?.total_tokens, 120);
    assert.equal(completed.output.length, 4);
  });

  it("a response.failed stream ends with a failed response carrying the error", async () => {
    body = encodeAll([
      { type: "start" },
      { type: "error", error: new ApiError({ kind: "upstream", status: 502, message: "The Copilot stream broke off", code: "upstream_error" }) },
    ]);
    const final = await client().responses.stream({ model: "gpt-5.4", input: "hi" }).finalResponse();
    assert.equal(final.status, "failed");
    assert.deepEqual(final.error, { code: "upstream_error", message: "The Copilot stream broke off" });
  });
});
