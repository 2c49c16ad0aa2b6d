import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { Hono } from "hono";
import { listen, type RunningServer } from "../../src/server.js";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One raw request with node:http (repeated headers, odd Host headers and targets as sent). */
function raw(url: string, options: { method?: string; path: string; headers?: [string, string][]; body?: string[] }): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: options.method ?? "GET", path: options.path, agent: false, setHost: false });
    req.setHeader("host", u.host);
    for (const [k, v] of options.headers ?? []) {
      const old = req.getHeader(k);
      req.setHeader(k, old === undefined || k === "host" ? v : [...(Array.isArray(old) ? old : [String(old)]), v]);
    }
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    for (const part of options.body ?? []) req.write(part);
    req.end();
  });
}

describe("the Node listener (node:http under a fetch handler)", () => {
  const NodeResponse = globalThis.Response;
  let server: RunningServer;
  let release: (() => void) | undefined;
  const cancelled: unknown[] = [];
  const aborted: unknown[] = [];
  const app = new Hono();
  app.get("/h", (c) => c.json({ dup: c.req.header("x-dup"), missing: c.req.header("x-none") ?? null, path: c.req.path, instance: c.req.raw instanceof Request }));
  app.post("/echo", async (c) => c.text(`${c.req.method} ${await c.req.text()}`));
  app.get("/bytes", () => new Response(new Uint8Array([104, 105]), { headers: { "x-kind": "bytes" } }));
  app.get("/text", () => new Response("plain"));
  app.get("/stream", (c) => {
    c.req.raw.signal.addEventListener("abort", () => aborted.push(c.req.raw.signal.reason));
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(out) {
        if (step++ === 0) await new Promise<void>((r) => (release = r));
        out.enqueue(new TextEncoder().encode(`chunk ${step}\n`));
        if (step === 3) out.close();
      },
      cancel(reason) {
        cancelled.push(reason);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  app.get("/endless", (c) => {
    c.req.raw.signal.addEventListener("abort", () => aborted.push(c.req.raw.signal.reason));
    const body = new ReadableStream<Uint8Array>({
      pull: (out) => out.enqueue(new TextEncoder().encode("x".repeat(1024))),
      cancel: (reason) => void cancelled.push(reason),
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  app.get("/native", () => new NodeResponse("from node", { status: 203, headers: [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-n", "1"]] }) as Response);

  before(async () => {
    server = await listen((r) => app.fetch(r), "127.0.0.1", 0);
  });
  after(async () => {
    await server.close();
  });

  it("reads headers as web Headers do (repeats joined) and routes a normalised path", async () => {
    const a = await raw(server.url, { path: "/x/../h", headers: [["x-dup", "a"], ["x-dup", "b"]] });
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.body), { dup: "a, b", missing: null, path: "/h", instance: true });
    assert.equal(a.headers["content-type"], "application/json");
    assert.equal(a.headers["content-length"], String(Buffer.byteLength(a.body)));
  });

  it("refuses a Host header that would change the URL's path", async () => {
    const a = await raw(server.url, { path: "/h", headers: [["host", "evil/h"]] });
    assert.equal(a.status, 400);
  });

  it("reads a body sent with Content-Length or chunked", async () => {
    const declared = await raw(server.url, { method: "POST", path: "/echo", headers: [["content-length", "5"]], body: ["hello"] });
    assert.equal(declared.body, "POST hello");
    const chunked = await raw(server.url, { method: "POST", path: "/echo", headers: [["transfer-encoding", "chunked"]], body: ["one ", "two"] });
    assert.equal(chunked.body, "POST one two");
  });

  it("writes strings and bytes with their length, a string as text/plain by default, HEAD without a body", async () => {
    const bytes = await raw(server.url, { path: "/bytes" });
    assert.equal(bytes.body, "hi");
    assert.equal(bytes.headers["content-length"], "2");
    assert.equal(bytes.headers["x-kind"], "bytes");
    assert.equal(bytes.headers["content-type"], undefined);
    const text = await raw(server.url, { path: "/text" });
    assert.equal(text.headers["content-type"], "text/plain;charset=UTF-8");
    const head = await raw(server.url, { method: "HEAD", path: "/text" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-type"], "text/plain;charset=UTF-8");
  });

  it("writes Node's own Response too, set-cookie kept apart", async () => {
    const a = await raw(server.url, { path: "/native" });
    assert.equal(a.status, 203);
    assert.equal(a.body, "from node");
    assert.deepEqual(a.headers["set-cookie"], ["a=1", "b=2"]);
    assert.equal(a.headers["x-n"], "1");
  });

  it("sends a stream's head before its first chunk, then every chunk", async () => {
    const u = new URL(server.url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: u.hostname, port: u.port, path: "/stream", agent: false }, (res) => {
        assert.equal(res.headers["content-type"], "text/event-stream");
        // The head arrived while the stream still waits for its first chunk.
        assert.ok(release, "the stream has started");
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
        release!();
      });
      req.on("error", reject);
    });
    assert.equal(body, "chunk 1\nchunk 2\nchunk 3\n");
  });

  it("cancels the stream and aborts the request's signal when the client leaves", async () => {
    cancelled.length = 0;
    aborted.length = 0;
    const u = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: u.hostname, port: u.port, path: "/endless", agent: false }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      req.on("close", () => resolve());
      void reject;
    });
    for (let i = 0; server.stats().requests > 0 || cancelled.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(cancelled.length, 1);
    assert.equal(aborted.length, 1);
    // A string reason, which errors.ts reads as a cancelled request.
    assert.match(String(aborted[0]), /prematurely closed|aborted/);
  });

  it("puts Node's Response back when the server closes", async () => {
    assert.notEqual(globalThis.Response, NodeResponse);
    const other = await listen((r) => app.fetch(r), "127.0.0.1", 0);
    await other.close();
    assert.notEqual(globalThis.Response, NodeResponse, "still installed while the first server runs");
  });
});
