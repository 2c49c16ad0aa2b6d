import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { Recorder, RequestRecord } from "../../src/observability/recorder.js";
import { openRequestLog } from "../../src/observability/request-log.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { openaiFor } from "../helpers/sdk-clients.js";

/** A sample line of the Prometheus text format: name, optional {labels}, value. */
const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf)$/;

/** Parses /metrics strictly: every non-comment line must be a sample; returns "name{labels}" → value. */
function parseMetrics(text: string): Map<string, number> {
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  const out = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# TYPE ")) typed.add(line.split(" ")[2]!);
    if (line.startsWith("#")) {
      assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, line);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, "");
    assert.ok(typed.has(m[1]!) || typed.has(family), `${m[1]} has no # TYPE before it`);
    out.set(`${m[1]}${m[2] ?? ""}`, Number(m[3] === "+Inf" ? Infinity : m[3]));
  }
  return out;
}

/** Resolves with the next record the recorder sees that matches: an event, not a sleep. */
function nextRecord(recorder: Recorder, match: (r: RequestRecord) => boolean = () => true): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const off = recorder.subscribe((r) => {
      if (!match(r)) return;
      off();
      resolve(r);
    });
  });
}

/** Reads an SSE body until `until` holds for the text read so far. The test's timeout bounds it. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean, seen = { text: "" }): Promise<string> {
  const decoder = new TextDecoder();
  while (!until(seen.text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the event stream ended early; read:\n${seen.text}`);
    seen.text += decoder.decode(value, { stream: true });
  }
  return seen.text;
}

/**
 * Wraps the real recorder's subscribe so that a test can wait, as an event, for the next listener
 * subscribed from now on to be released. restore() puts the original back.
 */
function trackRelease(recorder: Recorder): { released: Promise<void>; restore(): void } {
  const subscribe = recorder.subscribe;
  let done!: () => void;
  const released = new Promise<void>((resolve) => (done = resolve));
  recorder.subscribe = (listener) => {
    const off = subscribe.call(recorder, listener);
    return () => {
      off();
      done();
    };
  };
  return { released, restore: () => (recorder.subscribe = subscribe) };
}

function records(sse: string): RequestRecord[] {
  return sse
    .split("\n\n")
    .filter((block) => /^event: record$/m.test(block))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as RequestRecord);
}

describe("observability routes on the real server", () => {
  let h: Harness;
  let client: OpenAI;

  before(async () => {
    h = await startHarness();
    client = openaiFor(h, "dummy");
  });
  after(async () => {
    await h.close();
  });

  const getJson = async (path: string) => {
    const res = await fetch(`${h.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("cache-control"), "no-store");
    return (await res.json()) as any;
  };

  test("GET /health: ok, uptime, model count and the session's expiry, never a token", async () => {
    const res = await fetch(`${h.url}/health`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const body = JSON.parse(text);
    assert.equal(body.status, "ok");
    assert.equal(typeof body.uptime, "number");
    assert.equal(body.models, h.runtime.catalog.list().length);
    assert.ok(body.models > 0);
    assert.equal(body.tokenValidUntil, new Date(h.runtime.tokens.current!.expiresAt).toISOString());
    for (const token of h.fake.issuedCopilotTokens) assert.ok(!text.includes(token));
    assert.ok(!/tid=|ghu_/.test(text));
  });

  test("GET /usage: quota from GitHub (cached) and the server's counts after two chat requests", async () => {
    const before = await getJson("/usage");
    const userCalls = h.fake.callsTo("/copilot_internal/user").length;

    const plain = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "first" }] });
    const streamed = nextRecord(h.runtime.recorder, (r) => r.stream === true);
    const stream = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "second [[chunks:5]]" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamUsage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) streamUsage = chunk.usage;
    await streamed;

    const after = await getJson("/usage");
    assert.equal(h.fake.callsTo("/copilot_internal/user").length, userCalls, "the quota came from the cache");

    assert.equal(after.quota.plan, "business");
    assert.equal(after.quota.login, "octocat-fake");
    assert.match(after.quota.resetDate, /^\d{4}-\d{2}-\d{2}T/);
    assert.deepEqual(after.quota.premium_interactions, {
      entitlement: 300,
      remaining: 120,
      percent_remaining: 40,
      unlimited: false,
      overage_count: 0,
      overage_permitted: false,
    });
    assert.equal(after.quota.chat.unlimited, true);
    assert.equal(after.quota.completions.unlimited, true);
    assert.ok(!JSON.stringify(after).includes("organization"), "only quota fields are shown");

    const s = after.server;
    const b = before.server;
    assert.equal(s.startedAt, new Date(h.runtime.startedAt).toISOString());
    assert.equal(typeof s.uptimeSeconds, "number");
    assert.equal(s.requests - b.requests, 2);
    assert.equal(s.errors - b.errors, 0);
    const inTokens = plain.usage!.prompt_tokens + streamUsage!.prompt_tokens;
    const outTokens = plain.usage!.completion_tokens + streamUsage!.completion_tokens;
    const model = s.byModel["gpt-4.1"];
    const modelBefore = b.byModel["gpt-4.1"] ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
    assert.equal(model.requests - modelBefore.requests, 2);
    assert.equal(model.inputTokens - modelBefore.inputTokens, inTokens);
    assert.equal(model.outputTokens - modelBefore.outputTokens, outTokens);
    assert.equal(s.byApi.chat.requests - (b.byApi.chat?.requests ?? 0), 2);
    assert.equal(s.inputTokens - b.inputTokens, inTokens);
    assert.ok(s.latencyMs.sample >= 2 && s.latencyMs.p50 !== null && s.latencyMs.p99 >= s.latencyMs.p50);
  });

  test("GET /metrics parses as the Prometheus text format and its counters move", async () => {
    const res0 = await fetch(`${h.url}/metrics`);
    assert.equal(res0.status, 200);
    assert.match(res0.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const m0 = parseMetrics(await res0.text());

    const reply = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "metrics" }] });
    await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }));

    const m1 = parseMetrics(await (await fetch(`${h.url}/metrics`)).text());
    const delta = (k: string) => (m1.get(k) ?? 0) - (m0.get(k) ?? 0);
    assert.equal(delta('copilot_api_requests_total{api="chat",model="gpt-4.1",endpoint="/chat/completions",status="200"}'), 1);
    assert.equal(delta('copilot_api_requests_total{api="chat",model="",endpoint="",status="404"}'), 1);
    assert.equal(delta('copilot_api_request_errors_total{api="chat",model=""}'), 1);
    assert.equal(delta('copilot_api_tokens_total{model="gpt-4.1",api="chat",kind="input"}'), reply.usage!.prompt_tokens);
    assert.equal(delta('copilot_api_tokens_total{model="gpt-4.1",api="chat",kind="output"}'), reply.usage!.completion_tokens);
    assert.equal(delta('copilot_api_request_duration_seconds_count{api="chat"}'), 2);
    assert.equal(delta('copilot_api_request_duration_seconds_bucket{api="chat",le="+Inf"}'), 2);
    assert.equal(delta('copilot_api_time_to_first_byte_seconds_count{api="chat"}'), 2);
    assert.equal(delta('copilot_api_upstream_responses_total{endpoint="/chat/completions",status="200"}'), 1);
    assert.ok((m1.get("process_resident_memory_bytes") ?? 0) > 0);
  });

  test("GET / is the dashboard: no-store, a per-response CSP nonce; HEAD / answers 200", async () => {
    const [a, b] = await Promise.all([fetch(`${h.url}/`), fetch(`${h.url}/`)]);
    assert.equal(a.status, 200);
    assert.match(a.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(a.headers.get("cache-control"), "no-store");
    const csp = a.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.match(csp, /default-src 'self'/);
    const html = await a.text();
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.notEqual(b.headers.get("content-security-policy"), csp, "a new nonce per response");
    await b.text();
    const head = await fetch(`${h.url}/`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  test("GET /dashboard/events pushes a record when a request completes", { timeout: 15_000 }, async () => {
    const abort = new AbortController();
    const release = trackRelease(h.runtime.recorder);
    const res = await fetch(`${h.url}/dashboard/events`, { signal: abort.signal });
    release.restore();
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = res.body!.getReader();
    const seen = { text: "" };
    await readUntil(reader, (t) => t.includes("event: ready"), seen);
    const backlog = records(seen.text);
    assert.ok(backlog.length > 0, "the recent requests are replayed on connect");
    const lastId = Math.max(...backlog.map((r) => r.id));

    await client.chat.completions.create({ model: "claude-sonnet-4.5", messages: [{ role: "user", content: "live row" }] });
    await readUntil(reader, (t) => records(t).some((r) => r.id > lastId && r.model === "claude-sonnet-4.5"), seen);
    const pushed = records(seen.text).find((r) => r.id > lastId)!;
    assert.equal(pushed.api, "chat");
    assert.equal(pushed.status, 200);
    assert.equal(pushed.endpoint, "/chat/completions");
    assert.equal(pushed.initiator, "user");
    assert.ok((pushed.outputTokens ?? 0) > 0);
    abort.abort();
    await reader.cancel().catch(() => {});
    await release.released;
  });

  test("records name the model: embeddings with their tokens, an unknown model by the name asked for", { timeout: 15_000 }, async () => {
    const recorder = h.runtime.recorder;
    const embedded = nextRecord(recorder, (r) => r.api === "embeddings");
    const vectors = await client.embeddings.create({ model: "text-embedding-3-small", input: ["one two three", "four"] });
    const e = await embedded;
    assert.equal(e.model, "text-embedding-3-small");
    assert.equal(e.endpoint, "/embeddings");
    assert.equal(e.status, 200);
    assert.ok(vectors.usage.prompt_tokens > 0);
    assert.equal(e.inputTokens, vectors.usage.prompt_tokens, "the tokens Copilot reported");
    assert.equal(e.outputTokens, 0);
    assert.equal(e.requestedModel, undefined, "nothing extra when the name was the id");

    const unknown = nextRecord(recorder, (r) => r.status === 404 || r.requestedModel === "no-such-model-7");
    await assert.rejects(client.chat.completions.create({ model: "no-such-model-7", messages: [{ role: "user", content: "x" }] }));
    const u = await unknown;
    assert.equal(u.model, undefined, "not a resolved model: no metrics label for it");
    assert.equal(u.requestedModel, "no-such-model-7");
  });

  test("closing the dashboard's stream unsubscribes its recorder listener", { timeout: 15_000 }, async () => {
    const recorder = h.runtime.recorder;
    const baseline = recorder.listenerCount;
    const release = trackRelease(recorder);
    const abort = new AbortController();
    const res = await fetch(`${h.url}/dashboard/events`, { signal: abort.signal });
    release.restore();
    await readUntil(res.body!.getReader(), (t) => t.includes("event: ready"));
    assert.equal(recorder.listenerCount, baseline + 1);
    abort.abort();
    await release.released;
    assert.equal(recorder.listenerCount, baseline);
  });

  test("the request log gets one redacted JSON line per finished request", { timeout: 15_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "copilot-api-reqlog-"));
    const file = join(dir, "requests.jsonl");
    const log = await openRequestLog({ file, bodies: false, recorder: h.runtime.recorder, log: h.runtime.log });
    try {
      const ok = nextRecord(h.runtime.recorder, (r) => r.status === 200);
      await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "logged" }] });
      await ok;
      // An error message that echoes something token-shaped must not reach the file.
      const leaky = "ghp_leakyLookingToken1234567890";
      const failed = nextRecord(h.runtime.recorder, (r) => r.status === 404);
      await assert.rejects(client.chat.completions.create({ model: leaky, messages: [{ role: "user", content: "x" }] }));
      await failed;
      await log.idle();
      const text = await readFile(file, "utf8");
      const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.length, 2);
      assert.equal(lines[0].model, "gpt-4.1");
      assert.equal(lines[0].api, "chat");
      assert.equal(lines[0].status, 200);
      assert.equal(lines[0].endpoint, "/chat/completions");
      assert.ok(lines[0].outputTokens > 0 && lines[0].durationMs >= 0);
      assert.match(lines[0].at, /^\d{4}-\d{2}-\d{2}T/);
      assert.equal(lines[1].status, 404);
      assert.match(lines[1].error, /\[redacted\]/);
      assert.ok(!text.includes(leaky));
      assert.ok(!text.includes("logged"), "no prompt without logBodies");
      for (const token of [...h.fake.issuedCopilotTokens, "ghu_fakeGithubToken000000000000000000"]) assert.ok(!text.includes(token));
    } finally {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("/usage when GitHub fails", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test("gives the server part with quota: null and quotaError, not a 500", async () => {
    h.fake.fault({ path: "/copilot_internal/user", status: 503, body: { message: "GitHub is having a moment" } });
    const res = await fetch(`${h.url}/usage`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.quota, null);
    assert.equal(typeof body.quotaError, "string");
    assert.ok(body.quotaError.length > 0);
    assert.equal(typeof body.server.requests, "number");
    assert.equal(h.fake.pendingFaults, 0, "GitHub was really asked");
  });
});

describe("observability behind API keys", () => {
  let h: Harness;
  const key = "observability-route-key-0123456789";
  before(async () => {
    h = await startHarness({ config: { apiKeys: [key] } });
  });
  after(async () => {
    await h.close();
  });

  test("/usage, /metrics, / and the events need the key; /health does not", async () => {
    for (const path of ["/usage", "/metrics", "/", "/dashboard/events"]) {
      const res = await fetch(`${h.url}${path}`);
      assert.equal(res.status, 401, path);
      await res.body?.cancel();
    }
    const usage = await fetch(`${h.url}/usage`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(usage.status, 200);
    const text = await usage.text();
    assert.ok(!text.includes(key));
    assert.equal((await fetch(`${h.url}/health`)).status, 200);
  });
});

describe("shutdown with a dashboard open", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test("recorder.shutdown() ends the event stream, so draining the server doesn't wait for it", { timeout: 20_000 }, async () => {
    const baseline = h.runtime.recorder.listenerCount;
    const res = await fetch(`${h.url}/dashboard/events`);
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes("event: ready"));
    h.runtime.recorder.shutdown();
    const drained = h.server.drain(10_000);
    const rest = await readUntil(reader, () => false).catch((e: Error) => e.message);
    assert.match(rest, /ended early/, "the stream ends");
    assert.equal(await drained, true, "no request left in flight");
    assert.equal(h.runtime.recorder.listenerCount, baseline, "the stream's listener is gone");
  });
});

describe("--log-bodies", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { logBodies: true } });
  });
  after(async () => {
    await h.close();
  });

  test("puts the request body as the client sent it in the request log, redacted, and nowhere else", { timeout: 15_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "copilot-api-bodies-"));
    const file = join(dir, "requests.jsonl");
    const log = await openRequestLog({ file, bodies: true, recorder: h.runtime.recorder, log: h.runtime.log });
    try {
      const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "x", maxRetries: 0 });
      const done = nextRecord(h.runtime.recorder, (r) => r.status === 200);
      await client.chat.completions.create({ model: "gpt-4.1", max_tokens: 20, messages: [{ role: "user", content: "secret plan ghp_leakyLookingToken1234567890" }] });
      await done;
      await log.idle();
      const line = JSON.parse((await readFile(file, "utf8")).trim().split("\n").at(-1)!);
      // As sent by the client: max_tokens, not the max_completion_tokens Copilot received.
      assert.equal(line.bodies.request.max_tokens, 20);
      assert.match(line.bodies.request.messages[0].content, /^secret plan \[redacted\]$/);
      assert.equal(h.runtime.recorder.recent().at(-1)!.bodies, undefined, "the in-memory ring keeps no bodies");
    } finally {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
