import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeResponsesRequest } from "../../src/dialects/openai-responses/decode-request.js";
import { ResponsesStreamDecoder, responsesDecoderOptions } from "../../src/dialects/openai-responses/decode-stream.js";
import { encodeResponsesRequest } from "../../src/dialects/openai-responses/encode-request.js";
import { accumulate, type Answer } from "../../src/ir/accumulate.js";
import type { ReasoningPart, ToolCallPart } from "../../src/ir/request.js";
import type { StreamPart } from "../../src/ir/stream.js";
import { CustomToolCallRewriter, interceptResponses, type ResponsesBody } from "../../src/interceptors/responses/index.js";
import { SseParser } from "../../src/sse/sse-decoder.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";
import { DEFAULT_GITHUB_TOKEN, defaultModels, startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.js";

/**
 * The codecs and the pass-through fixes against the project's strict fake Copilot /responses
 * (test/fake-upstream/responses.ts): it refuses custom tools, `auto` image detail, item references
 * and reasoning state it didn't issue for the model, and rotates item ids in its streams.
 */
describe("Responses codecs and interceptors against the fake Copilot /responses", () => {
  let fake: FakeUpstream;
  let token = "";
  const model = defaultModels().find((m) => m.id === "gpt-5.4") as unknown as CopilotModel;

  before(async () => {
    fake = await startFakeUpstream({ now: () => 1_800_000_000_000 });
    const res = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}` } });
    token = ((await res.json()) as { token: string }).token;
  });
  after(() => fake.close());

  async function post(body: unknown): Promise<Response> {
    const json = JSON.stringify(body);
    return fetch(`${fake.capiUrl}/responses`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "x-github-api-version": "2026-08-01",
        "editor-version": "vscode/1.110.0",
        "editor-plugin-version": "copilot-chat/0.40.0",
        "copilot-integration-id": "vscode-chat",
        // The route's job in the server (copilot-upstream.md 3.3); here, set when there is an image.
        ...(json.includes('"input_image"') ? { "copilot-vision-request": "true" } : {}),
      },
      body: json,
    });
  }

  /** POSTs, asserts 200, and decodes the stream (through the rewriter when custom tools went as functions). */
  async function answer(body: unknown, decoder: ResponsesStreamDecoder, rewriter?: CustomToolCallRewriter): Promise<Answer> {
    const res = await post(body);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const parser = new SseParser();
    const parts: StreamPart[] = [];
    for (const ev of [...parser.push(text), ...parser.end()]) {
      for (const out of rewriter ? rewriter.rewrite(ev) : [ev]) parts.push(...decoder.push(out));
    }
    parts.push(...decoder.end());
    const acc = accumulate(parts);
    assert.equal(acc.error, undefined, acc.error?.message);
    assert.ok(acc.finished);
    return acc.result();
  }

  const tools = () => [
    { type: "function", name: "exec_command", description: "Runs a command.", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } },
    { type: "custom", name: "apply_patch", description: "Edit files.", format: { type: "grammar", syntax: "lark", definition: "start: begin_patch" } },
  ];
  const prefix = () => [
    { type: "message", id: "msg_dev", role: "developer", content: [{ type: "input_text", text: "You are a coding agent." }] },
    { type: "message", id: "msg_u1", role: "user", content: [{ type: "input_text", text: "run echo hi" }] },
  ];
  const turn1 = (): ResponsesBody => ({
    model: "gpt-5.4",
    stream: true,
    input: prefix(),
    tools: tools(),
    tool_choice: "auto",
    parallel_tool_calls: true,
    reasoning: { effort: "medium", summary: "auto" },
    store: false,
    include: ["reasoning.encrypted_content"],
    prompt_cache_key: "session-1",
    top_p: 1,
  });

  /**
   * Codex's second turn: the history with an `id` on every item, the reasoning state echoed
   * byte-exact under the id Copilot gave it (the fake, like Copilot, binds the state to that id).
   */
  function turn2(first: Answer): ResponsesBody {
    const reasoning = first.content.find((p): p is ReasoningPart => p.type === "reasoning")!;
    const call = first.content.find((p): p is ToolCallPart => p.type === "tool-call")!;
    return {
      ...turn1(),
      input: [
        ...prefix(),
        { type: "reasoning", id: reasoning.itemId, summary: [{ type: "summary_text", text: reasoning.text }], encrypted_content: reasoning.encryptedContent },
        { type: "reasoning", id: "rs_codex_stale", summary: [] },
        { type: "function_call", id: "fc_codex_1", status: "completed", call_id: call.id, name: call.name, arguments: call.input },
        { type: "function_call_output", id: "fco_codex_1", call_id: call.id, output: "hi\n" },
        { type: "message", id: "msg_u2", role: "user", content: [{ type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=", detail: "auto" }] },
        { type: "custom_tool_call", id: "ctc_1", call_id: "call_p", name: "apply_patch", input: "*** Begin Patch\n*** End Patch" },
        { type: "custom_tool_call_output", id: "ctco_1", call_id: "call_p", output: "Done!" },
      ],
    };
  }

  it("pass-through: a Codex tool round trip (case 46), custom tool, encrypted reasoning, auto detail", async () => {
    const raw = turn1();
    // Unfixed, the fake refuses it as Copilot does: custom tools are not supported.
    assert.equal((await post(raw)).status, 400);

    const one = interceptResponses(turn1(), model as CopilotModel);
    assert.deepEqual([...one.customTools], ["apply_patch"]);
    const first = await answer(one.body, new ResponsesStreamDecoder(), new CustomToolCallRewriter(one.customTools));
    const reasoning = first.content.find((p): p is ReasoningPart => p.type === "reasoning");
    assert.ok(reasoning?.encryptedContent?.startsWith("gAAAAA"), "encrypted reasoning came back");
    assert.deepEqual(
      first.content.filter((p) => p.type === "tool-call"),
      [{ type: "tool-call", id: (first.content.find((p) => p.type === "tool-call") as ToolCallPart).id, name: "exec_command", input: '{"cmd":"echo hi"}' }],
    );
    assert.equal(first.finishReason, "tool-calls");
    assert.ok((first.usage.inputTokens ?? 0) > 0);

    // Turn 2, unfixed: refused as by Copilot (the stale reasoning item, `auto` detail, the custom call).
    assert.equal((await post(turn2(first))).status, 400);
    const two = interceptResponses(turn2(first), model as CopilotModel);
    const second = await answer(two.body, new ResponsesStreamDecoder(), new CustomToolCallRewriter(two.customTools));
    assert.equal(second.finishReason, "stop");
    assert.deepEqual(second.content.at(-1), { type: "text", text: "Tool result: Done!" });
  });

  it("translated: the same turns through decodeResponsesRequest → encodeResponsesRequest → ResponsesStreamDecoder", async () => {
    const req1 = decodeResponsesRequest(turn1());
    const first = await answer(encodeResponsesRequest(req1, model), new ResponsesStreamDecoder(responsesDecoderOptions(req1)));
    const call = first.content.find((p): p is ToolCallPart => p.type === "tool-call");
    assert.equal(call?.name, "exec_command");
    assert.equal(call?.input, '{"cmd":"echo hi"}');
    assert.ok(first.content.some((p) => p.type === "reasoning" && p.encryptedContent));

    const req2 = decodeResponsesRequest(turn2(first));
    const second = await answer(encodeResponsesRequest(req2, model), new ResponsesStreamDecoder(responsesDecoderOptions(req2)));
    assert.deepEqual(second.content.at(-1), { type: "text", text: "Tool result: Done!" });
    assert.equal(second.finishReason, "stop");
  });
});
