import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { suiteHarness } from "../helpers/harness.js";

describe("--verbose logs print what a client sent without control characters", () => {
  const h = suiteHarness();

  test("a model name with ESC sequences and a newline is logged escaped, on its own line", async () => {
    const model = "gpt\u001b]0;owned\u0007\u001b[2J\n[error] FORGED LINE\u009b31m";
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(res.status, 404);
    await res.text();
    const line = h.logs.find((l) => l.includes("FORGED LINE"));
    assert.ok(line, "the request was logged at debug level");
    for (const l of h.logs) {
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(l), `raw control character in ${JSON.stringify(l)}`);
      assert.ok(!/(^|\n)\[error\] FORGED/.test(l), "a newline from the client cannot start a line");
    }
    assert.match(line, /gpt\\u001b\]0;owned\\u0007\\u001b\[2J\\u000a\[error\] FORGED LINE\\u009b31m/);
  });
});
