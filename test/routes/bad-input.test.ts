import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import http from "node:http";
import fc from "fast-check";
import { shadowingObject } from "../helpers/arbitraries.js";
import { cellModels } from "../helpers/cells.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { settledHeap } from "../helpers/reliability.js";
import { type ClientDialect, assertErrorBody, readOutcome } from "../helpers/stream-check.js";

/**
 * Malformed and adversarial bodies against every route, generated with fast-check: wrong types at
 * every known field, unknown fields, huge strings, deep nesting, invalid UTF-8, broken JSON, broken
 * base64 images, bodies over the limit. The answer is never a 5xx or a crash: a 4xx error in the
 * route's own dialect where the input is wrong, or a well-formed answer where it is merely odd.
 *
 * Runs are bounded (FUZZ_RUNS scales them) and seeded: the same cases every `npm test`, so a
 * failure is reproducible; `npm run soak` raises the count and picks a fresh FUZZ_SEED, which it
 * prints. fast-check prints the seed and the shrunk counterexample on failure.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED, endOnFailure: true, includeErrorInReport: true });

interface Route {
  path: string;
  dialect: ClientDialect;
  /** A valid body to mutate. */
  base: () => Record<string, unknown>;
  /** Field paths (dot-separated, numbers index arrays) whose value is checked by us or by Copilot. */
  fields: string[];
}

const CHAT_MODELS = ["gpt-4.1", "claude-sonnet-4.5", "claude-messages-only", "gpt-5.4", "gemini-2.5-pro"];

const ROUTES: Route[] = [
  {
    path: "/v1/chat/completions",
    dialect: "chat",
    base: () => ({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
    fields: ["model", "messages", "messages.0", "messages.0.role", "messages.0.content", "stream", "max_tokens", "temperature", "tools", "tool_choice", "stop", "n", "response_format", "reasoning_effort", "stream_options"],
  },
  {
    path: "/v1/messages",
    dialect: "messages",
    base: () => ({ model: "claude-sonnet-4.5", max_tokens: 64, messages: [{ role: "user", content: "hi" }] }),
    fields: ["model", "messages", "messages.0", "messages.0.role", "messages.0.content", "max_tokens", "stream", "system", "tools", "tool_choice", "thinking", "metadata", "stop_sequences", "temperature", "top_k"],
  },
  {
    path: "/v1/messages/count_tokens",
    dialect: "messages",
    base: () => ({ model: "claude-sonnet-4.5", messages: [{ role: "user", content: "hi" }] }),
    fields: ["model", "messages", "messages.0", "messages.0.role", "messages.0.content", "system", "tools", "thinking"],
  },
  {
    path: "/v1/embeddings",
    dialect: "chat",
    base: () => ({ model: "text-embedding-3-small", input: "hi" }),
    fields: ["model", "input", "encoding_format", "dimensions"],
  },
  {
    path: "/v1/responses",
    dialect: "responses",
    base: () => ({ model: "gpt-5.4", input: "hi" }),
    fields: ["model", "input", "instructions", "stream", "tools", "tool_choice", "reasoning", "max_output_tokens", "text", "store", "include"],
  },
];

/** The same routes without the /v1 prefix. */
const ALL_ROUTES: Route[] = [...ROUTES, ...ROUTES.map((r) => ({ ...r, path: r.path.replace(/^\/v1/, "") }))];

/** A value of any JSON type, small, for putting where something else belongs. */
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "user", "assistant", "tool", "system", "text", "image", "base64", "[DONE]", "{}", "__proto__"),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  shadowingObject,
);

function setPath(body: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let at: Record<string, unknown> = body;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== "object" || next === null) return;
    at = next as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/**
 * POSTs a chunked body (no content-length) with node:http, which hands over the response even when
 * the server answers before the upload is over (fetch reports the cut upload as a failure instead).
 */
function rawPost(url: string, chunks: Uint8Array[]): Promise<Response> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: the server closes one whose upload it refused, and a pooled
    // socket on its way out would fail the next request for the client's reason, not the server's.
    const req = http.request(url, { method: "POST", agent: false, headers: { "content-type": "application/json", "transfer-encoding": "chunked" } });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => resolve(new Response(Buffer.concat(parts), { status: res.statusCode ?? 0, headers: res.headers as Record<string, string> })));
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    (async () => {
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        if (!req.write(chunk)) await new Promise<void>((resolve) => req.once("drain", resolve).once("close", resolve));
      }
      req.end();
    })().catch(() => {});
  });
}

/** Asserts the answer is no 5xx and well formed; returns its status. */
async function checkAnswer(res: Response, dialect: ClientDialect, what: string): Promise<number> {
  if (res.status >= 500) assert.fail(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  if (res.status >= 400) {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      assert.fail(`${what}: HTTP ${res.status} body is not JSON: ${text.slice(0, 200)}`);
    }
    assertErrorBody(dialect === "responses" ? "chat" : dialect, body, ` (${what}, HTTP ${res.status})`);
    return res.status;
  }
  await readOutcome(res, dialect);
  return res.status;
}

describe("bad input never crashes a route and is answered in the route's dialect", () => {
  let h: Harness;
  let routes: Route[];
  before(async () => {
    h = await startHarness({ fake: { models: cellModels() } });
    routes = ALL_ROUTES;
  });
  after(async () => {
    await h.close();
  });

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  test("a wrong type at any known field: never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), anyValue, fc.constantFrom(...CHAT_MODELS), fc.boolean(), async (r, f, value, model, stream) => {
        const route = routes[r % routes.length]!;
        const field = route.fields[f % route.fields.length]!;
        const body = route.base();
        if (field !== "model" && !route.path.includes("embeddings")) body.model = model;
        if (stream && !route.path.includes("count_tokens") && !route.path.includes("embeddings")) body.stream = true;
        setPath(body, field, value);
        const res = await post(route.path, JSON.stringify(body));
        await checkAnswer(res, route.dialect, `${route.path} ${field}=${JSON.stringify(value)}`);
      }),
      runs(150),
    );
    await h.fake.whenIdle();
  });

  test("any value at any nested position of a rich body (history, tool calls, tools, images): never a 5xx", async () => {
    const rich: Record<string, () => Record<string, unknown>> = {
      chat: () => ({
        messages: [
          { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
          { role: "assistant", content: "x", tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "a", content: "ok" },
        ],
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
      }),
      messages: () => ({
        max_tokens: 9,
        system: [{ type: "text", text: "s" }],
        messages: [
          { role: "user", content: [{ type: "text", text: "hi" }] },
          { role: "assistant", content: [{ type: "tool_use", id: "a", name: "f", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "a", content: [{ type: "text", text: "ok" }] }] },
        ],
        tools: [{ name: "f", input_schema: { type: "object" } }],
        thinking: { type: "enabled", budget_tokens: 2000 },
      }),
      responses: () => ({
        input: [
          { role: "user", content: [{ type: "input_text", text: "hi" }] },
          { type: "function_call", call_id: "a", name: "f", arguments: "{}" },
          { type: "function_call_output", call_id: "a", output: "ok" },
        ],
        tools: [{ type: "function", name: "f", parameters: { type: "object" } }],
        reasoning: { effort: "low" },
      }),
    };
    const pathsOf = (v: unknown, at: string[] = []): string[][] =>
      v && typeof v === "object" ? [at, ...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, k]))] : [at];
    const chatRoutes = routes.filter((r) => !r.path.includes("embeddings"));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), anyValue, fc.constantFrom(...CHAT_MODELS), fc.boolean(), async (r, p, value, model, stream) => {
        const route = chatRoutes[r % chatRoutes.length]!;
        const body: Record<string, unknown> = { ...rich[route.dialect]!(), model };
        if (stream && !route.path.includes("count_tokens")) body.stream = true;
        const paths = pathsOf(body).filter((x) => x.length > 0);
        const path = paths[p % paths.length]!;
        setPath(body, path.join("."), value);
        const res = await post(route.path, JSON.stringify(body));
        await checkAnswer(res, route.dialect, `${route.path} ${model} ${path.join(".")}=${JSON.stringify(value)}`);
      }),
      runs(200),
    );
    await h.fake.whenIdle();
  });

  test("required fields missing or of the wrong type: a 4xx", async () => {
    const required: Record<string, string[]> = {
      "/chat/completions": ["model", "messages"],
      "/messages": ["model", "messages"],
      "/messages/count_tokens": ["model", "messages"],
      "/embeddings": ["model", "input"],
      "/responses": ["model", "input"],
    };
    const wrong = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer(), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), wrong, async (r, f, value) => {
        const route = routes[r % routes.length]!;
        const fields = required[route.path.replace(/^\/v1/, "")]!;
        const field = fields[f % fields.length]!;
        const body = route.base();
        if (value === undefined) delete body[field];
        else body[field] = value;
        const res = await post(route.path, JSON.stringify(body));
        const status = await checkAnswer(res, route.dialect, `${route.path} ${field}=${JSON.stringify(value)}`);
        assert.ok(status >= 400 && status < 500, `${route.path} without a valid ${field}: HTTP ${status}`);
      }),
      runs(60),
    );
  });

  test("unknown fields, at the top and inside messages: never a 5xx", async () => {
    const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !["model", "messages", "input", "stream", "max_tokens"].includes(k));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 5 }), async (r, extra) => {
        const route = routes[r % routes.length]!;
        const body = { ...route.base(), ...extra };
        const messages = body.messages as Record<string, unknown>[] | undefined;
        if (messages?.[0]) Object.assign(messages[0], extra);
        const res = await post(route.path, JSON.stringify(body));
        await checkAnswer(res, route.dialect, `${route.path} + ${JSON.stringify(extra).slice(0, 200)}`);
      }),
      runs(60),
    );
  });

  test("text that is not JSON, or not a JSON object: a 400", async () => {
    const notObject = fc.oneof(
      fc.string({ maxLength: 60 }).filter((s) => {
        try {
          const v = JSON.parse(s);
          return typeof v !== "object" || v === null || Array.isArray(v);
        } catch {
          return true;
        }
      }),
      fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== "object" || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
      // A valid body cut short.
      fc.nat().map((n) => {
        const s = JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
        return s.slice(0, n % (s.length - 1));
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), notObject, async (r, text) => {
        const route = routes[r % routes.length]!;
        const res = await post(route.path, text);
        const status = await checkAnswer(res, route.dialect, `${route.path} body ${JSON.stringify(text)}`);
        assert.equal(status, 400, `${route.path} body ${JSON.stringify(text)}`);
      }),
      runs(60),
    );
  });

  test("invalid UTF-8 in the body: never a 5xx", async () => {
    const bad = fc.constantFrom(
      [0xff],
      [0xc0, 0xaf],
      [0xe2, 0x28, 0xa1],
      [0xf0, 0x90, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x80],
      [0xfe, 0xfe, 0xff, 0xff],
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), bad, fc.boolean(), async (r, bytes, inKey) => {
        const route = routes[r % routes.length]!;
        const text = JSON.stringify(route.base());
        // Inside a string value (the content "hi"), or in a key, or between tokens (then not JSON at all).
        const at = inKey ? text.indexOf('"model"') + 2 : text.indexOf("hi") + 1;
        const enc = new TextEncoder();
        const body = new Uint8Array([...enc.encode(text.slice(0, at)), ...bytes, ...enc.encode(text.slice(at))]);
        const res = await post(route.path, body);
        await checkAnswer(res, route.dialect, `${route.path} with bytes ${bytes.map((b) => b.toString(16)).join(" ")}`);
      }),
      runs(40),
    );
    for (const route of routes.slice(0, 5)) {
      const res = await post(route.path, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
      assert.equal(await checkAnswer(res, route.dialect, `${route.path} {\\xff\\xfe}`), 400);
    }
  });

  test("deep nesting in every position: a 4xx or an answer, never a 5xx or a stack overflow", async () => {
    const positions: Record<string, (deep: string) => string> = {
      content: (d) => `{"model":"M","max_tokens":16,"messages":[{"role":"user","content":${d}}],"input":${d}}`,
      toolSchema: (d) =>
        `{"model":"M","max_tokens":16,"messages":[{"role":"user","content":"hi"}],"input":"hi","tools":[{"name":"t","type":"function","input_schema":{"type":"object","properties":{"a":${d}}},"function":{"name":"t","parameters":{"type":"object","properties":{"a":${d}}}},"parameters":{"type":"object","properties":{"a":${d}}}}]}`,
      metadata: (d) => `{"model":"M","max_tokens":16,"messages":[{"role":"user","content":"hi"}],"input":"hi","metadata":${d},"extra":${d}}`,
      toolInput: (d) =>
        `{"model":"M","max_tokens":16,"input":"hi","messages":[{"role":"user","content":"run x"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"t","input":{"a":${d}}}],"tool_calls":[{"id":"t1","type":"function","function":{"name":"t","arguments":"{}"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`,
    };
    const nest = (depth: number, kind: "array" | "object") => (kind === "array" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth));
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom(...Object.keys(positions)),
        fc.constantFrom(50, 250, 1_000, 20_000, 200_000),
        fc.constantFrom<"array" | "object">("array", "object"),
        fc.constantFrom(...CHAT_MODELS),
        async (r, position, depth, kind, model) => {
          const route = routes[r % routes.length]!;
          const m = route.path.includes("embeddings") ? "text-embedding-3-small" : model;
          const text = positions[position]!(nest(depth, kind)).replace('"M"', JSON.stringify(m));
          const res = await post(route.path, text);
          await checkAnswer(res, route.dialect, `${route.path} ${model} ${kind} nested ${depth} deep in ${position}`);
        },
      ),
      runs(40),
    );
  });

  test("huge strings: answered or refused, never a 5xx, and memory comes back", async () => {
    // The fake upstream lives in this process and records every call it gets: what it recorded is
    // forgotten before each reading, so the figure is the server's own.
    h.fake.reset();
    const heapBefore = settledHeap();
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(10_000, 100_000, 1_000_000), fc.constantFrom("a", "é", "🌍", " ", "\n", "\u0000", "\\"), async (r, size, unit) => {
        const route = routes[r % routes.length]!;
        const body = route.base();
        const huge = unit.repeat(Math.ceil(size / unit.length));
        if (route.path.includes("embeddings") || route.path.includes("responses")) body.input = huge;
        else body.messages = [{ role: "user", content: huge }];
        if (r % 3 === 0) body.model = huge.slice(0, 100_000);
        const res = await post(route.path, JSON.stringify(body));
        await checkAnswer(res, route.dialect, `${route.path} ${size}×${JSON.stringify(unit)}`);
      }),
      runs(10),
    );
    // A 5 MB body is an ordinary request (known-failures case 42).
    for (const route of routes.slice(0, 2)) {
      const body = { ...route.base(), messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] };
      const res = await post(route.path, JSON.stringify(body));
      assert.equal(await checkAnswer(res, route.dialect, `${route.path} 5 MB`), 200);
    }
    await h.fake.whenIdle();
    h.fake.reset();
    const growth = settledHeap() - heapBefore;
    assert.ok(growth < 64 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(1)} MB`);
  });

  test("broken base64 images, in every image position: never a 5xx", async () => {
    const data = fc.oneof(
      fc.constantFrom("", "!!!!", "====", "iVBORw0KGgo", "/9j/", "R0lGODlh", "UklGR", "data:image/png;base64,AAAA", "%%%"),
      fc.string({ maxLength: 64 }),
      fc.base64String({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...b]).toString("base64")),
      fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from([0xff, 0xd8, 0xff, ...b]).toString("base64")),
    );
    const mediaType = fc.constantFrom("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "text/plain", "", "x");
    await fc.assert(
      fc.asyncProperty(fc.nat(), data, mediaType, fc.constantFrom(...CHAT_MODELS), fc.boolean(), async (r, b64, mt, model, inToolResult) => {
        const route = routes[r % routes.length]!;
        const body = route.base();
        if (!route.path.includes("embeddings")) body.model = model;
        const uri = `data:${mt};base64,${b64}`;
        if (route.dialect === "messages") {
          const image = { type: "image", source: { type: "base64", media_type: mt, data: b64 } };
          body.messages = inToolResult
            ? [
                { role: "user", content: "look" },
                { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "shot", input: {} }] },
                { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [image] }] },
              ]
            : [{ role: "user", content: [{ type: "text", text: "what is this" }, image] }];
        } else if (route.dialect === "responses") {
          body.input = [{ role: "user", content: [{ type: "input_text", text: "what is this" }, { type: "input_image", image_url: uri, detail: "auto" }] }];
        } else if (route.path.includes("embeddings")) {
          body.input = [uri];
        } else {
          body.messages = [{ role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: uri } }] }];
        }
        const res = await post(route.path, JSON.stringify(body));
        await checkAnswer(res, route.dialect, `${route.path} ${model} image ${mt} ${JSON.stringify(b64).slice(0, 80)}`);
      }),
      runs(80),
    );
  });

  test("a body over the limit: 413 in the route's dialect, declared or chunked", async () => {
    const limit = h.runtime.config.bodyLimit;
    const big = new Uint8Array(limit + 1024).fill(0x20);
    for (const route of [routes[0]!, routes[1]!]) {
      const res = await post(route.path, big);
      assert.equal(await checkAnswer(res, route.dialect, `${route.path} declared over the limit`), 413);
      // Chunked: no content-length, the limit is counted as the bytes arrive.
      const chunked = await rawPost(`${h.url}${route.path}`, Array.from({ length: 9 }, () => big.subarray(0, Math.ceil(limit / 8))));
      assert.equal(await checkAnswer(chunked, route.dialect, `${route.path} chunked over the limit`), 413);
      // The server stays up and answers the next request.
      assert.equal((await fetch(`${h.url}/v1/models`)).status, 200);
    }
  });

  test("GET /models with odd queries and headers, and wrong methods: never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), fc.constantFrom("", "2023-06-01", "garbage", "\u00e9"), fc.boolean(), async (query, version, prefixed) => {
        const headers: Record<string, string> = {};
        if (version && /^[\x20-\x7e]*$/.test(version)) headers["anthropic-version"] = version;
        const res = await fetch(`${h.url}${prefixed ? "/v1" : ""}/models?${encodeURIComponent(query)}`, { headers });
        assert.equal(res.status, 200);
        const body = (await res.json()) as { data?: unknown[] };
        assert.ok(Array.isArray(body.data));
      }),
      runs(20),
    );
    for (const route of routes) {
      for (const method of ["PUT", "DELETE", "PATCH"]) {
        const res = await fetch(`${h.url}${route.path}`, { method, headers: { "content-type": "application/json" }, body: "{}" });
        await checkAnswer(res, route.dialect, `${method} ${route.path}`);
        assert.ok(res.status >= 400 && res.status < 500, `${method} ${route.path}: ${res.status}`);
      }
    }
  });
});

describe("the body limit is configurable (bodyLimit)", () => {
  test("with a 4 KB limit: a 5 KB body is a 413 in each dialect, a 3 KB one is served", async () => {
    const h = await startHarness({ config: { bodyLimit: 4096 }, fake: { models: cellModels() } });
    try {
      for (const [path, dialect, model] of [
        ["/v1/chat/completions", "chat", "gpt-4.1"],
        ["/v1/messages", "messages", "claude-sonnet-4.5"],
      ] as const) {
        const body = (n: number) => JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: "x".repeat(n) }] });
        const over = await fetch(`${h.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: body(5000) });
        assert.equal(await checkAnswer(over, dialect, `${path} 5 KB`), 413);
        const under = await fetch(`${h.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: body(3000) });
        assert.equal(await checkAnswer(under, dialect, `${path} 3 KB`), 200);
      }
    } finally {
      await h.close();
    }
  });
});
