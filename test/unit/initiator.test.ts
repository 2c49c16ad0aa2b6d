import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chatInitiator, claudeCodeCallKind, messagesInitiator, responsesInitiator } from "../../src/upstream/initiator.js";

describe("chatInitiator", () => {
  it("last message from the user -> user", () => {
    assert.equal(chatInitiator([{ role: "system", content: "s" }, { role: "user", content: "hi" }]), "user");
  });
  it("last message a tool result -> agent", () => {
    assert.equal(
      chatInitiator([
        { role: "user", content: "hi" },
        { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ]),
      "agent",
    );
  });
  it("last message from the assistant (prefill / continuation) -> agent", () => {
    assert.equal(chatInitiator([{ role: "user", content: "hi" }, { role: "assistant", content: "Sure" }]), "agent");
  });
  it("empty or malformed -> user (what Copilot assumes anyway)", () => {
    assert.equal(chatInitiator([]), "user");
    assert.equal(chatInitiator(undefined), "user");
  });
});

describe("messagesInitiator (case 16)", () => {
  it("first user turn with a string -> user", () => {
    assert.equal(messagesInitiator([{ role: "user", content: "Fix the bug" }]), "user");
  });
  it("user turn with text blocks -> user", () => {
    assert.equal(messagesInitiator([{ role: "user", content: [{ type: "text", text: "hello" }] }]), "user");
  });
  it("last user message with only tool_result blocks -> agent", () => {
    assert.equal(
      messagesInitiator([
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: {} }, { type: "tool_use", id: "t2", name: "Read", input: {} }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: "a" },
            { type: "tool_result", tool_use_id: "t2", content: "b" },
          ],
        },
      ]),
      "agent",
    );
  });
  it("tool_result plus typed text -> user", () => {
    assert.equal(
      messagesInitiator([
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: "rejected", is_error: true },
            { type: "text", text: "No, do it differently" },
          ],
        },
      ]),
      "user",
    );
  });
  it("an image nested in a tool_result does not flip it to user", () => {
    assert.equal(
      messagesInitiator([
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t1",
              content: [
                { type: "text", text: "screenshot" },
                { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
              ],
            },
          ],
        },
      ]),
      "agent",
    );
  });
  it("last message from the assistant (prefill) -> agent", () => {
    assert.equal(messagesInitiator([{ role: "user", content: "q" }, { role: "assistant", content: "{" }]), "agent");
  });
  it("empty -> user", () => {
    assert.equal(messagesInitiator([]), "user");
  });
});

describe("responsesInitiator", () => {
  it("string input -> user", () => {
    assert.equal(responsesInitiator("hello"), "user");
  });
  it("last item a user message (typed or untyped) -> user", () => {
    assert.equal(responsesInitiator([{ role: "user", content: "hi" }]), "user");
    assert.equal(responsesInitiator([{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }]), "user");
  });
  it("last item a function_call_output -> agent (case 46)", () => {
    assert.equal(
      responsesInitiator([
        { type: "message", role: "developer", content: "rules" },
        { type: "message", role: "user", content: "run ls" },
        { type: "function_call", call_id: "c1", name: "shell", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "a.txt" },
      ]),
      "agent",
    );
  });
  it("last item an assistant message or a developer message -> agent", () => {
    assert.equal(responsesInitiator([{ type: "message", role: "assistant", content: "x" }]), "agent");
    assert.equal(responsesInitiator([{ type: "message", role: "developer", content: "x" }]), "agent");
  });
});

describe("claudeCodeCallKind: Claude Code calls that are not turns the user typed (cases 15, 16)", () => {
  const tools = [{ name: "Bash", input_schema: { type: "object" } }];
  const mainSystem = [{ type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197;" }, { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." }];
  const typed = [{ role: "user", content: [{ type: "text", text: "fix the failing test" }] }];

  it("a main-loop turn with tools is none of them", () => {
    assert.equal(claudeCodeCallKind({ system: mainSystem, messages: typed, tools }), undefined);
  });
  it("no tools: a background call (title, summary, warm-up)", () => {
    assert.equal(claudeCodeCallKind({ system: mainSystem, messages: typed }), "background");
    assert.equal(claudeCodeCallKind({ system: mainSystem, messages: typed, tools: [] }), "background");
  });
  it("the Task tool's agent prompt, as a string or in a block: a subagent call, its first request included", () => {
    const agentPrompt = "You are an agent for Claude Code, Anthropic's official CLI for Claude. Given the user's message, use the tools available.";
    assert.equal(claudeCodeCallKind({ system: agentPrompt, messages: typed, tools }), "subagent");
    assert.equal(claudeCodeCallKind({ system: [mainSystem[0], { type: "text", text: agentPrompt }], messages: typed, tools }), "subagent");
  });
  it("the summary request as the last user message: a compaction call", () => {
    const compact = [
      ...typed,
      { role: "assistant", content: [{ type: "text", text: "done" }] },
      { role: "user", content: [{ type: "text", text: "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests." }] },
    ];
    assert.equal(claudeCodeCallKind({ system: mainSystem, messages: compact, tools }), "compaction");
    // The same words earlier in the history do not make a later typed turn a compaction.
    assert.equal(claudeCodeCallKind({ system: mainSystem, messages: [...compact, { role: "assistant", content: "summary" }, ...typed], tools }), undefined);
  });
});
