// Slow and idle connections. A connection that sends half a request head (or nothing) is closed once
// the head timeout has passed; a body that keeps arriving, and an answer streamed for longer than
// that timeout, are never cut; connections beyond the cap are closed as they arrive. The head
// timeout is 1 s here; the bounds below are generous, this finding being about time.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Harness, startHarness } from "../helpers/harness.js";

/** Resolves with what the server sent when it closed the socket; rejects after `ms`. */
function closedWithin(socket: net.Socket, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const timer = setTimeout(() => reject(new Error(`the connection was still open after ${ms} ms`)), ms);
    socket.on("data", (d) => (got += d.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

async function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return socket;
}

/** GET /health on a new connection: the status, or the error code. */
function healthOnNewConnection(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("request head timeout", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { headersTimeoutMs: 1_000 } });
  });
  after(async () => {
    await h.close();
  });

  it("closes a connection that sends half a request head, and one that sends nothing", { timeout: 60_000 }, async () => {
    const half = await connect(h.url);
    half.write("POST /v1/messages/count_tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl");
    const silent = await connect(h.url);
    const [answer] = await Promise.all([closedWithin(half, 30_000), closedWithin(silent, 30_000)]);
    assert.match(answer, /^$|^HTTP\/1\.1 408/);
  });

  it("never cuts a body upload that keeps arriving, however long it takes", { timeout: 60_000 }, async () => {
    const body = Buffer.from(JSON.stringify({ model: "claude-sonnet-4.5", messages: [{ role: "user", content: "x ".repeat(400) }] }));
    const socket = await connect(h.url);
    const answer = closedWithin(socket, 50_000);
    socket.write(`POST /v1/messages/count_tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    // Eight pieces, 600 ms apart: ~5 head timeouts in all.
    const piece = Math.ceil(body.length / 8);
    for (let at = 0; at < body.length; at += piece) {
      await sleep(600);
      socket.write(body.subarray(at, at + piece));
    }
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 200/, text.slice(0, 200));
    assert.match(text, /"input_tokens":\d+/);
  });

  it("never cuts an answer streamed for longer than the head timeout", { timeout: 60_000 }, async () => {
    const release = h.fake.holdStreams();
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", stream: true, messages: [{ role: "user", content: "hold [[chunks:5]]" }] }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    await sleep(4_000);
    release();
    let text = new TextDecoder().decode(first.value);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    assert.ok(text.trimEnd().endsWith("data: [DONE]"), text.slice(-200));
  });
});

describe("connection cap", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { maxConnections: 2 } });
  });
  after(async () => {
    await h.close();
  });

  it("closes connections beyond maxConnections as they arrive, and serves again once some close", { timeout: 60_000 }, async () => {
    const held = [await connect(h.url), await connect(h.url)];
    for (let i = 0; i < 200 && h.server.stats().connections < 2; i++) await sleep(10);
    assert.equal(h.server.stats().connections, 2);
    const refused = await healthOnNewConnection(h.url);
    assert.notEqual(refused, 200, "a third connection is not served");
    for (const socket of held) socket.destroy();
    for (let i = 0; i < 200 && h.server.stats().connections > 0; i++) await sleep(10);
    assert.equal(await healthOnNewConnection(h.url), 200);
  });
});
