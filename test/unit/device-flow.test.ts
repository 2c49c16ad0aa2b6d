import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import { type DeviceCode, runDeviceFlow } from "../../src/upstream/device-flow.js";
import type { FetchLike } from "../../src/upstream/http.js";

interface Call {
  url: string;
  body: Record<string, unknown>;
}

/** Answers /login/device/code with `code`, then each poll with the next scripted answer. */
function harness(code: Partial<DeviceCode>, polls: { status?: number; body: unknown }[]) {
  const calls: Call[] = [];
  const sleeps: number[] = [];
  let clock = 1_000_000;
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, body: JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown> });
    if (url.endsWith("/login/device/code")) {
      return Response.json({ device_code: "dev-123", user_code: "ABCD-1234", verification_uri: "https://github.com/login/device", expires_in: 900, interval: 5, ...code });
    }
    const next = polls.shift();
    if (!next) throw new Error("polled more often than scripted");
    const text = typeof next.body === "string" ? next.body : JSON.stringify(next.body);
    return new Response(text, { status: next.status ?? 200, headers: { "content-type": "application/json" } });
  };
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock += ms;
  };
  const codes: DeviceCode[] = [];
  const slowDowns: number[] = [];
  const run = (extra: { githubUrl?: string } = {}) =>
    runDeviceFlow({
      fetch,
      githubUrl: extra.githubUrl ?? "https://github.com",
      onCode: (c) => codes.push(c),
      onSlowDown: (s) => slowDowns.push(s),
      sleep,
      now: () => clock,
    });
  return { calls, sleeps, codes, slowDowns, run, polls };
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("runDeviceFlow", () => {
  it("happy path: shows the code, polls after the interval, returns the token", async () => {
    const h = harness({}, [{ body: { access_token: "ghu_abcdefghijkl", token_type: "bearer" } }]);
    const token = await h.run();
    assert.equal(token, "ghu_abcdefghijkl");
    assert.equal(h.codes.length, 1);
    assert.equal(h.codes[0]?.user_code, "ABCD-1234");
    assert.deepEqual(h.sleeps, [5000]);
    assert.equal(h.calls.length, 2);
    assert.equal(h.calls[0]?.url, "https://github.com/login/device/code");
    assert.equal(h.calls[0]?.body.client_id, "Iv1.b507a08c87ecfe98");
    assert.equal(h.calls[0]?.body.scope, "read:user");
    assert.equal(h.calls[1]?.url, "https://github.com/login/oauth/access_token");
    assert.deepEqual(h.calls[1]?.body, {
      client_id: "Iv1.b507a08c87ecfe98",
      device_code: "dev-123",
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    });
  });

  it("uses the tenant host for both steps (GHE.com)", async () => {
    const h = harness({}, [{ body: { access_token: "ghu_tenanttoken1" } }]);
    await h.run({ githubUrl: "https://acme.ghe.com" });
    assert.deepEqual(
      h.calls.map((c) => c.url),
      ["https://acme.ghe.com/login/device/code", "https://acme.ghe.com/login/oauth/access_token"],
    );
  });

  it("authorization_pending keeps polling at the same interval until success", async () => {
    const h = harness({ interval: 7 }, [
      { body: { error: "authorization_pending" } },
      { body: { error: "authorization_pending" } },
      { body: { access_token: "ghu_after_pending" } },
    ]);
    assert.equal(await h.run(), "ghu_after_pending");
    assert.deepEqual(h.sleeps, [7000, 7000, 7000]);
  });

  it("defaults the interval to 5 s when GitHub sends none", async () => {
    const h = harness({ interval: undefined }, [{ body: { error: "authorization_pending" } }, { body: { access_token: "ghu_default_iv" } }]);
    await h.run();
    assert.deepEqual(h.sleeps, [5000, 5000]);
  });

  it("slow_down adds 5 s permanently", async () => {
    const h = harness({}, [
      { body: { error: "slow_down" } },
      { body: { error: "authorization_pending" } },
      { body: { access_token: "ghu_slowdown_ok" } },
    ]);
    assert.equal(await h.run(), "ghu_slowdown_ok");
    assert.deepEqual(h.sleeps, [5000, 10000, 10000]);
    assert.deepEqual(h.slowDowns, [10]);
  });

  it("slow_down twice accumulates", async () => {
    const h = harness({}, [{ body: { error: "slow_down" } }, { body: { error: "slow_down" } }, { body: { access_token: "ghu_twice_slow" } }]);
    await h.run();
    assert.deepEqual(h.sleeps, [5000, 10000, 15000]);
  });

  it("slow_down honours a larger interval returned by GitHub", async () => {
    const h = harness({}, [
      { body: { error: "slow_down", interval: 20 } },
      { body: { error: "authorization_pending" } },
      { body: { access_token: "ghu_bigger_iv" } },
    ]);
    await h.run();
    assert.deepEqual(h.sleeps, [5000, 20000, 20000]);
    assert.deepEqual(h.slowDowns, [20]);
  });

  it("slow_down with a smaller returned interval still adds 5 s", async () => {
    const h = harness({}, [{ body: { error: "slow_down", interval: 3 } }, { body: { access_token: "ghu_smaller_iv" } }]);
    await h.run();
    assert.deepEqual(h.sleeps, [5000, 10000]);
  });

  it("expired_token stops at once with a clear message", async () => {
    const h = harness({}, [{ body: { error: "expired_token" } }, { body: { access_token: "never" } }]);
    const err = await rejectsWith(h.run(), /expired.*copilot-api auth/i);
    assert.equal(err.status, 401);
    assert.equal(h.polls.length, 1, "no poll after expired_token");
  });

  it("access_denied stops at once with a clear message", async () => {
    const h = harness({}, [{ body: { error: "access_denied" } }, { body: { access_token: "never" } }]);
    await rejectsWith(h.run(), /denied/i);
    assert.equal(h.polls.length, 1, "no poll after access_denied");
  });

  it("an unknown error is surfaced with GitHub's description", async () => {
    const h = harness({}, [{ body: { error: "incorrect_client_credentials", error_description: "The client_id is wrong." } }]);
    await rejectsWith(h.run(), /The client_id is wrong\./);
  });

  it("stops at expires_in with a clear message, never polling forever", async () => {
    // expires_in 20 s, interval 5 s: polls at 5, 10, 15 s; the 4th wake-up is at the deadline.
    const pending = Array.from({ length: 50 }, () => ({ body: { error: "authorization_pending" } }));
    const h = harness({ expires_in: 20 }, pending);
    await rejectsWith(h.run(), /expired/i);
    assert.equal(50 - h.polls.length, 3, "three polls before the deadline");
    assert.deepEqual(h.sleeps, [5000, 5000, 5000, 5000]);
  });

  it("the deadline also holds when slow_down stretches the interval", async () => {
    const script = Array.from({ length: 50 }, () => ({ body: { error: "slow_down" } }));
    const h = harness({ expires_in: 30 }, script);
    await rejectsWith(h.run(), /expired/i);
    // 5 (poll, ->10), 15 (poll, ->15), 30: deadline reached
    assert.deepEqual(h.sleeps, [5000, 10000, 15000]);
    assert.equal(50 - h.polls.length, 2);
  });

  it("reads pending from the body of an HTTP 200, not from the status", async () => {
    const h = harness({}, [{ status: 200, body: { error: "authorization_pending", error_description: "pending" } }, { status: 200, body: { access_token: "ghu_body_field" } }]);
    assert.equal(await h.run(), "ghu_body_field");
  });

  it("reads the error field even when the status is 400", async () => {
    const h = harness({}, [{ status: 400, body: { error: "authorization_pending" } }, { status: 200, body: { access_token: "ghu_status_400" } }]);
    assert.equal(await h.run(), "ghu_status_400");
  });

  it("a non-JSON error answer while polling fails clearly", async () => {
    const h = harness({}, [{ status: 502, body: "<html>Bad gateway</html>" }]);
    await rejectsWith(h.run(), /HTTP 502/);
  });

  it("a refused device-code request fails with GitHub's status", async () => {
    const fetch: FetchLike = async () => new Response("not found", { status: 404 });
    await rejectsWith(
      runDeviceFlow({ fetch, githubUrl: "https://github.com", onCode: () => assert.fail("no code expected"), sleep: async () => {}, now: () => 0 }),
      /HTTP 404/,
    );
  });
});

describe("runDeviceFlow: malformed device-code answers", () => {
  const base = { githubUrl: "https://github.com", sleep: async () => {}, now: () => 0 };

  it("a 200 that is not JSON (captive portal, proxy page) fails with a clear ApiError", async () => {
    const fetch: FetchLike = async () => new Response("<html>Sign in to the Wi-Fi</html>", { status: 200 });
    await rejectsWith(runDeviceFlow({ ...base, fetch, onCode: () => assert.fail("no code expected") }), /device flow/i);
  });

  it("a 200 carrying an OAuth error instead of a device code fails with that error", async () => {
    const fetch: FetchLike = async () => Response.json({ error: "unauthorized_client", error_description: "Device flow is disabled for this app." });
    await rejectsWith(runDeviceFlow({ ...base, fetch, onCode: () => assert.fail("no code expected") }), /Device flow is disabled for this app/);
  });
});
