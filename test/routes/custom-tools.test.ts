import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import OpenAI from "openai";
import { patchAdding } from "../fake-upstream/reply-plan.js";
import { suiteHarness } from "../helpers/harness.js";
import { MODEL_PER_ENDPOINT, openaiFor } from "../helpers/sdk-clients.js";

/**
 * Codex's free-form `apply_patch` tool (a Responses `custom` tool) on every Copilot endpoint. No
 * endpoint takes custom tools, so each gets a tool taking `{"input": …}`; whatever the model, the
 * call must come back to Codex as a `custom_tool_call` carrying the raw patch, stream and
 * non-stream, or Codex says "apply_patch invoked with incompatible payload" (known-failures 34).
 */
describe("custom tools (apply_patch) on every upstream path", () => {
  const h = suiteHarness();
  let openai: OpenAI;
  const applyPatch: OpenAI.Responses.CustomTool = {
    type: "custom",
    name: "apply_patch",
    description: "Edit files with a patch.",
    format: { type: "grammar", syntax: "lark", definition: "start: begin_patch hunk+ end_patch" },
  };
  const shell: OpenAI.Responses.FunctionTool = { type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } } } };

  before(async () => {
    openai = openaiFor(h);
  });

  for (const [model, endpoint] of MODEL_PER_ENDPOINT) {
    test(`${model} on ${endpoint}: custom_tool_call with the raw patch, stream and non-stream, then the output goes back`, async () => {
      const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "patch hello.txt" }];
      const params = { model, tools: [shell, applyPatch], store: false };

      const whole = await openai.responses.create({ ...params, input });
      assert.equal(h.fake.calls.at(-1)!.route, endpoint);
      assert.deepEqual(whole.output.filter((o) => o.type === "function_call"), [], "no function_call reaches the client");
      const call = whole.output.find((o) => o.type === "custom_tool_call");
      assert.ok(call?.type === "custom_tool_call", JSON.stringify(whole.output));
      assert.equal(call.name, "apply_patch");
      assert.equal(call.input, patchAdding("hello.txt"));

      const deltas: string[] = [];
      let done: string | undefined;
      const stream = openai.responses.stream({ ...params, input });
      for await (const e of stream) {
        if (e.type === "response.custom_tool_call_input.delta") deltas.push(e.delta);
        if (e.type === "response.custom_tool_call_input.done") done = e.input;
        assert.notEqual(e.type, "response.function_call_arguments.delta");
      }
      const final = await stream.finalResponse();
      const streamed = final.output.find((o) => o.type === "custom_tool_call");
      assert.ok(streamed?.type === "custom_tool_call", JSON.stringify(final.output));
      assert.equal(streamed.input, patchAdding("hello.txt"));
      assert.equal(done, patchAdding("hello.txt"));
      assert.equal(deltas.join(""), patchAdding("hello.txt"));

      const second = await openai.responses.create({
        ...params,
        input: [
          ...input,
          { type: "custom_tool_call", call_id: streamed.call_id, name: "apply_patch", input: streamed.input },
          { type: "custom_tool_call_output", call_id: streamed.call_id, output: "Success. Updated the following files:\nA hello.txt" },
        ],
      });
      assert.match(second.output_text, /Tool result: Success\. Updated the following files:\nA hello\.txt/);
      assert.equal(h.fake.calls.at(-1)!.route, endpoint);
    });
  }
});
