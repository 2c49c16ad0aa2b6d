import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { startHarness, suiteHarness } from "../helpers/harness.js";
import { type ApprovalInfo, configureFlow } from "../../src/flow/index.js";

/**
 * The Gemini and Ollama routes against the fake Copilot, by raw HTTP: the stream forms, errors in
 * each dialect's own shape (upstream ones keeping status and retry-after), clients that leave,
 * flow control, and bad input never answered with a 5xx.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * Number(process.env.FUZZ_RUNS ?? 1))), seed: SEED, endOnFailure: true });

const geminiBody = (text = "hi") => ({ contents: [{ role: "user", parts: [{ text }] }] });

/** Google's error shape. */
function assertGeminiError(body: unknown, status: number, context = "") {
  const e = (body as { error?: { code?: unknown; message?: unknown; status?: unknown } }).error;
  assert.ok(e && typeof e.message === "string" && e.message.length > 0 && typeof e.status === "string", `Gemini error expected${context}: ${JSON.stringify(body)}`);
  assert.equal(e.code, status, `code${context}`);
}

/** Ollama's error shape. */
function assertOllamaError(body: unknown, context = "") {
  const e = (body as { error?: unknown }).error;
  assert.ok(typeof e === "string" && e.length > 0, `Ollama error expected${context}: ${JSON.stringify(body)}`);
}

describe("Gemini and Ollama routes", () => {
  const h = suiteHarness();

  const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${h.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body), signal });

  test("streamGenerateContent without alt=sse is one JSON array, delivered as it goes", async () => {
    const res = await post("/v1beta/models/gpt-5.4:streamGenerateContent", geminiBody("count [[chunks:6]]"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const chunks = (await res.json()) as { candidates: { content: { parts: { text?: string }[] }; finishReason?: string }[] }[];
    assert.equal(chunks.map((c) => c.candidates[0]!.content.parts.map((p) => p.text ?? "").join("")).join("").trim().split(/\s+/).length, 6);
    assert.equal(chunks.at(-1)!.candidates[0]!.finishReason, "STOP");
  });

  test("countTokens takes a whole generateContentRequest too, and an unknown model still gets an estimate", async () => {
    const a = (await (await post("/v1beta/models/claude-sonnet-4.5:countTokens", { generateContentRequest: { model: "models/claude-sonnet-4.5", ...geminiBody("one two three"), systemInstruction: { parts: [{ text: "sys" }] } } })).json()) as { totalTokens: number };
    const b = (await (await post("/v1beta/models/claude-sonnet-4.5:countTokens", geminiBody("one two three"))).json()) as { totalTokens: number };
    assert.ok(a.totalTokens > b.totalTokens, "the system instruction counts");
    const c = (await (await post("/v1beta/models/unknown-model:countTokens", geminiBody("one two three"))).json()) as { totalTokens: number };
    assert.ok(c.totalTokens > 0);
  });

  test("embedContent gives one embedding", async () => {
    const r = (await (await post("/v1beta/models/text-embedding-3-small:embedContent", { content: { parts: [{ text: "hello" }] }, outputDimensionality: 4 })).json()) as { embedding: { values: number[] } };
    assert.equal(r.embedding.values.length, 4);
    assert.equal(h.fake.callsTo("/embeddings").at(-1)!.body.dimensions, 4);
  });

  test("Gemini errors: unknown method and model are NOT_FOUND, bad JSON INVALID_ARGUMENT, an embedding model can't chat", async () => {
    let res = await post("/v1beta/models/gpt-4.1:predict", geminiBody());
    assert.equal(res.status, 404);
    assertGeminiError(await res.json(), 404);
    res = await fetch(`${h.url}/v1beta/models/nope`, { headers: { "x-goog-api-key": "k" } });
    assert.equal(res.status, 404);
    assertGeminiError(await res.json(), 404);
    res = await post("/v1beta/models/gpt-4.1:generateContent", "{not json");
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { status: string } };
    assertGeminiError(body, 400);
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    res = await post("/v1beta/models/text-embedding-3-small:generateContent", geminiBody());
    assert.ok(res.status === 404 || res.status === 400);
  });

  test("GET /v1/models is OpenAI's list, or Google's for a Google client; GET /v1/models/{id} likewise", async () => {
    const openai = (await (await fetch(`${h.url}/v1/models`)).json()) as { object: string };
    assert.equal(openai.object, "list");
    const google = (await (await fetch(`${h.url}/v1/models`, { headers: { "x-goog-api-client": "google-genai-sdk/3.3.0" } })).json()) as { models: { name: string }[] };
    assert.ok(google.models.some((m) => m.name === "models/gpt-4.1"));
    const one = (await (await fetch(`${h.url}/v1/models/gpt-4.1`)).json()) as { id: string; object: string };
    assert.deepEqual([one.id, one.object], ["gpt-4.1", "model"]);
  });

  test("an upstream 429 keeps its status, retry-after and message, in Google's and in Ollama's shape", async () => {
    for (const [path, body, check] of [
      ["/v1beta/models/gpt-4.1:generateContent", geminiBody(), (b: unknown) => assertGeminiError(b, 429)],
      ["/api/chat", { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }], stream: false }, (b: unknown) => assertOllamaError(b)],
    ] as const) {
      h.fake.fault({ path: "/chat/completions", status: 429, headers: { "retry-after": "42" }, body: { error: { message: "Sorry, you've hit a rate limit.", code: "rate_limited" } } });
      const res = await post(path, body);
      assert.equal(res.status, 429, path);
      assert.equal(res.headers.get("retry-after"), "42");
      const json = await res.json();
      check(json);
      assert.match(JSON.stringify(json), /hit a rate limit/);
    }
  });

  test("a stream that breaks mid-answer ends with an error chunk (Gemini SSE) or an error line (Ollama)", async () => {
    h.fake.fault({ path: "/chat/completions", kind: "drop-after-first-chunk" });
    let text = await (await post("/v1beta/models/gpt-4.1:streamGenerateContent?alt=sse", geminiBody("x [[chunks:50]]"))).text();
    const frames = text.split("\n\n").filter(Boolean).map((f) => JSON.parse(f.replace(/^data: /, "")));
    assertGeminiError(frames.at(-1), 502);
    h.fake.fault({ path: "/chat/completions", kind: "drop-after-first-chunk" });
    text = await (await post("/api/chat", { model: "gpt-4.1", messages: [{ role: "user", content: "x [[chunks:50]]" }] })).text();
    const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    assertOllamaError(lines.at(-1));
    assert.match(lines.at(-1).error, /broke off/);
  });

  test("a client that leaves mid-stream aborts the upstream request, on both dialects", async () => {
    for (const [path, body] of [
      ["/v1beta/models/gpt-4.1:streamGenerateContent?alt=sse", geminiBody("x [[chunks:50]]")],
      ["/api/chat", { model: "gpt-4.1", messages: [{ role: "user", content: "x [[chunks:50]]" }] }],
    ] as const) {
      h.fake.fault({ path: "/chat/completions", kind: "stall-after-first-chunk" });
      const controller = new AbortController();
      // Headers come once Copilot has answered: its request is open, stalled after its first event
      // (which carries no content, so nothing more reaches the client).
      const res = await post(path, body, {}, controller.signal);
      assert.equal(res.status, 200);
      const aborted = h.fake.nextAbort();
      controller.abort();
      const call = await aborted;
      assert.equal(call.route, "/chat/completions", path);
    }
    await h.fake.whenIdle();
  });

  test("Ollama: unknown routes and management calls answer in Ollama's shape", async () => {
    let res = await fetch(`${h.url}/api/nothing`);
    assert.equal(res.status, 404);
    assertOllamaError(await res.json());
    res = await post("/api/create", { model: "x", from: "y" });
    assert.equal(res.status, 400);
    assertOllamaError(await res.json());
    res = await post("/api/generate", { model: "gpt-4.1:latest" });
    assert.deepEqual(((await res.json()) as { done: boolean }).done, true, "an empty prompt only 'loads' the model");
  });

  test("with API keys, Ollama clients pass a Bearer key and Gemini ones x-goog-api-key; others get 401 in their shape", async () => {
    const k = await startHarness({ config: { apiKeys: ["k1"] } });
    try {
      let res = await fetch(`${k.url}/api/tags`);
      assert.equal(res.status, 401);
      assertOllamaError(await res.json());
      res = await fetch(`${k.url}/api/tags`, { headers: { authorization: "Bearer k1" } });
      assert.equal(res.status, 200);
      res = await fetch(`${k.url}/v1beta/models?key=wrong`);
      assert.equal(res.status, 401);
      assertGeminiError(await res.json(), 401);
      res = await fetch(`${k.url}/v1beta/models`, { headers: { "x-goog-api-key": "k1" } });
      assert.equal(res.status, 200);
      res = await fetch(`${k.url}/v1/chat/completions?key=k1`, { method: "POST", body: "{}" });
      assert.equal(res.status, 401, "?key= counts on the Gemini API only");
    } finally {
      await k.close();
    }
  });

  test("with --rate-limit, Gemini and Ollama calls are limited (countTokens is not)", async () => {
    const k = await startHarness({ config: { rateLimitSeconds: 60 } });
    try {
      assert.equal((await fetch(`${k.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "a" }], stream: false }) })).status, 200);
      const limited = await fetch(`${k.url}/v1beta/models/gpt-4.1:generateContent`, { method: "POST", body: JSON.stringify(geminiBody()) });
      assert.equal(limited.status, 429);
      assertGeminiError(await limited.json(), 429);
      assert.equal((await fetch(`${k.url}/v1beta/models/gpt-4.1:countTokens`, { method: "POST", body: JSON.stringify(geminiBody()) })).status, 200);
    } finally {
      await k.close();
    }
  });

  test("with --manual, the prompt names the Gemini model from the path and the API", async () => {
    const k = await startHarness({ config: { manual: true } });
    try {
      const asked: ApprovalInfo[] = [];
      configureFlow(k.runtime, { approver: { ask: async (info) => (asked.push(info), true) } });
      assert.equal((await fetch(`${k.url}/v1beta/models/gpt-4.1:generateContent`, { method: "POST", body: JSON.stringify(geminiBody()) })).status, 200);
      assert.equal((await fetch(`${k.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "gpt-4.1:latest", messages: [{ role: "user", content: "a" }], stream: false }) })).status, 200);
      assert.deepEqual(asked.map((i) => [i.api, i.model]), [["gemini", "gpt-4.1"], ["ollama", "gpt-4.1:latest"]]);
    } finally {
      await k.close();
    }
  });

  /** A value of any JSON type, small, for putting where something else belongs. */
  const anyValue = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 20 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }));

  const RICH: { path: string; dialect: "gemini" | "ollama"; body: () => Record<string, unknown> }[] = [
    ...["generateContent", "streamGenerateContent?alt=sse", "streamGenerateContent", "countTokens"].map((method) => ({
      path: `/v1beta/models/MODEL:${method}`,
      dialect: "gemini" as const,
      body: () => ({
        systemInstruction: { parts: [{ text: "s" }] },
        contents: [
          { role: "user", parts: [{ text: "run ls" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo" } }] },
          { role: "model", parts: [{ text: "t", thought: true }, { functionCall: { id: "a", name: "f", args: { x: 1 } }, thoughtSignature: "sig" }] },
          { role: "user", parts: [{ functionResponse: { id: "a", name: "f", response: { output: "ok" } } }] },
        ],
        tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "OBJECT", properties: { x: { type: "INTEGER" } } } }] }],
        toolConfig: { functionCallingConfig: { mode: "AUTO" } },
        generationConfig: { temperature: 1, maxOutputTokens: 50, thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 }, responseMimeType: "text/plain" },
      }),
    })),
    { path: "/v1beta/models/text-embedding-3-small:batchEmbedContents", dialect: "gemini", body: () => ({ requests: [{ model: "models/text-embedding-3-small", content: { parts: [{ text: "a" }] } }] }) },
    ...["/api/chat", "/api/generate"].map((path) => ({
      path,
      dialect: "ollama" as const,
      body: () => ({
        model: "MODEL:latest",
        prompt: "run ls",
        system: "s",
        messages: [
          { role: "system", content: "s" },
          { role: "user", content: "run ls", images: ["iVBORw0KGgo"] },
          { role: "assistant", content: "", thinking: "t", tool_calls: [{ function: { name: "f", arguments: { x: 1 } } }] },
          { role: "tool", content: "ok", tool_name: "f" },
        ],
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { x: { type: "integer" } } } } }],
        options: { temperature: 0.5, num_predict: 40, stop: ["x"] },
        think: true,
        format: { type: "object" },
        stream: true,
      }),
    })),
    { path: "/api/embed", dialect: "ollama", body: () => ({ model: "text-embedding-3-small", input: ["a", "b"] }) },
    { path: "/api/show", dialect: "ollama", body: () => ({ model: "MODEL" }) },
  ];

  function setPath(body: unknown, path: string[], value: unknown) {
    let at = body as Record<string, unknown>;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
    at[path.at(-1)!] = value;
  }
  const pathsOf = (v: unknown, at: string[] = []): string[][] => (v && typeof v === "object" ? [at, ...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, k]))] : [at]);

  test("any value at any position of a rich body: never a 5xx; errors in the dialect's shape; 200s well formed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), anyValue, fc.constantFrom("gpt-4.1", "claude-sonnet-4.5", "gpt-5.4"), async (r, p, value, model) => {
        const route = RICH[r % RICH.length]!;
        const body = route.body();
        const paths = pathsOf(body).filter((x) => x.length > 0);
        setPath(body, paths[p % paths.length]!, value);
        const path = route.path.replace("MODEL", model);
        const res = await post(path, JSON.stringify(body).replaceAll("MODEL", model));
        const text = await res.text();
        const what = `${path} ${JSON.stringify(value)} at ${paths[p % paths.length]!.join(".")}: HTTP ${res.status} ${text.slice(0, 300)}`;
        assert.ok(res.status < 500, what);
        if (res.status >= 400) {
          const json = JSON.parse(text);
          if (route.dialect === "gemini") assertGeminiError(json, res.status, what);
          else assertOllamaError(json, what);
          return;
        }
        const type = res.headers.get("content-type") ?? "";
        if (type.startsWith("text/event-stream")) for (const f of text.split("\n\n").filter((f) => f.startsWith("data: "))) JSON.parse(f.slice(6));
        else if (type.startsWith("application/x-ndjson")) for (const l of text.split("\n").filter(Boolean)) JSON.parse(l);
        else JSON.parse(text);
      }),
      runs(150),
    );
    await h.fake.whenIdle();
  });
});
