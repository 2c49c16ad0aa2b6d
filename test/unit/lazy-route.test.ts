import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { lazyRoute } from "../../src/http/lazy-route.js";

test("a lazy route imports its module once, on its first request, however many arrive meanwhile", async () => {
  let imports = 0;
  let made = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const load = async () => {
    imports += 1;
    await gate;
    return { hello: (name: string) => (c: { text(t: string): Response }) => c.text(`hello ${name}`) };
  };
  const app = new Hono();
  app.get("/a", lazyRoute(load, (m) => ((made += 1), m.hello("a"))));
  assert.equal(imports, 0, "nothing imported before a request");
  const pending = [app.request("/a"), app.request("/a"), app.request("/a")];
  release();
  for (const r of await Promise.all(pending)) assert.equal(await r.text(), "hello a");
  assert.equal(await (await app.request("/a")).text(), "hello a");
  assert.equal(imports, 1);
  assert.equal(made, 1);
});

test("a failed import fails that request and is tried again on the next", async () => {
  let attempts = 0;
  const load = async () => {
    attempts += 1;
    if (attempts === 1) throw new Error("chunk missing");
    return { ok: () => (c: { text(t: string): Response }) => c.text("ok") };
  };
  const app = new Hono();
  app.onError((_e, c) => c.text("failed", 500));
  app.get("/b", lazyRoute(load, (m) => m.ok()));
  assert.equal((await app.request("/b")).status, 500);
  const second = await app.request("/b");
  assert.equal(second.status, 200);
  assert.equal(await second.text(), "ok");
  assert.equal(attempts, 2);
});
