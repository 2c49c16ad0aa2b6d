import assert from "node:assert/strict";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { createFetch } from "../../src/upstream/http.js";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback server whose answer each test sets. */
function server() {
  let handler: Handler = (_req, res) => res.end();
  const seen: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const s = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      handler(req, res, body);
    });
  });
  return {
    s,
    seen,
    set: (h: Handler) => (handler = h),
    url: () => `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
  };
}

describe("createFetch (undici's dispatcher, answered as a web Response)", () => {
  const srv = server();
  const fetch = createFetch(false);
  before(() => new Promise<void>((r) => srv.s.listen(0, "127.0.0.1", () => r())));
  after(() => new Promise<void>((r) => srv.s.close(() => r())));

  it("sends what fetch sends and answers status, headers and body", async () => {
    srv.set((_req, res, body) => {
      res.writeHead(201, { "content-type": "application/json", "x-one": "1" });
      res.end(JSON.stringify({ echo: body }));
    });
    const res = await fetch(`${srv.url()}/x?q=1`, { method: "POST", headers: { "Content-Type": "application/json", authorization: "Bearer t" }, body: '{"a":"é"}' });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get("x-one"), "1");
    assert.deepEqual(await res.json(), { echo: '{"a":"é"}' });
    const h = srv.seen.at(-1)!.headers;
    assert.equal(h["content-type"], "application/json");
    assert.equal(h.authorization, "Bearer t");
    // The defaults undici's fetch adds when they are absent.
    assert.equal(h["accept-language"], "*");
    assert.equal(h["sec-fetch-mode"], "cors");
    assert.equal(h["accept-encoding"], "gzip, deflate");
  });

  it("decodes a gzip body, as fetch does", async () => {
    srv.set((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
      res.end(gzipSync(Buffer.from("hello, compressed world")));
    });
    assert.equal(await (await fetch(`${srv.url()}/gz`)).text(), "hello, compressed world");
  });

  it("follows a redirect, as fetch does", async () => {
    srv.set((req, res) => {
      if (req.url === "/old") {
        res.writeHead(302, { location: "/new" });
        return res.end();
      }
      res.end(`at ${req.url}`);
    });
    assert.equal(await (await fetch(`${srv.url()}/old`)).text(), "at /new");
  });

  it("streams a long body to a reader that falls behind, every byte once and never an empty chunk", { timeout: 20_000 }, async () => {
    const lines = 2000;
    srv.set(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      // One line per turn of the event loop, as Copilot's (and the fake's) streams arrive.
      for (let i = 0; i < lines; i++) {
        if (!res.write(`data: ${i}\n\n`)) await new Promise((r) => res.once("drain", r));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const res = await fetch(`${srv.url()}/sse`);
    const reader = res.body!.getReader();
    // Fall behind first, so that the socket is paused, then read in a tight loop as the event pump
    // does: a resumed socket with nothing buffered must not produce empty reads (which such a loop
    // would spin on without ever letting the socket deliver more).
    await new Promise((r) => setTimeout(r, 100));
    const dec = new TextDecoder();
    let text = "";
    for (let n = 0; ; n++) {
      const { done, value } = await reader.read();
      if (done) break;
      assert.ok(value.byteLength > 0, "no empty chunk");
      text += dec.decode(value, { stream: true });
      if (n < 300) await new Promise((r) => setTimeout(r, 1)); // slow for a while, then as fast as it comes
    }
    const got = text.split("\n\n").filter(Boolean);
    assert.equal(got.length, lines);
    assert.equal(got.at(-1), `data: ${lines - 1}`);
  });

  it("fails like fetch: a refused connection is TypeError('fetch failed') with the socket error as cause", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, "fetch failed");
      assert.equal((e.cause as { code?: string }).code, "ECONNREFUSED");
      return true;
    });
  });

  it("rejects with the signal's reason on abort, and errors a body being read", async () => {
    srv.set((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n"); // then nothing: the client aborts
    });
    const early = new AbortController();
    early.abort(new Error("gone"));
    await assert.rejects(fetch(`${srv.url()}/a`, { signal: early.signal }), /gone/);

    const ac = new AbortController();
    const res = await fetch(`${srv.url()}/b`, { signal: ac.signal });
    const reader = res.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "data: first\n\n");
    ac.abort(new Error("client left"));
    await assert.rejects(reader.read(), /client left/);
  });

  it("ends the body with TypeError('terminated') when the socket breaks mid-body", async () => {
    srv.set((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: part\n\n", () => setTimeout(() => res.socket?.destroy(), 10));
    });
    const res = await fetch(`${srv.url()}/cut`);
    const reader = res.body!.getReader();
    await reader.read();
    await assert.rejects(reader.read(), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, "terminated");
      return true;
    });
  });

  it("reads a long answer with text() from its chunks (no stream), and refuses a second read", async () => {
    const parts = Array.from({ length: 64 }, (_, i) => `part ${i};`);
    srv.set((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-two": ["a", "b"] });
      for (const p of parts) res.write(p);
      res.end();
    });
    const res = await fetch(`${srv.url()}/long`);
    assert.ok(res instanceof Response);
    assert.equal(res.headers.get("x-two"), "a, b");
    assert.equal(res.headers.get("Content-Type"), "application/json");
    assert.equal(await res.text(), parts.join(""));
    assert.equal(res.bodyUsed, true);
    await assert.rejects(res.text(), TypeError);
    assert.deepEqual([...res.headers].find(([k]) => k === "x-two"), ["x-two", "a, b"]);
  });

  it("rejects text() with the signal's reason when aborted mid-body", async () => {
    srv.set((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"partial":'); // then nothing: the client aborts
    });
    const ac = new AbortController();
    const res = await fetch(`${srv.url()}/partial`, { signal: ac.signal });
    const text = res.text();
    ac.abort(new Error("client left"));
    await assert.rejects(text, /client left/);
  });

  it("calls made one after another with one signal leave no listeners behind, and an abort still reaches the last", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      srv.set((req, res) => {
        if (req.url === "/hang") {
          res.writeHead(200, { "content-type": "application/json" });
          res.flushHeaders();
          return; // no body: the client aborts
        }
        res.end("{}");
      });
      const ac = new AbortController();
      for (let i = 0; i < 20; i++) assert.equal(await (await fetch(`${srv.url()}/ok`, { signal: ac.signal })).text(), "{}");
      const res = await fetch(`${srv.url()}/hang`, { signal: ac.signal });
      const text = res.text();
      ac.abort(new Error("stop"));
      await assert.rejects(text, /stop/);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
