import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { DEFAULT_GITHUB_TOKEN } from "../fake-upstream/server.js";
import { type Harness, type HarnessOptions, startHarness } from "../helpers/harness.js";
import { openaiFor } from "../helpers/sdk-clients.js";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Every body any server answered in this file, to check that no token ever leaks. */
const bodies: string[] = [];
const harnesses: Harness[] = [];

/** node:http rather than fetch, so that Host and Origin go out exactly as written. */
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: body ? { "content-type": "application/json", ...headers } : headers },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          bodies.push(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function harness(options: HarnessOptions): Promise<Harness> {
  const h = await startHarness(options);
  harnesses.push(h);
  return h;
}

const chatBody = JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
const messagesBody = JSON.stringify({ model: "claude-sonnet-4.5", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
const KEY = "test-key-0123456789";
const OTHER_KEY = "second-key-abcdef";

after(async () => {
  // No answer from any route, error or not, ever carried the GitHub or a Copilot token.
  const secrets = [DEFAULT_GITHUB_TOKEN, ...harnesses.flatMap((h) => h.fake.issuedCopilotTokens)];
  assert.ok(harnesses.some((h) => h.fake.issuedCopilotTokens.length > 0), "the fake issued Copilot tokens to check against");
  for (const body of bodies) for (const secret of secrets) assert.ok(!body.includes(secret), `a response body contained a token: ${body.slice(0, 200)}`);
  for (const h of harnesses) await h.close();
});

describe("API keys", () => {
  let h: Harness;
  before(async () => {
    h = await harness({ config: { apiKeys: [KEY, OTHER_KEY] } });
  });

  test("no key: 401 in OpenAI's shape on /v1/chat/completions", async () => {
    const res = await raw(h.url, "POST", "/v1/chat/completions", {}, chatBody);
    assert.equal(res.status, 401);
    const body = JSON.parse(res.body) as { error: { type: string; message: string; code: string } };
    assert.equal(body.error.type, "authentication_error");
    assert.equal(body.error.code, "invalid_api_key");
    assert.match(body.error.message, /Authorization: Bearer/);
    assert.equal(h.fake.callsTo("/chat/completions").length, 0, "nothing reached Copilot");
  });

  test("no key: 401 in Anthropic's shape on /v1/messages (and ?beta=true)", async () => {
    for (const path of ["/v1/messages", "/v1/messages?beta=true", "/messages", "/v1/messages/count_tokens"]) {
      const res = await raw(h.url, "POST", path, { "anthropic-version": "2023-06-01" }, messagesBody);
      assert.equal(res.status, 401, path);
      const body = JSON.parse(res.body) as { type: string; error: { type: string } };
      assert.equal(body.type, "error", path);
      assert.equal(body.error.type, "authentication_error", path);
    }
  });

  test("Authorization: Bearer works (the openai SDK)", async () => {
    const client = openaiFor(h, KEY);
    const r = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
    assert.match(r.choices[0]?.message.content ?? "", /fake Copilot/);
    bodies.push(JSON.stringify(r));
    const second = openaiFor(h, OTHER_KEY);
    assert.ok((await second.models.list()).data.length > 0, "any configured key works");
  });

  test("x-api-key works (Claude Code with ANTHROPIC_API_KEY)", async () => {
    const res = await raw(h.url, "POST", "/v1/messages?beta=true", { "x-api-key": KEY, "anthropic-version": "2023-06-01" }, messagesBody);
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body) as { type: string }).type, "message");
  });

  test("a wrong key is 401, with either header", async () => {
    const wrong: Record<string, string>[] = [
      { authorization: "Bearer nope" },
      { "x-api-key": "nope" },
      { authorization: `Basic ${KEY}` },
      { authorization: `Bearer ${KEY}x` },
    ];
    for (const headers of wrong) {
      const res = await raw(h.url, "POST", "/v1/chat/completions", headers, chatBody);
      assert.equal(res.status, 401, JSON.stringify(headers));
    }
    const res = await raw(h.url, "POST", "/v1/messages", { "x-api-key": "nope" }, messagesBody);
    assert.equal(res.status, 401);
    assert.match((JSON.parse(res.body) as { error: { message: string } }).error.message, /Invalid API key/);
  });

  test("every other route needs the key too: models, usage, metrics, the dashboard and its events", async () => {
    for (const path of ["/v1/models", "/models", "/usage", "/metrics", "/", "/dashboard/", "/dashboard/events", "/v1/responses"]) {
      const res = await raw(h.url, "GET", path);
      assert.equal(res.status, 401, path);
    }
  });

  test("/health and HEAD / stay open (Docker's health check, Claude Code's preconnect)", async () => {
    const health = await raw(h.url, "GET", "/health");
    assert.equal(health.status, 200);
    const head = await raw(h.url, "HEAD", "/");
    assert.equal(head.status, 200);
  });

  test("the dashboard: ?key= opens an HttpOnly SameSite=Strict session for GETs only", async () => {
    const open = await raw(h.url, "GET", `/?key=${KEY}&tab=usage`);
    assert.equal(open.status, 303);
    assert.equal(open.headers.location, "/?tab=usage", "the key leaves the address bar");
    const cookie = open.headers["set-cookie"]?.[0] ?? "";
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.ok(!cookie.includes(KEY), "the cookie holds a session token, not the key");
    const session = cookie.split(";")[0]!;

    assert.equal((await raw(h.url, "GET", "/", { cookie: session })).status, 200);
    assert.equal((await raw(h.url, "GET", "/v1/models", { cookie: session })).status, 200);
    assert.equal((await raw(h.url, "GET", "/usage", { cookie: session })).status, 200);
    assert.equal((await raw(h.url, "GET", "/metrics", { cookie: session })).status, 200);
    const events = await fetch(`${h.url}/dashboard/events`, { headers: { cookie: session, accept: "text/event-stream" } });
    assert.equal(events.status, 200, "the page's event stream works with the cookie");
    await events.body?.cancel();
    assert.equal((await raw(h.url, "POST", "/v1/chat/completions", { cookie: session }, chatBody)).status, 401, "the cookie never spends quota");
    assert.equal((await raw(h.url, "GET", "/", { cookie: `${session.split("=")[0]}=forged` })).status, 401);
    assert.equal((await raw(h.url, "GET", "/?key=wrong")).status, 401);
  });

  test("the dashboard session expires, and a restart (or another server with the same key) does not accept it", async () => {
    const open = await raw(h.url, "GET", `/?key=${KEY}`);
    const cookie = open.headers["set-cookie"]?.[0] ?? "";
    assert.match(cookie, /Max-Age=43200/i, "twelve hours, then the key is needed again");
    const value = cookie.split(";")[0]!.split("=")[1]!;
    const [expiry, mac] = value.split(".");
    assert.ok(Number(expiry) > Date.now() && Number(expiry) <= Date.now() + 43_200_000, "the expiry is signed into the value");
    // Pushing the expiry forward breaks the signature.
    const name = cookie.split("=")[0]!;
    assert.equal((await raw(h.url, "GET", "/usage", { cookie: `${name}=${Number(expiry) + 86_400_000}.${mac}` })).status, 401);
    // The same key on a restarted server: the session is gone.
    const restarted = await harness({ config: { apiKeys: [KEY, OTHER_KEY] } });
    const port = new URL(restarted.url).port;
    assert.equal((await raw(restarted.url, "GET", "/usage", { cookie: `copilot_api_session_${port}=${value}` })).status, 401);
  });

  test("a browser opening / without a key gets a page saying how, which also turns /#key= into ?key=", async () => {
    const res = await raw(h.url, "GET", "/", { accept: "text/html,application/xhtml+xml" });
    assert.equal(res.status, 401);
    assert.match(String(res.headers["content-type"]), /^text\/html/);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.match(res.body, /\/\?key=YOUR_KEY/);
    assert.match(res.body, /location\.replace\("\/\?key=" \+ encodeURIComponent\(key\)\)/);
    assert.ok(!res.body.includes("<key>"), "the message is HTML-escaped");
    assert.equal((await raw(h.url, "GET", "/", { accept: "application/json" })).status, 401);
  });

  test("no route returns the token: /token and /v1/token are 404", async () => {
    for (const path of ["/token", "/v1/token"]) {
      const res = await raw(h.url, "GET", path, { authorization: `Bearer ${KEY}` });
      assert.equal(res.status, 404, path);
    }
  });
});

describe("without API keys", () => {
  let h: Harness;
  before(async () => {
    h = await harness({});
  });

  test("requests from non-browser clients pass, /token is still 404", async () => {
    assert.equal((await raw(h.url, "POST", "/v1/chat/completions", {}, chatBody)).status, 200);
    assert.equal((await raw(h.url, "GET", "/token")).status, 404);
    assert.equal((await raw(h.url, "GET", "/v1/token")).status, 404);
  });

  test("a cross-origin POST from a web page is refused with 403, in the client's dialect", async () => {
    const chat = await raw(h.url, "POST", "/v1/chat/completions", { origin: "http://evil.example" }, chatBody);
    assert.equal(chat.status, 403);
    assert.equal((JSON.parse(chat.body) as { error: { type: string } }).error.type, "permission_error");
    assert.equal(chat.headers["access-control-allow-origin"], undefined);
    const msg = await raw(h.url, "POST", "/v1/messages", { origin: "http://localhost:3000" }, messagesBody);
    assert.equal(msg.status, 403, "another port on localhost is another origin too");
    const body = JSON.parse(msg.body) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "permission_error");
    assert.match(body.error.message, /--cors-origin/);
    const nullOrigin = await raw(h.url, "POST", "/v1/chat/completions", { origin: "null" }, chatBody);
    assert.equal(nullOrigin.status, 403, "sandboxed frames and file:// pages too");
    assert.equal(h.fake.callsTo("/chat/completions").length, 1, "only the first test's request reached Copilot");
  });

  test("a preflight from any origin is refused when none is allowed", async () => {
    const res = await raw(h.url, "OPTIONS", "/v1/chat/completions", {
      origin: "http://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers["access-control-allow-origin"], undefined);
  });

  test("the server's own page (same origin) may call it", async () => {
    const self = new URL(h.url).origin;
    const res = await raw(h.url, "GET", "/v1/models", { origin: self });
    assert.equal(res.status, 200);
  });

  test("DNS rebinding: a non-loopback Host is refused on a loopback listener", async () => {
    const res = await raw(h.url, "POST", "/v1/chat/completions", { host: "evil.example:4141" }, chatBody);
    assert.equal(res.status, 403);
    assert.match((JSON.parse(res.body) as { error: { message: string } }).error.message, /Host not allowed/);
    const msg = await raw(h.url, "GET", "/v1/models", { host: "attacker.test" });
    assert.equal(msg.status, 403);
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "192.168.1.20:4141" })).status, 403, "a loopback listener answers loopback names only");
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "devbox:4141" })).status, 403);
    for (const host of ["localhost:4141", "127.0.0.1", "[::1]:4141", "LOCALHOST", "localhost.:4141", "127.0.0.2:4141"]) {
      assert.equal((await raw(h.url, "GET", "/v1/models", { host })).status, 200, host);
    }
  });
});

describe("allowed origins (--cors-origin)", () => {
  let h: Harness;
  const allowed = "http://localhost:3000";
  before(async () => {
    h = await harness({ config: { corsOrigins: [`${allowed}/`, "http://devbox:4141"] } });
  });

  test("a preflight from an allowed origin is answered with that origin only", async () => {
    const res = await raw(h.url, "OPTIONS", "/v1/messages", {
      origin: allowed,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, x-api-key, anthropic-version, anthropic-beta, authorization, x-stainless-os, x-evil",
      "access-control-request-private-network": "true",
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers["access-control-allow-origin"], allowed);
    assert.equal(res.headers["access-control-allow-methods"], "GET, POST, OPTIONS");
    const allowedHeaders = String(res.headers["access-control-allow-headers"]).split(", ");
    for (const name of ["content-type", "x-api-key", "anthropic-version", "anthropic-beta", "authorization", "x-stainless-os"]) {
      assert.ok(allowedHeaders.includes(name), name);
    }
    assert.ok(!allowedHeaders.includes("x-evil"), "headers outside the allow-list are not echoed");
    assert.equal(res.headers["access-control-allow-private-network"], "true");
    assert.equal(res.headers["access-control-allow-credentials"], undefined);
  });

  test("a preflight from another origin is refused", async () => {
    const res = await raw(h.url, "OPTIONS", "/v1/messages", { origin: "http://evil.example", "access-control-request-method": "POST" });
    assert.equal(res.status, 403);
    assert.equal(res.headers["access-control-allow-origin"], undefined);
  });

  test("a request from the allowed origin gets its answer with CORS headers; others are refused", async () => {
    const ok = await raw(h.url, "POST", "/v1/chat/completions", { origin: allowed }, chatBody);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["access-control-allow-origin"], allowed);
    assert.match(String(ok.headers["access-control-expose-headers"]), /retry-after/);
    assert.match(String(ok.headers.vary), /Origin/);
    const models = await raw(h.url, "GET", "/v1/models", { origin: allowed });
    assert.equal(models.headers["access-control-allow-origin"], allowed);
    const bad = await raw(h.url, "POST", "/v1/chat/completions", { origin: "http://evil.example" }, chatBody);
    assert.equal(bad.status, 403);
  });

  test("the host of an allowed origin passes the Host guard; other names still don't", async () => {
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "devbox:4141" })).status, 200);
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "evil.example" })).status, 403);
  });
});

describe("the Host guard's ways out", () => {
  test("with API keys a rebinding page cannot authenticate, so any Host is answered when the key is right", async () => {
    const h = await harness({ config: { apiKeys: [KEY] } });
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "devbox.lan:4141", authorization: `Bearer ${KEY}` })).status, 200);
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "devbox.lan:4141" })).status, 401);
  });

  test("on a non-loopback listener (0.0.0.0 in Docker) addresses and plain names pass, DNS names still need a key", async () => {
    const h = await harness({ config: { host: "0.0.0.0" } });
    for (const host of ["192.168.1.20:4141", "[fd00::5]:4141", "copilot-api:4141", "localhost:4141", "127.0.0.1:4141"]) {
      assert.equal((await raw(h.url, "GET", "/v1/models", { host })).status, 200, host);
    }
    // Published with -p 127.0.0.1:4141:4141, a rebinding page would otherwise reach the container.
    const res = await raw(h.url, "POST", "/v1/messages", { host: "evil.example:4141" }, messagesBody);
    assert.equal(res.status, 403);
    const body = JSON.parse(res.body) as { type: string; error: { message: string } };
    assert.equal(body.type, "error", "refused in Anthropic's shape on /v1/messages");
    assert.match(body.error.message, /Host not allowed: "evil\.example:4141"/);
    assert.equal((await raw(h.url, "GET", "/v1/models", { host: "devbox.lan" })).status, 403);
  });
});

describe("refused requests are counted, not recorded as traffic", () => {
  test("no key, a wrong key and a rebinding Host leave the request log, dashboard and usage untouched; /metrics counts them by reason", async () => {
    const keyed = await harness({ config: { apiKeys: [KEY] } });
    const open = await harness({});
    const before = (await (await fetch(`${keyed.url}/usage`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { server: { requests: number } };
    for (let i = 0; i < 3; i++) assert.equal((await raw(keyed.url, "POST", "/v1/chat/completions", {}, chatBody)).status, 401);
    assert.equal((await raw(keyed.url, "POST", "/v1/messages", { "x-api-key": "wrong-key-000" }, messagesBody)).status, 401);
    assert.equal((await raw(keyed.url, "GET", "/v1/models", { authorization: "Bearer wrong-key-000" })).status, 401);
    assert.equal((await raw(open.url, "POST", "/v1/chat/completions", { host: "evil.example:4141" }, chatBody)).status, 403);
    assert.equal((await raw(open.url, "POST", "/v1/chat/completions", { origin: "https://evil.example" }, chatBody)).status, 403);

    assert.deepEqual(keyed.runtime.recorder.recent(), [], "no refused request reached the recorder (log file, dashboard)");
    assert.deepEqual(open.runtime.recorder.recent(), []);
    const after = (await (await fetch(`${keyed.url}/usage`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { server: { requests: number } };
    assert.equal(after.server.requests, before.server.requests);
    const metrics = await (await fetch(`${keyed.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    assert.match(metrics, /copilot_api_refused_requests_total\{reason="missing_key"\} 3\n/);
    assert.match(metrics, /copilot_api_refused_requests_total\{reason="invalid_key"\} 2\n/);
    assert.doesNotMatch(metrics, /copilot_api_requests_total\{api="chat"/, "refusals are not API requests");
    const openMetrics = await (await fetch(`${open.url}/metrics`)).text();
    assert.match(openMetrics, /copilot_api_refused_requests_total\{reason="host"\} 1\n/);
    assert.match(openMetrics, /copilot_api_refused_requests_total\{reason="origin"\} 1\n/);
  });
});
