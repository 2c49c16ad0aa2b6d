import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Hono } from "hono";
import { DashboardSessions } from "../../src/access/dashboard-session.js";

/** A tiny app around one DashboardSessions: /open?key= sets the cookie, /check says whether it is open. */
function app(sessions: DashboardSessions) {
  const a = new Hono();
  a.get("/open", (c) => {
    sessions.open(c, c.req.query("key")!);
    return c.text("ok");
  });
  a.get("/check", (c) => c.text(sessions.isOpen(c) ? "open" : "closed"));
  return a;
}

async function cookieFrom(a: Hono, key: string): Promise<string> {
  const res = await a.request("http://127.0.0.1:4141/open?key=" + key);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

const check = async (a: Hono, cookie: string) => (await a.request("http://127.0.0.1:4141/check", { headers: { cookie } })).text();

describe("DashboardSessions", () => {
  test("a session ends at its expiry", async () => {
    let clock = 1_000_000;
    const a = app(new DashboardSessions(["key-one"], () => clock, 60_000));
    const cookie = await cookieFrom(a, "key-one");
    assert.equal(await check(a, cookie), "open");
    clock += 59_999;
    assert.equal(await check(a, cookie), "open");
    clock += 1;
    assert.equal(await check(a, cookie), "closed");
  });

  test("it is bound to the key that opened it: once that key is no longer configured, it is refused", async () => {
    const before = new DashboardSessions(["key-one", "key-two"]);
    const cookie = await cookieFrom(app(before), "key-one");
    assert.equal(await check(app(before), cookie), "open");
    // Same process secret, keys changed: copy the secret across to isolate the key binding.
    const after = new DashboardSessions(["key-two"]);
    (after as unknown as { secret: Buffer }).secret.set((before as unknown as { secret: Buffer }).secret);
    assert.equal(await check(app(after), cookie), "closed");
    const kept = new DashboardSessions(["key-one"]);
    (kept as unknown as { secret: Buffer }).secret.set((before as unknown as { secret: Buffer }).secret);
    assert.equal(await check(app(kept), cookie), "open", "the same key still opens it");
  });

  test("malformed values are refused", async () => {
    const a = app(new DashboardSessions(["key-one"]));
    for (const v of ["", "x", "1.2", `${Date.now() + 10_000}.${"A".repeat(43)}`, `99999999999999999.${"A".repeat(43)}`]) {
      assert.equal(await check(a, `copilot_api_session_4141=${v}`), "closed", v);
    }
  });
});
