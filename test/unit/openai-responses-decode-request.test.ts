import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeResponsesRequest } from "../../src/dialects/openai-responses/decode-request.js";
import { encodeForeignReasoning } from "../../src/dialects/openai-responses/wire.js";
import { ApiError } from "../../src/errors.js";

const GRAMMAR = 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF\n';
const ENCRYPTED = "gAAAAABpPDIV-exact_bytes/+==";

/** A Codex-shaped second turn (real-clients.md 2.2), written for this test. */
function codexTurn(): Record<string, unknown> {
  return {
    model: "gpt-5.5",
    stream: true,
    input: [
      { type: "message", id: "msg_dev1", role: "developer", content: [{ type: "input_text", text: "You are a coding agent." }] },
      { type: "message", id: "msg_dev2", role: "developer", content: [{ type: "input_text", text: "<permissions>" }] },
      { type: "message", id: "msg_env", role: "user", content: [{ type: "input_text", text: "<environment_context>" }] },
      { type: "message", id: "msg_u1", role: "user", content: [{ type: "input_text", text: "add a file" }] },
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Plan it." }], content: null, encrypted_content: ENCRYPTED },
      { type: "message", id: "msg_a1", role: "assistant", phase: "commentary", content: [{ type: "output_text", text: "Patching.", annotations: [] }] },
      { type: "custom_tool_call", id: "ctc_1", status: "completed", call_id: "call_p", name: "apply_patch", input: "*** Begin Patch\n*** End Patch" },
      { type: "function_call", id: "fc_1", status: "completed", call_id: "call_e", name: "exec_command", arguments: '{"cmd":"ls"}' },
      { type: "custom_tool_call_output", id: "ctco_1", call_id: "call_p", output: "Done!" },
      { type: "function_call_output", id: "fco_1", call_id: "call_e", output: "a.txt\n" },
      { type: "message", id: "msg_a2", role: "assistant", phase: "final_answer", content: [{ type: "output_text", text: "Added." }] },
      { type: "message", id: "msg_dev3", role: "developer", content: [{ type: "input_text", text: "<mode change>" }] },
      { type: "message", id: "msg_u2", role: "user", content: [{ type: "input_text", text: "thanks" }] },
    ],
    tools: [
      { type: "function", name: "exec_command", description: "Runs a command.", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } },
      { type: "custom", name: "apply_patch", description: "Edit files.", format: { type: "grammar", syntax: "lark", definition: GRAMMAR } },
    ],
    tool_choice: "auto",
    parallel_tool_calls: true,
    reasoning: { effort: "medium", summary: "auto" },
    store: false,
    include: ["reasoning.encrypted_content"],
    prompt_cache_key: "01a20bf7-session",
    client_metadata: { "x-codex-turn-metadata": "{}" },
    text: { verbosity: "low" },
  };
}

function badRequestFor(body: unknown): ApiError {
  try {
    decodeResponsesRequest(body);
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.status, 400);
    return e;
  }
  assert.fail("expected a 400");
}

describe("decodeResponsesRequest", () => {
  it("decodes a Codex turn: developer prefix → system, folded assistant items, outputs, custom tools", () => {
    const req = decodeResponsesRequest(codexTurn());
    assert.equal(req.model, "gpt-5.5");
    assert.equal(req.stream, true);
    assert.deepEqual(req.system, [
      { type: "text", text: "You are a coding agent." },
      { type: "text", text: "<permissions>" },
    ]);
    assert.deepEqual(req.messages, [
      { role: "user", content: [{ type: "text", text: "<environment_context>" }] },
      { role: "user", content: [{ type: "text", text: "add a file" }] },
      {
        role: "assistant",
        phase: "commentary",
        content: [
          { type: "reasoning", text: "Plan it.", origin: "openai-responses", itemId: "rs_1", encryptedContent: ENCRYPTED },
          { type: "text", text: "Patching." },
          { type: "tool-call", id: "call_p", name: "apply_patch", input: "*** Begin Patch\n*** End Patch", custom: true },
          { type: "tool-call", id: "call_e", name: "exec_command", input: '{"cmd":"ls"}' },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool-result", callId: "call_p", content: [{ type: "text", text: "Done!" }], custom: true },
          { type: "tool-result", callId: "call_e", content: [{ type: "text", text: "a.txt\n" }] },
        ],
      },
      { role: "assistant", phase: "final_answer", content: [{ type: "text", text: "Added." }] },
      { role: "system", content: [{ type: "text", text: "<mode change>" }] },
      { role: "user", content: [{ type: "text", text: "thanks" }] },
    ]);
    assert.deepEqual(req.tools, [
      { type: "function", name: "exec_command", description: "Runs a command.", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } },
      { type: "custom", name: "apply_patch", description: "Edit files.", format: { type: "grammar", syntax: "lark", definition: GRAMMAR } },
    ]);
    assert.deepEqual(req.toolChoice, { type: "auto" });
    assert.equal(req.parallelToolCalls, true);
    assert.deepEqual(req.reasoning, { mode: "adaptive", effort: "medium", summary: "auto" });
    assert.equal(req.includeEncryptedReasoning, true);
    assert.equal(req.promptCacheKey, "01a20bf7-session");
  });

  it("instructions come before the leading developer messages; a string input is one user message", () => {
    const req = decodeResponsesRequest({ model: "m", instructions: "Be brief.", input: "hi" });
    assert.deepEqual(req.system, [{ type: "text", text: "Be brief." }]);
    assert.deepEqual(req.messages, [{ role: "user", content: [{ type: "text", text: "hi" }] }]);
    assert.equal(req.stream, false);
  });

  it("accepts role-only items, images (data URI and URL, detail kept) and inline files", () => {
    const req = decodeResponsesRequest({
      model: "m",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "look" },
            { type: "input_image", image_url: "data:image/png;base64,iVBOR", detail: "auto" },
            { type: "input_image", image_url: "https://example.com/a.png" },
            { type: "input_file", filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0" },
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[0], {
      role: "user",
      content: [
        { type: "text", text: "look" },
        { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBOR" }, detail: "auto" },
        { type: "image", source: { kind: "url", url: "https://example.com/a.png", field: "input[0].content[2].image_url" } },
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0" }, title: "a.pdf" },
      ],
    });
  });

  it("tool outputs given as parts keep text and images; a user message right after outputs joins their turn", () => {
    const req = decodeResponsesRequest({
      model: "m",
      input: [
        { type: "function_call", call_id: "c1", name: "view_image", arguments: '{"path":"a.png"}' },
        { type: "function_call_output", call_id: "c1", output: [{ type: "input_text", text: "here" }, { type: "input_image", image_url: "data:image/png;base64,AAAA" }] },
        { type: "message", role: "user", content: "and?" },
      ],
    });
    assert.deepEqual(req.messages.at(-1), {
      role: "user",
      content: [
        { type: "tool-result", callId: "c1", content: [{ type: "text", text: "here" }, { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" } }] },
        { type: "text", text: "and?" },
      ],
    });
  });

  it("restores another dialect's reasoning state from a cpk: envelope", () => {
    const state = encodeForeignReasoning({ origin: "anthropic", signature: "EqQBsig" })!;
    const req = decodeResponsesRequest({
      model: "m",
      input: [
        { type: "message", role: "user", content: "hi" },
        { type: "reasoning", id: "rs_x", summary: [{ type: "summary_text", text: "thought" }], encrypted_content: state },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello" }] },
      ],
    });
    assert.deepEqual(req.messages[1], {
      role: "assistant",
      content: [
        { type: "reasoning", text: "thought", origin: "anthropic", signature: "EqQBsig" },
        { type: "text", text: "hello" },
      ],
    });
    const bad = badRequestFor({ model: "m", input: [{ type: "reasoning", summary: [], encrypted_content: "cpk:anthropic:%%%" }] });
    assert.equal(bad.param, "input[0].encrypted_content");
  });

  it("assistant messages with different phases stay separate messages", () => {
    const req = decodeResponsesRequest({
      model: "m",
      input: [
        { type: "message", role: "user", content: "go" },
        { type: "message", role: "assistant", phase: "commentary", content: [{ type: "output_text", text: "a" }] },
        { type: "message", role: "assistant", phase: "final_answer", content: [{ type: "output_text", text: "b" }] },
      ],
    });
    assert.deepEqual(req.messages.slice(1), [
      { role: "assistant", phase: "commentary", content: [{ type: "text", text: "a" }] },
      { role: "assistant", phase: "final_answer", content: [{ type: "text", text: "b" }] },
    ]);
  });

  it("maps tool_choice, max_output_tokens, temperature, top_p, text.format, effort none, user", () => {
    const req = decodeResponsesRequest({
      model: "m",
      input: "x",
      tool_choice: { type: "function", name: "exec" },
      max_output_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: "none" },
      text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } },
      user: "u1",
      service_tier: "auto",
      truncation: "auto",
      metadata: { a: "b" },
      prompt_cache_retention: "24h",
      store: true,
    });
    assert.deepEqual(req.toolChoice, { type: "tool", name: "exec" });
    assert.equal(req.maxOutputTokens, 500);
    assert.equal(req.temperature, 0.2);
    assert.equal(req.topP, 0.9);
    assert.deepEqual(req.reasoning, { mode: "disabled" });
    assert.deepEqual(req.responseFormat, { type: "json_schema", name: "out", schema: { type: "object" }, strict: true });
    assert.equal(req.user, "u1");
    assert.equal(decodeResponsesRequest({ model: "m", input: "x", reasoning: { effort: "xhigh" } }).reasoning?.effort, "xhigh");
    assert.deepEqual(decodeResponsesRequest({ model: "m", input: "x", tool_choice: { type: "custom", name: "apply_patch" } }).toolChoice, { type: "tool", name: "apply_patch" });
  });

  it("refuses previous_response_id with the stateless explanation (U8)", () => {
    const e = badRequestFor({ model: "m", input: "x", previous_response_id: "resp_1" });
    assert.equal(e.param, "previous_response_id");
    assert.match(e.message, /previous_response_id is not supported: GitHub Copilot's Responses API keeps no state; send the whole conversation/);
  });

  it("refuses web search and namespace tools, naming the index and the Codex setting", () => {
    const ws = badRequestFor({ model: "m", input: "x", tools: [{ type: "function", name: "f" }, { type: "web_search", external_web_access: false }] });
    assert.equal(ws.param, "tools.1");
    assert.match(ws.message, /web search is not available through GitHub Copilot; disable it \(Codex: web_search = "disabled"\)/);
    assert.equal(badRequestFor({ model: "m", input: "x", tools: [{ type: "web_search_preview" }] }).param, "tools.0");
    const ns = badRequestFor({ model: "m", input: "x", tools: [{ type: "namespace", name: "multi_agent_v1", tools: [] }] });
    assert.equal(ns.param, "tools.0");
    assert.match(ns.message, /multi_agent_v1.*\[agents\] enabled = false/);
    assert.equal(badRequestFor({ model: "m", input: "x", tools: [{ type: "file_search" }] }).param, "tools.0.type");
  });

  it("refuses item references, file ids, unknown items and malformed fields, naming the field", () => {
    assert.equal(badRequestFor({ model: "m", input: [{ type: "item_reference", id: "msg_1" }] }).param, "input[0]");
    assert.equal(badRequestFor({ model: "m", input: [{ role: "user", content: [{ type: "input_file", file_id: "file_1" }] }] }).param, "input[0].content[0].file_data");
    assert.equal(badRequestFor({ model: "m", input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] }).param, "input[0].content[0].file_id");
    assert.equal(badRequestFor({ model: "m", input: [{ type: "local_shell_call" }] }).param, "input[0].type");
    assert.equal(badRequestFor({ model: "m", input: [{ type: "function_call", name: "f" }] }).param, "input[0].call_id");
    assert.equal(badRequestFor({ model: "m", input: "x", max_output_tokens: 0 }).param, "max_output_tokens");
    assert.equal(badRequestFor({ model: "m", input: "x", reasoning: { effort: "huge" } }).param, "reasoning.effort");
    assert.equal(badRequestFor({ input: "x" }).param, "model");
    assert.equal(badRequestFor({ model: "m" }).param, "input");
  });
});
