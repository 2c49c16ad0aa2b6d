import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type Harness, startHarness } from "../helpers/harness.js";
import { openaiFor } from "../helpers/sdk-clients.js";

const chat = (model = "gpt-4.1", content = "hi") => ({ model, messages: [{ role: "user" as const, content }] });

describe("upstream faults reach OpenAI clients as well-formed errors", () => {
  let h: Harness;
  let client: OpenAI;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  before(async () => {
    h = await startHarness();
    client = openaiFor(h, "dummy");
  });
  after(async () => {
    await h.close();
  });

  test("malformed JSON is a 400 in OpenAI's shape, never a 500", async () => {
    const res = await post("/v1/chat/completions", "{not json");
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /not valid JSON/);
  });

  test("missing messages is a 400 naming the field", async () => {
    const res = await post("/v1/chat/completions", JSON.stringify({ model: "gpt-4.1" }));
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { param: string } };
    assert.equal(body.error.param, "messages");
  });

  test("429 keeps its status, retry-after and message, not double-encoded", async () => {
    h.fake.fault({
      path: "/chat/completions",
      status: 429,
      headers: { "retry-after": "42" },
      body: { error: { message: "Sorry, you've hit a rate limit.", code: "user_global_rate_limited:pro", type: "rate_limit_error" } },
    });
    const res = await post("/v1/chat/completions", JSON.stringify(chat()));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "42");
    const body = (await res.json()) as { error: { message: string; code: string; type: string } };
    assert.equal(body.error.message, "Sorry, you've hit a rate limit.");
    assert.equal(body.error.code, "user_global_rate_limited:pro");
    assert.equal(body.error.type, "rate_limit_error");
  });

  test("402 quota keeps status and message", async () => {
    h.fake.fault({ path: "/chat/completions", status: 402, body: { error: { message: "You have no quota", code: "quota_exceeded" } } });
    await assert.rejects(client.chat.completions.create(chat()), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 402 && /no quota/.test(e.message));
  });

  test("a text/plain upstream error body is relayed, not a crash", async () => {
    h.fake.fault({ path: "/chat/completions", status: 404, body: "404 page not found" });
    await assert.rejects(client.chat.completions.create(chat()), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404 && /page not found/.test(e.message));
  });

  test("466 becomes a configuration error naming X-GitHub-Api-Version and its value", async () => {
    h.fake.fault({
      path: "/chat/completions",
      status: 466,
      body: { error: { message: "bad request: the specified API version is no longer supported.", type: "error" } },
    });
    await assert.rejects(
      client.chat.completions.create(chat()),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && /X-GitHub-Api-Version is 2026-08-01/.test(e.message),
    );
  });

  test("an expired Copilot token (401) is renewed and the request replayed once", async () => {
    const before = h.fake.issuedCopilotTokens.length;
    h.fake.revokeCopilotTokens();
    const r = await client.chat.completions.create(chat());
    assert.match(r.choices[0]?.message.content ?? "", /Hello from fake Copilot/);
    assert.equal(h.fake.issuedCopilotTokens.length, before + 1);
  });

  test("two 401s in a row surface as 401", async () => {
    h.fake.fault({ path: "/chat/completions", status: 401, body: { error: { message: "unauthorized: token expired" } } });
    h.fake.fault({ path: "/chat/completions", status: 401, body: { error: { message: "unauthorized: token expired" } } });
    await assert.rejects(client.chat.completions.create(chat()), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 401);
  });

  test("421 re-resolves endpoints.api and succeeds on the new host", async () => {
    const moved = `${h.fake.url}/capi-business`;
    h.fake.setEndpointsApi(moved);
    const r = await client.chat.completions.create(chat());
    assert.match(r.choices[0]?.message.content ?? "", /Hello/);
    assert.ok(h.fake.calls.at(-1)!.path.startsWith("/capi-business/"));
  });

  test("one 500 is retried before any byte reached the client", async () => {
    h.fake.fault({ path: "/chat/completions", status: 500, body: "boom" });
    const r = await client.chat.completions.create(chat());
    assert.match(r.choices[0]?.message.content ?? "", /Hello/);
  });

  test("a dropped socket mid-stream ends the stream with an error chunk, not a hang", async () => {
    h.fake.fault({ path: "/chat/completions", kind: "drop-after-first-chunk" });
    const stream = await client.chat.completions.create({ ...chat("gpt-4.1", "x [[chunks:50]]"), stream: true });
    await assert.rejects(async () => {
      for await (const _ of stream) {
        // drain
      }
    }, /stream broke off mid-answer/);
  });

  test("a client that disconnects mid-stream aborts the upstream request", async () => {
    h.fake.fault({ path: "/chat/completions", kind: "stall-after-first-chunk" });
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...chat("gpt-4.1", "x [[chunks:50]]"), stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const aborted = h.fake.nextAbort();
    controller.abort();
    const call = await aborted;
    assert.equal(call.route, "/chat/completions");
  });

  test("nothing secret is logged, even at debug level", () => {
    const all = h.logs.join("\n");
    assert.ok(h.logs.length > 0);
    assert.ok(!all.includes("ghu_fakeGithubToken"));
    for (const t of h.fake.issuedCopilotTokens) assert.ok(!all.includes(t));
  });
});

describe("mode B: the GitHub token used directly when the exchange answers 404", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ fake: { mode: "bearer" } });
  });
  after(async () => {
    await h.close();
  });

  test("requests succeed with the GitHub token as Bearer, at endpoints.api from copilot_internal/user", async () => {
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "dummy", maxRetries: 0 });
    const r = await client.chat.completions.create(chat());
    assert.match(r.choices[0]?.message.content ?? "", /Hello/);
    const call = h.fake.callsTo("/chat/completions").at(-1)!;
    assert.equal(call.headers.authorization, "Bearer ghu_fakeGithubToken000000000000000000");
    assert.equal(h.fake.callsTo("/copilot_internal/user").length > 0, true);
  });
});
