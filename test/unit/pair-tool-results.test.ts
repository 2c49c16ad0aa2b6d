import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IMAGES_IN_NEXT_MESSAGE, INTERRUPTED_TOOL_RESULT, pairToolResults, toolResultText } from "../../src/ir/pair-tool-results.js";
import type { ImagePart, Message, ToolResultPart } from "../../src/ir/request.js";

const call = (id: string) => ({ type: "tool-call" as const, id, name: "f", input: "{}" });
const calls = (...ids: string[]): Message => ({ role: "assistant", content: ids.map(call) });
const result = (callId: string, text = `${callId} done`, extra: Partial<ToolResultPart> = {}): ToolResultPart => ({
  type: "tool-result",
  callId,
  content: [{ type: "text", text }],
  ...extra,
});
const results = (...parts: ToolResultPart[]): Message => ({ role: "user", content: parts });
const user = (text: string): Message => ({ role: "user", content: [{ type: "text", text }] });
const system = (text: string): Message => ({ role: "system", content: [{ type: "text", text }] });
const interrupted = (callId: string): ToolResultPart => ({ type: "tool-result", callId, content: [{ type: "text", text: INTERRUPTED_TOOL_RESULT }], isError: true });
const image = (url: string): ImagePart => ({ type: "image", source: { kind: "url", url } });

const keep = { moveImages: false };
const move = { moveImages: true };

describe("pairToolResults", () => {
  it("leaves a history without tool calls as it is, message for message", () => {
    const history: Message[] = [system("be brief"), user("hi"), { role: "assistant", content: [{ type: "text", text: "hello" }] }, user("bye")];
    const paired = pairToolResults(history, keep);
    assert.deepEqual(paired, history);
    paired.forEach((m, i) => assert.equal(m, history[i], `message ${i} is the same object`));
  });

  it("a call with no result gets an interrupted error result, also when the history ends on the call", () => {
    assert.deepEqual(pairToolResults([user("go"), calls("a"), user("never mind")], keep), [
      user("go"),
      calls("a"),
      results(interrupted("a")),
      user("never mind"),
    ]);
    assert.deepEqual(pairToolResults([user("go"), calls("a", "b")], keep), [user("go"), calls("a", "b"), results(interrupted("a"), interrupted("b"))]);
  });

  it("a result with no call is dropped: before any call, after a text-only answer, or for an id the previous message didn't call", () => {
    const paired = pairToolResults(
      [
        results(result("early")),
        user("go"),
        { role: "assistant", content: [{ type: "text", text: "no tools" }] },
        { role: "user", content: [result("stray"), { type: "text", text: "and?" }] },
        calls("a"),
        results(result("zzz"), result("a")),
      ],
      keep,
    );
    assert.deepEqual(paired, [
      user("go"),
      { role: "assistant", content: [{ type: "text", text: "no tools" }] },
      user("and?"),
      calls("a"),
      results(result("a")),
    ]);
  });

  it("duplicate results: the first one counts", () => {
    const first = result("a", "first");
    assert.deepEqual(pairToolResults([calls("a"), results(first, result("a", "second")), results(result("a", "third"))], keep), [
      calls("a"),
      results(first),
    ]);
  });

  it("parallel calls get their results in call order, whatever order they came in", () => {
    assert.deepEqual(pairToolResults([calls("a", "b", "c"), results(result("c"), result("a", "boom", { isError: true }), result("b"))], keep), [
      calls("a", "b", "c"),
      results(result("a", "boom", { isError: true }), result("b"), result("c")),
    ]);
  });

  it("results spread over later result-only messages are gathered, with system messages between them held until after the results", () => {
    assert.deepEqual(pairToolResults([calls("a", "b"), results(result("b")), system("note"), results(result("a")), user("next")], keep), [
      calls("a", "b"),
      results(result("a"), result("b")),
      system("note"),
      user("next"),
    ]);
  });

  it("the first user message with anything but results (its own results included) ends the gathering; later results are strays", () => {
    const paired = pairToolResults(
      [calls("a", "b"), { role: "user", content: [{ type: "text", text: "stop" }, result("b")] }, results(result("a")), calls("c"), results(result("c"))],
      keep,
    );
    assert.deepEqual(paired, [calls("a", "b"), results(interrupted("a"), result("b")), user("stop"), calls("c"), results(result("c"))]);
  });

  it("an empty user message ends the gathering too, and is dropped", () => {
    assert.deepEqual(pairToolResults([calls("a"), { role: "user", content: [{ type: "text", text: "" }] }, results(result("a"))], keep), [
      calls("a"),
      results(interrupted("a")),
    ]);
  });

  it("the next assistant message ends the gathering", () => {
    assert.deepEqual(pairToolResults([calls("a"), calls("b"), results(result("a"), result("b"))], keep), [
      calls("a"),
      results(interrupted("a")),
      calls("b"),
      results(result("b")),
    ]);
  });

  it("a duplicated call id is answered once per call, with the same result", () => {
    assert.deepEqual(pairToolResults([calls("a", "a"), results(result("a"))], keep), [calls("a", "a"), results(result("a"), result("a"))]);
  });

  it("keeps the other parts of a user message as the same objects, after the results", () => {
    const text = { type: "text" as const, text: "look" };
    const img = image("https://x/y.png");
    const document = { type: "document" as const, source: { type: "text", data: "doc" } };
    const paired = pairToolResults([calls("a"), { role: "user", content: [result("a"), text, img, document] }], keep);
    assert.deepEqual(paired, [calls("a"), results(result("a")), { role: "user", content: [text, img, document] }]);
    const rest = paired[2]!.content;
    assert.equal(rest[0], text);
    assert.equal(rest[1], img);
    assert.equal(rest[2], document);
  });

  it("images in results stay inside them with moveImages false (Anthropic)", () => {
    const shot: ToolResultPart = { type: "tool-result", callId: "a", content: [{ type: "text", text: "captured" }, image("https://x/a.png")] };
    assert.deepEqual(pairToolResults([calls("a"), results(shot)], keep), [calls("a"), results(shot)]);
  });

  it("moveImages: images go to one user message per result after all the results, before held system messages", () => {
    const paired = pairToolResults(
      [
        calls("shot", "ls", "pic"),
        results(
          { type: "tool-result", callId: "shot", content: [{ type: "text", text: "captured" }, image("https://x/a.png"), image("https://x/b.png")] },
          result("ls", "files"),
        ),
        system("note"),
        { role: "user", content: [{ type: "tool-result", callId: "pic", content: [image("https://x/c.png")], isError: true }, { type: "text", text: "look" }] },
      ],
      move,
    );
    assert.deepEqual(paired, [
      calls("shot", "ls", "pic"),
      results(result("shot", "captured"), result("ls", "files"), result("pic", IMAGES_IN_NEXT_MESSAGE, { isError: true })),
      { role: "user", content: [{ type: "text", text: "Images returned by tool shot:" }, image("https://x/a.png"), image("https://x/b.png")] },
      { role: "user", content: [{ type: "text", text: "Images returned by tool pic:" }, image("https://x/c.png")] },
      system("note"),
      user("look"),
    ]);
  });

  it("does not change its input", () => {
    const history: Message[] = [calls("a", "b"), results(result("b"), { type: "tool-result", callId: "a", content: [image("https://x/a.png")] }), user("hi")];
    const before = structuredClone(history);
    pairToolResults(history, move);
    assert.deepEqual(history, before);
  });
});

describe("toolResultText", () => {
  it("joins the text parts and marks an error that doesn't say so", () => {
    const parts: ToolResultPart = { type: "tool-result", callId: "a", content: [{ type: "text", text: "one" }, image("https://x/a.png"), { type: "text", text: "two" }] };
    assert.equal(toolResultText(parts), "one\n\ntwo");
    assert.equal(toolResultText(result("a", "boom", { isError: true })), "Error: boom");
    assert.equal(toolResultText(result("a", "error: already", { isError: true })), "error: already");
    assert.equal(toolResultText({ type: "tool-result", callId: "a", content: [], isError: true }), "Error");
    assert.equal(toolResultText(interrupted("a")), `Error: ${INTERRUPTED_TOOL_RESULT}`);
  });
});
