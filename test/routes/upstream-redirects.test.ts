import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { suiteHarness } from "../helpers/harness.js";

describe("a redirect from Copilot is not followed", () => {
  const h = suiteHarness();

  for (const status of [307, 308, 302]) {
    test(`HTTP ${status} on a POST: the prompt is not sent again, the client gets a 502 saying why`, async () => {
      const before = h.fake.callsTo("/chat/completions").length;
      h.fake.fault({ path: "/chat/completions", status, body: "", headers: { location: `${h.fake.capiUrl}/chat/completions` } });
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
      });
      const body = (await res.json()) as { error: { message: string } };
      assert.equal(res.status, 502);
      assert.match(body.error.message, new RegExp(`redirect \\(HTTP ${status} to 127\\.0\\.0\\.1:\\d+\\); copilot-api does not follow redirects`));
      assert.equal(h.fake.callsTo("/chat/completions").length, before + 1, "one call: the redirect was not replayed");
    });
  }
});
