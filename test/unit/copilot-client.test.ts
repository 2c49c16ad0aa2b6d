import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import { CopilotClient, type CopilotRequest } from "../../src/upstream/copilot-client.js";
import { createCopilotHeaders } from "../../src/upstream/headers.js";
import { createFetch, type FetchLike } from "../../src/upstream/http.js";
import { buildIdentity } from "../../src/upstream/identity.js";
import type { CopilotSession, TokenManager } from "../../src/upstream/token-manager.js";

const API_VERSION = "2026-08-01";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse, n: number) => void;

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  success: () => {},
  box: () => {},
  secret: () => {},
  setVerbose: () => {},
    prompt: async () => undefined,
};

/** A TokenManager stand-in: hands out scripted sessions, one more per refresh(). */
class StubTokens {
  gets = 0;
  refreshes = 0;
  invalidated: string[] = [];
  private i = 0;
  constructor(private readonly sessions: CopilotSession[]) {}
  get current(): CopilotSession | undefined {
    return this.sessions[Math.min(this.i, this.sessions.length - 1)];
  }
  async get(): Promise<CopilotSession> {
    this.gets++;
    return this.sessions[Math.min(this.i, this.sessions.length - 1)]!;
  }
  async refresh(): Promise<CopilotSession> {
    this.refreshes++;
    this.i++;
    return this.sessions[Math.min(this.i, this.sessions.length - 1)]!;
  }
  invalidate(token: string): void {
    this.invalidated.push(token);
  }
}

function session(token: string, apiBase: string, mode: "exchange" | "bearer" = "exchange"): CopilotSession {
  return { token, apiBase, mode, refreshAt: Number.MAX_SAFE_INTEGER, expiresAt: Number.MAX_SAFE_INTEGER };
}

const headers = createCopilotHeaders(buildIdentity({ deviceId: "device-0001", machineId: "machine-0001" }), API_VERSION);
const realFetch = createFetch(false);

let server: Server;
let base = "";
let seen: Seen[] = [];
let handler: Handler = (_req, res) => res.end("{}");
let arrived: (() => void) | undefined;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(s);
      arrived?.();
      handler(s, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  arrived = undefined;
});

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...extra });
  res.end(JSON.stringify(body));
}

function client(tokens: StubTokens, fetch: FetchLike = realFetch) {
  return new CopilotClient({ fetch, tokens: tokens as unknown as TokenManager, headers, apiVersion: API_VERSION, log: silent });
}

const chatReq = (extra: Partial<CopilotRequest> = {}): CopilotRequest => ({
  path: "/chat/completions",
  body: { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] },
  intent: "conversation-panel",
  initiator: "user",
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("CopilotClient", () => {
  it("sends to endpoints.api with the session token and the Copilot headers; 2xx is returned unread", async () => {
    handler = (_r, res) => json(res, 200, { ok: true });
    const tokens = new StubTokens([session("tid=abc;exp=1:mac", `${base}/capi`)]);
    const res = await client(tokens).request(chatReq({ headers: { "anthropic-beta": "x-beta" }, interactionId: "conv-1" }));
    assert.equal(res.status, 200);
    assert.equal(res.bodyUsed, false);
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(seen.length, 1);
    const s = seen[0]!;
    assert.equal(s.method, "POST");
    assert.equal(s.url, "/capi/chat/completions");
    assert.equal(s.headers.authorization, "Bearer tid=abc;exp=1:mac");
    assert.equal(s.headers["x-github-api-version"], API_VERSION);
    assert.equal(s.headers["x-initiator"], "user");
    assert.equal(s.headers["openai-intent"], "conversation-panel");
    assert.equal(s.headers["x-interaction-id"], "conv-1");
    assert.equal(s.headers["anthropic-beta"], "x-beta");
    assert.equal(s.headers["copilot-integration-id"], "vscode-chat");
    assert.equal(s.headers["copilot-vision-request"], undefined);
    assert.deepEqual(JSON.parse(s.body), { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
  });

  it("a string body is sent as is; no body means GET", async () => {
    handler = (_r, res) => json(res, 200, { data: [] });
    const tokens = new StubTokens([session("t1", base)]);
    await client(tokens).request(chatReq({ body: '{"raw":true}' }));
    assert.equal(seen[0]?.body, '{"raw":true}');
    await client(tokens).request({ path: "/models", intent: "model-access" });
    assert.equal(seen[1]?.method, "GET");
    assert.equal(seen[1]?.body, "");
  });

  it("401: drops the token, refreshes once and replays once with the new token", async () => {
    handler = (_r, res, n) => (n === 1 ? json(res, 401, { error: { message: "unauthorized: token expired" } }) : json(res, 200, { ok: 1 }));
    const tokens = new StubTokens([session("old-token", base), session("new-token", base)]);
    const res = await client(tokens).request(chatReq());
    assert.equal(res.status, 200);
    assert.deepEqual(seen.map((s) => s.headers.authorization), ["Bearer old-token", "Bearer new-token"]);
    assert.deepEqual(tokens.invalidated, ["old-token"]);
    assert.equal(tokens.refreshes, 1);
    assert.equal(seen[1]?.body, seen[0]?.body, "the same body is replayed");
  });

  it("a second 401 surfaces as ApiError 401 after exactly one refresh", async () => {
    handler = (_r, res) => json(res, 401, { error: { message: "unauthorized: token expired", code: "token_expired" } });
    const tokens = new StubTokens([session("old-token", base), session("new-token", base), session("third", base)]);
    const err = await rejection(client(tokens).request(chatReq()));
    assert.equal(err.status, 401);
    assert.equal(err.kind, "authentication");
    assert.equal(err.message, "unauthorized: token expired");
    assert.equal(seen.length, 2);
    assert.equal(tokens.refreshes, 1);
  });

  it("421: re-resolves endpoints.api and replays at the new host", async () => {
    handler = (r, res) => (r.url.startsWith("/individual/") ? json(res, 421, { message: "Misdirected Request" }) : json(res, 200, { ok: 1 }));
    const tokens = new StubTokens([session("t1", `${base}/individual`), session("t2", `${base}/business`)]);
    const res = await client(tokens).request(chatReq());
    assert.equal(res.status, 200);
    // Fetch itself retries a 421 once on a fresh connection (Fetch spec), so the wrong host may be
    // asked twice; what matters is one re-resolve and that the replay goes to the new host.
    const urls = seen.map((s) => s.url);
    assert.equal(urls.at(-1), "/business/chat/completions");
    assert.ok(urls.slice(0, -1).every((u) => u === "/individual/chat/completions"), urls.join());
    assert.ok(urls.length <= 3, urls.join());
    assert.equal(tokens.refreshes, 1);
    assert.deepEqual(tokens.invalidated, ["t1"]);
  });

  it("421 twice surfaces as ApiError 421", async () => {
    handler = (_r, res) => json(res, 421, { message: "Misdirected Request" });
    const tokens = new StubTokens([session("t1", `${base}/a`), session("t2", `${base}/b`), session("t3", `${base}/c`)]);
    const err = await rejection(client(tokens).request(chatReq()));
    assert.equal(err.status, 421);
    assert.equal(tokens.refreshes, 1);
    assert.deepEqual([...new Set(seen.map((s) => s.url))], ["/a/chat/completions", "/b/chat/completions"]);
  });

  it("500: one retry, which can succeed", async () => {
    handler = (_r, res, n) => (n === 1 ? json(res, 500, { error: { message: "boom" } }) : json(res, 200, { ok: 1 }));
    const tokens = new StubTokens([session("t1", base)]);
    const res = await client(tokens).request(chatReq());
    assert.equal(res.status, 200);
    assert.equal(seen.length, 2);
    assert.equal(tokens.refreshes, 0);
  });

  it("500 twice: no third try, the error surfaces", async () => {
    handler = (_r, res) => json(res, 500, { error: { message: "The operation timed out." } });
    const tokens = new StubTokens([session("t1", base)]);
    const err = await rejection(client(tokens).request(chatReq()));
    assert.equal(err.status, 500);
    assert.equal(err.message, "The operation timed out.");
    assert.equal(seen.length, 2);
  });

  it("502 is retried once too", async () => {
    handler = (_r, res, n) => (n === 1 ? json(res, 502, { message: "bad gateway" }) : json(res, 200, { ok: 1 }));
    const res = await client(new StubTokens([session("t1", base)])).request(chatReq());
    assert.equal(res.status, 200);
    assert.equal(seen.length, 2);
  });

  it("429 keeps status, retry-after, code and message, with no retry", async () => {
    handler = (_r, res) =>
      json(
        res,
        429,
        { error: { message: "Sorry, you've hit a rate limit. Please try again in 2 hours.", code: "user_global_rate_limited:pro", type: "rate_limit_error" } },
        { "retry-after": "7200", "x-github-request-id": "ABCD:1234" },
      );
    const err = await rejection(client(new StubTokens([session("t1", base)])).request(chatReq()));
    assert.equal(err.status, 429);
    assert.equal(err.kind, "rate_limit");
    assert.equal(err.retryAfter, "7200");
    assert.equal(err.code, "user_global_rate_limited:pro");
    assert.equal(err.requestId, "ABCD:1234");
    assert.equal(err.message, "Sorry, you've hit a rate limit. Please try again in 2 hours.");
    assert.equal(seen.length, 1);
  });

  it("466 names X-GitHub-Api-Version and the configured value, with no retry (case 48)", async () => {
    handler = (_r, res) =>
      json(res, 466, {
        error: { message: "bad request: the specified API version is no longer supported. You may need to update your client to a newer version.\n", type: "error" },
      });
    const err = await rejection(client(new StubTokens([session("t1", base)])).request(chatReq()));
    assert.equal(err.status, 466);
    assert.equal(err.kind, "api_version");
    assert.match(err.message, /X-GitHub-Api-Version/);
    assert.ok(err.message.includes(API_VERSION), err.message);
    assert.match(err.message, /no longer supported/);
    assert.equal(seen.length, 1);
  });

  it("a text/plain 404 body is read once and relayed verbatim", async () => {
    handler = (_r, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found\n");
    };
    const err = await rejection(client(new StubTokens([session("t1", base)])).request(chatReq()));
    assert.equal(err.status, 404);
    assert.equal(err.message, "404 page not found");
    assert.equal(err.upstream, true);
  });

  it("an abort while waiting for the upstream becomes a 499 cancellation, without retry (case 25)", async () => {
    handler = () => {
      /* never answers */
    };
    const controller = new AbortController();
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const pending = client(new StubTokens([session("t1", base)])).request(chatReq({ signal: controller.signal }));
    await reached;
    controller.abort();
    const err = await rejection(pending);
    assert.equal(err.status, 499);
    assert.equal(err.kind, "cancelled");
    assert.equal(seen.length, 1);
  });

  it("an already aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(client(new StubTokens([session("t1", base)])).request(chatReq({ signal: controller.signal })));
    assert.equal(err.status, 499);
    assert.equal(seen.length, 0);
  });

  it("a refused connection is retried once, then surfaces as a network error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let attempts = 0;
    const counting: FetchLike = (url, init) => {
      attempts++;
      return realFetch(url, init);
    };
    const err = await rejection(client(new StubTokens([session("t1", deadBase)]), counting).request(chatReq()));
    assert.equal(err.kind, "network");
    assert.equal(err.status, 502);
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(attempts, 2);
  });

  it("a dropped connection (socket destroyed before headers) is retried once", async () => {
    handler = (_r, res, n) => (n === 1 ? res.socket?.destroy() : json(res, 200, { ok: 1 }));
    const res = await client(new StubTokens([session("t1", base)])).request(chatReq());
    assert.equal(res.status, 200);
    assert.equal(seen.length, 2);
  });

  it("json() parses 2xx bodies and turns invalid JSON into a 502", async () => {
    handler = (_r, res, n) => {
      if (n === 1) return json(res, 200, { data: [{ id: "m" }] });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("<html>oops");
    };
    const c = client(new StubTokens([session("t1", base)]));
    assert.deepEqual(await c.json({ path: "/models", intent: "model-access" }), { data: [{ id: "m" }] });
    const err = await rejection(c.json({ path: "/models", intent: "model-access" }));
    assert.equal(err.status, 502);
    assert.match(err.message, /invalid JSON/);
  });

  it("a streamed 2xx body flows through untouched", async () => {
    handler = (_r, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"a":1}\n\n');
      res.end("data: [DONE]\n\n");
    };
    const res = await client(new StubTokens([session("t1", base)])).request(chatReq());
    assert.equal(await res.text(), 'data: {"a":1}\n\ndata: [DONE]\n\n');
  });
});
