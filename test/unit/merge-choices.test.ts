import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeChoices, StreamChoiceMerger } from "../../src/dialects/openai-chat/merge-choices.js";

const call = (id: string, name: string, args: string) => ({ id, type: "function", function: { name, arguments: args } });

describe("mergeChoices (non-stream, case 1)", () => {
  it("text in choices[0] and tool calls in choices[1] become one choice", () => {
    const body = {
      id: "x",
      choices: [
        { index: 0, finish_reason: "stop", message: { role: "assistant", content: "Let me look." } },
        { index: 1, finish_reason: "tool_calls", message: { role: "assistant", tool_calls: [call("c1", "Read", '{"p":"a"}')] } },
      ],
    };
    mergeChoices(body);
    assert.deepEqual(body.choices, [
      { index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: "Let me look.", tool_calls: [call("c1", "Read", '{"p":"a"}')] } },
    ]);
  });

  it("tool calls are marked tool_calls even if every choice said stop", () => {
    const body = {
      choices: [
        { index: 0, finish_reason: "stop", message: { role: "assistant", content: "a" } },
        { index: 1, finish_reason: "stop", message: { role: "assistant", tool_calls: [call("c1", "f", "{}")] } },
        { index: 2, finish_reason: "stop", message: { role: "assistant", tool_calls: [call("c2", "g", "{}")] } },
      ],
    };
    mergeChoices(body);
    assert.equal(body.choices.length, 1);
    assert.equal(body.choices[0]?.finish_reason, "tool_calls");
    assert.deepEqual((body.choices[0]?.message.tool_calls as { id: string }[]).map((c) => c.id), ["c1", "c2"]);
  });

  it("text spread over choices is concatenated in order", () => {
    const body = {
      choices: [
        { index: 0, finish_reason: null, message: { role: "assistant", content: null } },
        { index: 1, finish_reason: "stop", message: { role: "assistant", content: "hello" } },
      ],
    };
    mergeChoices(body);
    assert.equal(body.choices[0]?.message.content, "hello");
    assert.equal(body.choices[0]?.finish_reason, "stop");
  });

  it("a single choice is left alone", () => {
    const body = { choices: [{ index: 0, finish_reason: "length", message: { role: "assistant", content: "x" } }] };
    const before = structuredClone(body);
    mergeChoices(body);
    assert.deepEqual(body, before);
    mergeChoices({});
  });
});

describe("StreamChoiceMerger", () => {
  it("every choice becomes choice 0; tool indexes of later choices are offset so none collide (case 2)", () => {
    const m = new StreamChoiceMerger();
    const chunks = [
      { choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
      { choices: [{ index: 0, delta: { content: "Checking" } }] },
      { choices: [{ index: 1, delta: { role: "assistant", tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "a", arguments: "" } }] } }] },
      { choices: [{ index: 1, delta: { role: "assistant", tool_calls: [{ index: 1, id: "c2", type: "function", function: { name: "b", arguments: "" } }] } }] },
      { choices: [{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] } }] },
      { choices: [{ index: 1, delta: { tool_calls: [{ index: 1, function: { arguments: '{"y":2}' } }] } }] },
      { choices: [{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: "1}" } }] } }] },
    ];
    for (const c of chunks) m.merge(c);
    for (const c of chunks) for (const ch of c.choices) assert.equal(ch.index, 0);
    const toolIdx = chunks.slice(2).map((c) => (c.choices[0]!.delta as { tool_calls: { index: number }[] }).tool_calls[0]!.index);
    assert.deepEqual(toolIdx, [0, 1, 0, 1, 0]);
    // role only once
    assert.equal((chunks[0]!.choices[0]!.delta as { role?: string }).role, "assistant");
    assert.equal("role" in chunks[2]!.choices[0]!.delta, false);
    assert.equal("role" in chunks[3]!.choices[0]!.delta, false);
  });

  it("tool calls of choice 0 and choice 1 with the same upstream index get distinct indexes", () => {
    const m = new StreamChoiceMerger();
    const a = { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "c1" }] } }] };
    const b = { choices: [{ index: 1, delta: { tool_calls: [{ index: 0, id: "c2" }] } }] };
    const a2 = { choices: [{ index: 0, delta: { tool_calls: [{ index: 0 }] } }] };
    m.merge(a);
    m.merge(b);
    m.merge(a2);
    assert.equal(a.choices[0]!.delta.tool_calls[0]!.index, 0);
    assert.equal(b.choices[0]!.delta.tool_calls[0]!.index, 1);
    assert.equal(a2.choices[0]!.delta.tool_calls[0]!.index, 0);
  });

  it("finish reasons become tool_calls once any tool call was streamed", () => {
    const m = new StreamChoiceMerger();
    m.merge({ choices: [{ index: 1, delta: { tool_calls: [{ index: 0, id: "c1" }] } }] });
    const fin0 = { choices: [{ index: 0, delta: {}, finish_reason: "stop" as string | null }] };
    m.merge(fin0);
    assert.equal(fin0.choices[0]!.finish_reason, "tool_calls");
  });

  it("a text-only stream keeps its finish reason", () => {
    const m = new StreamChoiceMerger();
    m.merge({ choices: [{ index: 0, delta: { content: "hi" } }] });
    const fin = { choices: [{ index: 0, delta: {}, finish_reason: "stop" as string | null }] };
    m.merge(fin);
    assert.equal(fin.choices[0]!.finish_reason, "stop");
  });

  it("a chunk carrying several choices comes out as exactly one choice (clients read choices[0])", () => {
    const m = new StreamChoiceMerger();
    const chunk = {
      id: "x",
      choices: [
        { index: 0, delta: { role: "assistant", content: "Let me " }, finish_reason: null },
        { index: 1, delta: { role: "assistant", tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "Read", arguments: "{}" } }] }, finish_reason: null },
      ],
    };
    m.merge(chunk);
    assert.equal(chunk.choices.length, 1);
    assert.deepEqual(chunk.choices[0], {
      index: 0,
      delta: { role: "assistant", content: "Let me ", tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "Read", arguments: "{}" } }] },
      finish_reason: null,
    });
    const fin = {
      choices: [
        { index: 0, delta: {}, finish_reason: "stop" as string | null },
        { index: 1, delta: {}, finish_reason: "tool_calls" as string | null },
      ],
    };
    m.merge(fin);
    assert.deepEqual(fin.choices, [{ index: 0, delta: {}, finish_reason: "tool_calls" }]);
  });

  it("chunks without choices (usage-only) are left alone", () => {
    const m = new StreamChoiceMerger();
    const usage = { choices: [], usage: { prompt_tokens: 1 } };
    m.merge(usage);
    assert.deepEqual(usage, { choices: [], usage: { prompt_tokens: 1 } });
    m.merge({});
  });
});
