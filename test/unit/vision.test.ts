import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasImage } from "../../src/upstream/vision.js";

describe("hasImage", () => {
  it("text-only requests in every dialect -> false", () => {
    assert.equal(hasImage([{ role: "user", content: "hi" }]), false);
    assert.equal(hasImage([{ role: "user", content: [{ type: "text", text: "hi" }] }]), false);
    assert.equal(hasImage({ messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "x" }] }] }] }), false);
    assert.equal(hasImage({ input: [{ type: "function_call_output", call_id: "c", output: "text" }] }), false);
    assert.equal(hasImage("image_url"), false);
    assert.equal(hasImage(null), false);
  });

  it("chat image_url parts", () => {
    assert.equal(hasImage([{ role: "user", content: [{ type: "text", text: "what" }, { type: "image_url", image_url: { url: "data:image/png;base64,AA" } }] }]), true);
  });

  it("Anthropic images nested in tool_result content (case 7)", () => {
    const messages = [
      { role: "user", content: "take a screenshot" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "shot", input: {} }] },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AA" } }] }],
      },
    ];
    assert.equal(hasImage(messages), true);
    assert.equal(hasImage({ model: "claude", messages }), true);
  });

  it("Responses input_image, also inside function_call_output.output", () => {
    assert.equal(hasImage({ input: [{ role: "user", content: [{ type: "input_image", image_url: "data:image/png;base64,AA" }] }] }), true);
    assert.equal(hasImage({ input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_image", image_url: "data:," }] }] }), true);
  });

  it("image-like words in text don't count", () => {
    assert.equal(hasImage([{ role: "user", content: [{ type: "text", text: '{"type":"image"}' }] }]), false);
  });

  it("deep nesting is bounded: no stack overflow, and an image below the bound is not found", () => {
    let deep: unknown = { type: "image" };
    for (let i = 0; i < 100_000; i++) deep = { content: [deep] };
    assert.equal(hasImage(deep), false);
    let shallow: unknown = { type: "image" };
    for (let i = 0; i < 5; i++) shallow = { content: [shallow] };
    assert.equal(hasImage(shallow), true);
  });
});
