import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startHarness } from "../helpers/harness.js";

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });

describe("Copilot token renewal against the fake GitHub, with the exchange held", () => {
  // Without background renewal these requests wait for the held exchange: the timeout fails them.
  test("at the renewal point, requests are answered with the still-valid token while the exchange runs", { timeout: 20_000 }, async () => {
    let clock = Date.now();
    const h = await startHarness({ now: () => clock });
    try {
      const first = h.runtime.tokens.current!;
      clock = first.refreshAt + 1;
      const held = h.fake.holdTokenExchange();
      const res = await chat(h.url);
      assert.equal(res.status, 200, await res.clone().text());
      await res.text();
      await held.arrived;
      const second = await chat(h.url);
      assert.equal(second.status, 200);
      await second.text();
      assert.equal(h.fake.callsTo("/copilot_internal/v2/token").length, 2, "one exchange at start, one renewal, shared");
      assert.equal(h.runtime.tokens.current!.token, first.token);
      held.release();
      await h.runtime.tokens.idle();
      assert.notEqual(h.runtime.tokens.current!.token, first.token);
    } finally {
      await h.close();
    }
  });

  test("with no valid token left, a request waits for the exchange and then goes through", { timeout: 20_000 }, async () => {
    let clock = Date.now();
    const h = await startHarness({ now: () => clock });
    try {
      const first = h.runtime.tokens.current!;
      clock = first.expiresAt + 1;
      const held = h.fake.holdTokenExchange();
      let answered = false;
      const pending = chat(h.url).then((r) => {
        answered = true;
        return r;
      });
      await held.arrived;
      assert.equal(answered, false, "the request cannot go out with an expired token");
      held.release();
      const res = await pending;
      assert.equal(res.status, 200, await res.text());
      assert.notEqual(h.runtime.tokens.current!.token, first.token);
    } finally {
      await h.close();
    }
  });

  test("/health says what is wrong once GitHub rejects the token, with a non-200 status", { timeout: 20_000 }, async () => {
    let clock = Date.now();
    const h = await startHarness({ now: () => clock });
    try {
      const healthy = await fetch(`${h.url}/health`);
      assert.equal(healthy.status, 200);
      assert.equal(((await healthy.json()) as { status: string }).status, "ok");
      const first = h.runtime.tokens.current!;
      clock = first.refreshAt + 1;
      h.fake.fault({ path: "/copilot_internal/v2/token", status: 401, body: { message: "Bad credentials" } });
      // The renewal runs behind this request, which still succeeds with the valid session.
      const res = await chat(h.url);
      assert.equal(res.status, 200);
      await res.text();
      await h.runtime.tokens.idle();
      const sick = await fetch(`${h.url}/health`);
      assert.equal(sick.status, 503);
      const body = (await sick.json()) as { status: string; problem: string; message: string };
      assert.equal(body.status, "error");
      assert.equal(body.problem, "github_token_rejected");
      assert.match(body.message, /GitHub no longer accepts the GitHub token: .*Bad credentials.* works until /);
      assert.ok(!/ghu_|tid=/.test(JSON.stringify(body)));
      clock = first.expiresAt + 1;
      const expired = await fetch(`${h.url}/health`);
      assert.equal(expired.status, 503);
      assert.doesNotMatch(((await expired.json()) as { message: string }).message, /works until/);
    } finally {
      await h.close();
    }
  });

  test("/health: an expired session with no failed renewal is fine (renewed on use); a failed one is 503 no_copilot_session", { timeout: 20_000 }, async () => {
    let clock = Date.now();
    const h = await startHarness({ now: () => clock });
    try {
      const first = h.runtime.tokens.current!;
      clock = first.expiresAt + 1;
      assert.equal((await fetch(`${h.url}/health`)).status, 200, "a laptop that just woke up is not unhealthy");
      h.fake.fault({ path: "/copilot_internal/v2/token", status: 503, body: { message: "GitHub is having a moment" } });
      const res = await chat(h.url);
      assert.equal(res.status, 503);
      await res.text();
      const health = await fetch(`${h.url}/health`);
      assert.equal(health.status, 503);
      const body = (await health.json()) as { problem: string; message: string };
      assert.equal(body.problem, "no_copilot_session");
      assert.match(body.message, /renewing it failed: .*having a moment/);
    } finally {
      await h.close();
    }
  });
});

