import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { splitPieces } from "../fake-upstream/chunk-split.js";
import { DEFAULT_GITHUB_TOKEN, promptTokens, startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.js";

interface SseMessage {
  event?: string;
  data: string;
}

function parseSse(text: string): SseMessage[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const msg: SseMessage = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) msg.event = line.slice(7);
        else if (line.startsWith("data: ")) msg.data += line.slice(6);
      }
      return msg;
    });
}

/** Reads a streamed body keeping the raw network chunks. */
async function readChunks(res: Response): Promise<{ chunks: Uint8Array[]; text: string }> {
  const chunks: Uint8Array[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return { chunks, text: Buffer.concat(chunks).toString("utf8") };
}

describe("fake upstream", () => {
  let fake: FakeUpstream;
  let clock = 1_800_000_000_000;
  let copilotToken = "";

  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    authorization: `Bearer ${copilotToken}`,
    "content-type": "application/json",
    "x-github-api-version": "2026-08-01",
    "editor-version": "vscode/1.110.0",
    "editor-plugin-version": "copilot-chat/0.40.0",
    "copilot-integration-id": "vscode-chat",
    ...extra,
  });
  const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${fake.capiUrl}${path}`, { method: "POST", headers: headers(extra), body: JSON.stringify(body) });
  const exchange = async (): Promise<string> => {
    const res = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}` } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { token: string }).token;
  };

  before(async () => {
    fake = await startFakeUpstream({ now: () => clock, deviceFlow: { pendingPolls: 1, slowDownAt: [2] } });
    copilotToken = await exchange();
  });
  after(() => fake.close());

  test("device flow answers pending, slow_down, then the token", async () => {
    const codeRes = await fetch(`${fake.githubUrl}/login/device/code`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ client_id: "Iv1.b507a08c87ecfe98", scope: "read:user" }),
    });
    const code = (await codeRes.json()) as Record<string, any>;
    assert.equal(code.user_code, "ABCD-1234");
    assert.equal(code.verification_uri, `${fake.githubUrl}/login/device`);
    assert.equal(code.interval, 5);
    const poll = async () => {
      const res = await fetch(`${fake.githubUrl}/login/oauth/access_token`, {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: "Iv1.b507a08c87ecfe98",
          device_code: code.device_code,
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as Record<string, any>;
    };
    assert.equal((await poll()).error, "authorization_pending");
    const slow = await poll();
    assert.equal(slow.error, "slow_down");
    assert.equal(slow.interval, 10);
    const ok = await poll();
    assert.equal(ok.access_token, DEFAULT_GITHUB_TOKEN);
    assert.equal(ok.token_type, "bearer");
    assert.equal(fake.callsTo("/login/oauth/access_token").length, 3);
  });

  test("GitHub's REST API refuses a request without a User-Agent with a 403", async () => {
    // node:http sends no User-Agent of its own (fetch would add one).
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}` } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d)).on("end", () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on("error", reject).end();
    });
    assert.equal(status, 403);
    assert.match(body, /make sure your request has a User-Agent header/);
    const named = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, {
      headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}`, "user-agent": "GitHubCopilotChat/0.30.0" },
    });
    assert.equal(named.status, 200);
    await named.text();
  });

  test("token exchange requires `token` auth; the Copilot token opens CAPI until revoked or expired", async () => {
    const bearer = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `Bearer ${DEFAULT_GITHUB_TOKEN}` } });
    assert.equal(bearer.status, 401);
    assert.equal(((await bearer.json()) as { message: string }).message, "Bad credentials");

    const res = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}` } });
    const env = (await res.json()) as Record<string, any>;
    assert.match(env.token, /^tid=[0-9a-f]+;exp=\d+;sku=copilot_for_business_seat;proxy-ep=proxy\.invalid;8kp=1:[0-9a-f]+$/);
    assert.equal(env.refresh_in, 1500);
    assert.equal(env.expires_at, Math.floor(clock / 1000) + 1800);
    assert.equal(env.endpoints.api, fake.capiUrl);
    assert.notEqual(env.token, copilotToken);

    const models = await fetch(`${fake.capiUrl}/models`, { headers: headers({ authorization: `Bearer ${env.token}` }) });
    assert.equal(models.status, 200);
    const ids = ((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    assert.ok(ids.includes("claude-sonnet-4.5") && ids.includes("gpt-5.4"));

    clock += 1801 * 1000;
    const expired = await fetch(`${fake.capiUrl}/models`, { headers: headers({ authorization: `Bearer ${env.token}` }) });
    assert.equal(expired.status, 401);
    assert.equal(((await expired.json()) as any).error.message, "unauthorized: token expired");
    clock -= 1801 * 1000;

    fake.revokeCopilotTokens();
    const revoked = await fetch(`${fake.capiUrl}/models`, { headers: headers({ authorization: `Bearer ${env.token}` }) });
    assert.equal(revoked.status, 401);
    copilotToken = await exchange();
    assert.equal((await fetch(`${fake.capiUrl}/models`, { headers: headers() })).status, 200);
  });

  test("466 for an unsupported X-GitHub-Api-Version, 400 without Editor-Version", async () => {
    const old = await fetch(`${fake.capiUrl}/models`, { headers: headers({ "x-github-api-version": "2025-04-01" }) });
    assert.equal(old.status, 466);
    assert.deepEqual(await old.json(), {
      error: {
        message: "bad request: the specified API version is no longer supported. You may need to update your client to a newer version.\n",
        type: "error",
      },
    });
    const { "editor-version": _drop, ...noEditor } = headers();
    const res = await fetch(`${fake.capiUrl}/models`, { headers: noEditor });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as any).error.message, /missing Editor-Version header for IDE auth/);
  });

  test("421 on a CAPI base other than endpoints.api; setEndpointsApi moves it", async () => {
    const proxy = await fetch(`${fake.url}/capi-proxy/models`, { headers: headers() });
    assert.equal(proxy.status, 421);
    assert.equal(await proxy.text(), "Misdirected Request");
    const original = fake.capiUrl;
    fake.setEndpointsApi(`${fake.url}/capi-enterprise`);
    try {
      assert.equal((await fetch(`${original}/models`, { headers: headers() })).status, 421);
      assert.equal((await fetch(`${fake.url}/capi-enterprise/models`, { headers: headers() })).status, 200);
      const user = await fetch(`${fake.githubApiUrl}/copilot_internal/user`, { headers: { authorization: `Bearer ${DEFAULT_GITHUB_TOKEN}` } });
      const body = (await user.json()) as Record<string, any>;
      assert.equal(body.endpoints.api, `${fake.url}/capi-enterprise`);
      assert.equal(body.quota_snapshots.premium_interactions.remaining, 120);
    } finally {
      fake.setEndpointsApi(original);
    }
  });

  test("vision header must match the presence of images", async () => {
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } };
    const withImage = { model: "gpt-4.1", messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, image] }] };
    const missing = await post("/chat/completions", withImage);
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as any).error.message, /missing required Copilot-Vision-Request header/);
    const extra = await post("/chat/completions", { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }, { "copilot-vision-request": "true" });
    assert.equal(extra.status, 429);
    const nested = {
      model: "claude-sonnet-4.5",
      max_tokens: 100,
      messages: [
        { role: "user", content: "shoot" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "screenshot", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] }],
        },
      ],
    };
    assert.equal((await post("/v1/messages", nested)).status, 400);
    assert.equal((await post("/v1/messages", nested, { "copilot-vision-request": "true" })).status, 200);
    assert.equal((await post("/chat/completions", withImage, { "copilot-vision-request": "true" })).status, 200);
  });

  test("model routing: unknown, wrong endpoint, dashed Claude id", async () => {
    const wrong = await post("/chat/completions", { model: "gpt-5.4", messages: [{ role: "user", content: "hi" }] });
    assert.equal(wrong.status, 400);
    assert.deepEqual(((await wrong.json()) as any).error.code, "unsupported_api_for_model");
    const dashed = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    assert.equal(((await dashed.json()) as any).error.code, "model_not_supported");
  });

  test("/v1/messages rejects extra fields and ends its stream with `event: message` / `data: [DONE]`", async () => {
    const extra = await post("/v1/messages", {
      model: "claude-sonnet-4.5",
      max_tokens: 100,
      context_management: { edits: [] },
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(extra.status, 400);
    assert.deepEqual(await extra.json(), {
      type: "error",
      error: { type: "invalid_request_error", message: "context_management: Extra inputs are not permitted" },
    });

    const body = { model: "claude-sonnet-4.5", max_tokens: 2000, stream: true, messages: [{ role: "user", content: "run echo hi" }], tools: [{ name: "Bash", input_schema: { type: "object", properties: { command: { type: "string" } } } }], thinking: { type: "enabled", budget_tokens: 1024 } };
    const res = await post("/v1/messages", body);
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    assert.deepEqual(events.at(-1), { event: "message", data: "[DONE]" });
    assert.equal(events.at(-2)!.event, "message_stop");
    assert.equal(events[0]!.event, "message_start");
    const start = JSON.parse(events[0]!.data);
    assert.equal(start.message.model, "claude-sonnet-4-5");
    assert.equal(start.message.usage.input_tokens, promptTokens("messages", body));
    const json = events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
    const partial = json.filter((e) => e.delta?.type === "input_json_delta").map((e) => e.delta.partial_json);
    assert.ok(partial.length >= 2);
    assert.deepEqual(JSON.parse(partial.join("")), { command: "echo hi" });
    const delta = json.find((e) => e.type === "message_delta");
    assert.equal(delta.delta.stop_reason, "tool_use");

    // The signed thinking block goes back verbatim; a tampered one is refused.
    const thinking = json.filter((e) => e.delta?.type === "thinking_delta").map((e) => e.delta.thinking).join("");
    const signature = json.find((e) => e.delta?.type === "signature_delta").delta.signature;
    const toolId = json.find((e) => e.content_block?.type === "tool_use").content_block.id;
    const turn2 = (t: string) => ({
      ...body,
      stream: false,
      messages: [
        ...body.messages,
        { role: "assistant", content: [{ type: "thinking", thinking: t, signature }, { type: "tool_use", id: toolId, name: "Bash", input: { command: "echo hi" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolId, content: "hi\n" }] },
      ],
    });
    const good = await post("/v1/messages", turn2(thinking));
    assert.equal(good.status, 200);
    const reply = (await good.json()) as any;
    assert.equal(reply.content.find((b: any) => b.type === "text").text, "Tool result: hi");
    const bad = await post("/v1/messages", turn2(`${thinking} (edited)`));
    assert.equal(((await bad.json()) as any).error.message, "messages.1.content.0: Invalid signature in thinking block");
  });

  test("body rules of the three chat endpoints and embeddings", async () => {
    const user = { role: "user", content: "hi" };
    const claude = { model: "claude-sonnet-4.5", max_tokens: 2000 };
    const vision = { "copilot-vision-request": "true" };
    const cases: [string, unknown, RegExp, Record<string, string>?][] = [
      ["/v1/messages", { ...claude, system: [{ type: "text", text: "a" }, { type: "text", text: "b", cache_control: { type: "ephemeral", scope: "global" } }], messages: [user] }, /^system\.1\.cache_control\.ephemeral\.scope: Extra inputs are not permitted$/],
      ["/v1/messages", { ...claude, messages: [{ role: "user", content: "x" }, { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] }, { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "o", cache_control: { type: "ephemeral" } }] }] }] }, /^cache_control may not be specified within tool_result\.content/],
      ["/v1/messages", { ...claude, messages: [user], tools: [{ name: "Bash", input_schema: { type: "object" }, eager_input_streaming: true }] }, /^tools\.0\.custom\.eager_input_streaming: Extra inputs are not permitted$/],
      ["/v1/messages", { ...claude, messages: [user], tools: [{ type: "web_search_20250305", name: "web_search" }] }, /^The use of the web search tool is not supported\.$/],
      ["/v1/messages", { ...claude, system: [{ type: "text", text: "x-anthropic-billing-header: cc_version=1; cch=abcde;" }], messages: [user] }, /x-anthropic-billing-header is a reserved keyword/],
      ["/v1/messages", { ...claude, messages: [user, { role: "assistant", content: "prefill" }] }, /must end with a user message/],
      ["/v1/messages", { ...claude, messages: [{ role: "system", content: "s" }, user] }, /^messages\.0\.role: Input should be 'user' or 'assistant'$/],
      ["/v1/messages", { ...claude, temperature: 1, top_p: 0.9, messages: [user] }, /`temperature` and `top_p` cannot both be specified/],
      ["/v1/messages", { ...claude, messages: [user, { role: "assistant", content: [{ type: "thinking", thinking: "", signature: "x" }, { type: "text", text: "a" }] }, user] }, /^messages\.1\.content\.0\.thinking: each thinking block must contain thinking$/],
      ["/chat/completions", { model: "gpt-5-mini", max_tokens: 10, messages: [user] }, /Use 'max_completion_tokens' instead/],
      ["/chat/completions", { model: "claude-sonnet-4.5", temperature: 1, top_p: 1, messages: [user] }, /cannot both be specified/],
      ["/chat/completions", { model: "gpt-4.1", messages: [user, { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[]" } }] }, { role: "tool", tool_call_id: "c", content: "x" }] }, /^Invalid JSON format in tool call arguments$/],
      ["/chat/completions", { model: "gpt-4.1", messages: [{ role: "user", content: [null] }] }, /^invalid request body, failed to validate schema: .*got null/],
      ["/chat/completions", { model: "gpt-4.1", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: null } }] }] }, /failed to validate schema: .*image_url\.url: got null, want string/, vision],
      ["/chat/completions", { model: "gpt-4.1", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] }, /^external image URLs are not supported$/, vision],
      ["/chat/completions", { model: "gpt-4.1", messages: [user], tools: [{ type: "function", function: { name: "noargs", parameters: { type: "object" } } }] }, /^Invalid schema for function 'noargs': In context=\(\), object schema missing properties\.$/],
      ["/chat/completions", { model: "gpt-4o-copilot", messages: [user] }, /^Model is not supported for this request\.$/],
      ["/responses", { model: "gpt-5.4", input: "hi", tools: [{ type: "custom", name: "apply_patch" }] }, /custom/],
      ["/responses", { model: "gpt-5.4", input: [{ role: "user", content: [{ type: "input_image", image_url: "data:image/png;base64,AA", detail: "auto" }] }] }, /^image detail has to be either 'low' or 'high'$/, vision],
      ["/responses", { model: "gpt-5.4", input: [{ type: "item_reference", id: "rs_123" }, { role: "user", content: "hi" }] }, /^Item with id 'rs_123' not found\. Items are not persisted when store is set to false/],
      ["/embeddings", { model: "text-embedding-3-small", input: ["a"], encoding_format: "base64" }, /encoding_format/],
      ["/embeddings", { model: "gpt-4.1", input: ["a"] }, /^Model is not supported for this request\.$/],
    ];
    for (const [path, body, expected, extra] of cases) {
      const res = await post(path, body, extra);
      const json = (await res.json()) as any;
      assert.equal(res.status, 400, `${path} ${JSON.stringify(json)}`);
      assert.match(json.error.message, expected);
      if (path === "/v1/messages") assert.equal(json.type, "error");
    }

    // Encrypted reasoning comes back verbatim (same model) or is refused.
    const first = (await (await post("/responses", { model: "gpt-5.4", input: "[[think]] hi", include: ["reasoning.encrypted_content"] })).json()) as any;
    const reasoning = first.output[0];
    assert.equal(reasoning.type, "reasoning");
    const replay = (item: unknown) => post("/responses", { model: "gpt-5.4", input: [{ role: "user", content: "hi" }, item, { role: "user", content: "again" }] });
    assert.equal((await replay(reasoning)).status, 200);
    assert.equal((await replay({ ...reasoning, encrypted_content: `${reasoning.encrypted_content}x` })).status, 400);
  });

  test("/responses streams rotate item ids while output_index stays put, and end with [DONE]", async () => {
    const res = await post("/responses", {
      model: "gpt-5.3-codex",
      stream: true,
      store: false,
      include: ["reasoning.encrypted_content"],
      reasoning: { effort: "low", summary: "detailed" },
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "say hi" }] }],
    });
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    assert.equal(events.at(-1)!.data, "[DONE]");
    const json = events.slice(0, -1).map((e) => ({ event: e.event, ...JSON.parse(e.data) }));
    json.forEach((e, i) => {
      assert.equal(e.sequence_number, i);
      assert.equal(e.event, e.type);
    });
    const messageIds = json.filter((e) => e.output_index === 1).map((e) => e.item_id ?? e.item.id);
    assert.ok(messageIds.length > 4);
    assert.equal(new Set(messageIds).size, messageIds.length, "every event carries a fresh item id");
    const completed = json.find((e) => e.type === "response.completed");
    assert.equal(completed.response.output[0].type, "reasoning");
    assert.ok(completed.response.output[0].encrypted_content.startsWith("gAAAAA"));
    assert.match(completed.response.output[1].content[0].text, /^Hello from fake Copilot \(gpt-5\.3-codex\): say hi/);

    const refused = await post("/responses", { model: "gpt-5.3-codex", previous_response_id: "resp_1", input: "hi" });
    assert.equal(((await refused.json()) as any).error.message, "previous_response_id is not supported");
  });

  test("split chunks reassemble into valid SSE, cutting through multi-byte characters", async () => {
    const res = await post("/chat/completions", {
      model: "claude-sonnet-4.5",
      stream: true,
      messages: [{ role: "user", content: "[[emoji]] run ls -la" }],
      tools: [{ type: "function", function: { name: "bash", parameters: { type: "object", properties: { command: { type: "string" } } } } }],
    });
    const { chunks, text } = await readChunks(res);
    assert.ok(chunks.length > 1);
    const events = parseSse(text);
    assert.equal(events.at(-1)!.data, "[DONE]");
    const json = events.slice(0, -1).map((e) => JSON.parse(e.data));
    const usage = json.at(-1);
    assert.deepEqual(usage.choices, []);
    assert.equal(usage.usage.prompt_tokens, promptTokens("chat", { messages: [{ role: "user", content: "[[emoji]] run ls -la" }], tools: [{ type: "function", function: { name: "bash", parameters: { type: "object", properties: { command: { type: "string" } } } } }] }));
    const toolDeltas = json.flatMap((c) => c.choices.filter((ch: any) => ch.delta?.tool_calls));
    assert.ok(toolDeltas.every((ch: any) => ch.index === 1), "Claude tool calls arrive in choices[1]");
    assert.deepEqual(JSON.parse(toolDeltas.map((ch: any) => ch.delta.tool_calls[0].function.arguments).join("")), { command: "ls -la" });

    const emoji = Buffer.from('data: {"t":"héllo 🌍 世界"}\n\n');
    const { pieces } = splitPieces(emoji);
    assert.deepEqual(Buffer.concat(pieces), emoji);
    assert.ok(pieces.some((p) => Buffer.from(p).toString("utf8").includes("\uFFFD")), "some piece ends or starts mid-character");
  });

  test("a queued fault is consumed exactly once", async () => {
    fake.fault({ path: "/chat/completions", status: 429, headers: { "retry-after": "7" } });
    assert.equal(fake.pendingFaults, 1);
    const body = { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] };
    const first = await post("/chat/completions", body);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get("retry-after"), "7");
    assert.equal(((await first.json()) as any).error.code, "user_model_rate_limited");
    const second = await post("/chat/completions", body);
    assert.equal(second.status, 200);
    assert.equal(fake.pendingFaults, 0);

    fake.fault({ kind: "truncate" });
    const cut = await post("/chat/completions", { ...body, stream: true });
    const events = parseSse(await cut.text());
    assert.ok(events.length > 1 && !events.some((e) => e.data === "[DONE]"));
    const whole = parseSse(await (await post("/chat/completions", { ...body, stream: true })).text());
    assert.equal(whole.at(-1)!.data, "[DONE]");
  });

  test("a client abort during a stalled stream is seen upstream", async () => {
    fake.fault({ path: "/v1/messages", kind: "stall-after-first-chunk" });
    const before = fake.abortedRequests;
    const ac = new AbortController();
    const res = await fetch(`${fake.capiUrl}/v1/messages`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: "claude-haiku-4.5", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.match(Buffer.from(first.value!).toString("utf8"), /^event: message_start/);
    assert.ok(fake.activeRequests >= 1);
    const aborted = fake.nextAbort();
    ac.abort();
    await reader.read().catch(() => undefined);
    const call = await aborted;
    assert.equal(call.route, "/v1/messages");
    assert.equal(fake.abortedRequests, before + 1);
    await fake.whenIdle();
    assert.equal(fake.activeRequests, 0);
  });
});
