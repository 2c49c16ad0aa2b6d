// What the bench sends: each scenario as the same work twice, once direct to the fake Copilot
// (with the headers and body copilot-api itself would send upstream) and once through copilot-api.
import { randomUUID } from "node:crypto";
import { createCopilotHeaders } from "../src/upstream/headers.js";
import { buildIdentity } from "../src/upstream/identity.js";
import { interceptMessages } from "../src/interceptors/messages/index.js";
import { DEFAULT_API_VERSION } from "../src/config.js";
import type { CopilotModel } from "../src/upstream/model-catalog.js";
import type { FakeInfo } from "./children.js";
import { syntheticBody } from "./claude-code-body.js";
import type { Target } from "./load.js";
import { chunkText, validateAnthropicStream, validateChatJson, validateChatStream, validateCountTokens } from "./validate.js";

/** direct: to the fake; proxy: through copilot-api on Node; bun: the same under Bun; floor: the bare proxy. */
export type Mode = "direct" | "proxy" | "bun" | "floor";

/** Through copilot-api, under either runtime. */
const served = (mode: Mode) => mode === "proxy" || mode === "bun";

export interface Scenario {
  id: string;
  /** The issue's letter: a … e. */
  group: "a" | "b" | "c" | "d" | "e";
  title: string;
  concurrency: number;
  /** Measured requests per mode. */
  count: number;
  /** Unmeasured requests per mode before the first batch. */
  warmup: number;
  /** Batches per mode, interleaved direct/proxy (ABBA) to cancel drift. */
  batches: number;
  target(mode: Mode, i: number, phase: "warmup" | "measure"): Target;
  /** Also run through the floor proxy (bench/floor-proxy.ts): plain passthrough scenarios only. */
  floor?: boolean;
  validate(mode: Mode, text: string): string | undefined;
}

const CHAT_MODEL = "gpt-4.1"; // served on /chat/completions only
const CLAUDE_MODEL = "claude-sonnet-4.6"; // native /v1/messages
const CHUNKS = 100;
const NATIVE_CHUNKS = 20;

export interface Upstream {
  token: string;
  capiUrl: string;
  models: CopilotModel[];
}

/** A Copilot session for the direct runs: the token exchange copilot-api does at start. */
export async function directSession(fake: FakeInfo): Promise<Upstream> {
  const res = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, {
    headers: { authorization: `token ${fake.githubToken}`, accept: "application/json" },
  });
  if (!res.ok) throw new Error(`token exchange: HTTP ${res.status}`);
  const session = (await res.json()) as { token: string; endpoints: { api: string } };
  const headers = createCopilotHeaders(buildIdentity({ deviceId: randomUUID(), machineId: randomUUID() }), DEFAULT_API_VERSION);
  const list = await fetch(`${session.endpoints.api}/models`, { headers: headers(session.token, { intent: "model-access" }) });
  if (!list.ok) throw new Error(`models: HTTP ${list.status}`);
  const models = ((await list.json()) as { data: CopilotModel[] }).data;
  return { token: session.token, capiUrl: session.endpoints.api, models };
}

function split(url: string): { origin: string; base: string } {
  const u = new URL(url);
  return { origin: u.origin, base: u.pathname.replace(/\/+$/, "") };
}

/** The headers copilot-api sends upstream that don't change per request, for the floor proxy to add. */
export function staticUpstreamHeaders(): Record<string, string> {
  const h = createCopilotHeaders(buildIdentity({ deviceId: randomUUID(), machineId: randomUUID() }), DEFAULT_API_VERSION)("x", { intent: "conversation-panel", initiator: "user" });
  delete h.authorization;
  delete h["x-request-id"];
  delete h["x-agent-task-id"];
  return { ...h, "anthropic-version": "2023-06-01" };
}

export function buildScenarios(fake: FakeInfo, upstream: Upstream, proxyUrl: string, scale: number, floorUrl?: string, bunUrl?: string): Scenario[] {
  const bun = bunUrl ? split(bunUrl).origin : undefined;
  // The Bun server gets what the Node one gets, at its own address.
  return scenarios(fake, upstream, proxyUrl, scale, floorUrl).map((s) => ({
    ...s,
    target: (mode, i, phase) => (mode === "bun" ? { ...s.target(mode, i, phase), origin: bun! } : s.target(mode, i, phase)),
  }));
}

function scenarios(fake: FakeInfo, upstream: Upstream, proxyUrl: string, scale: number, floorUrl?: string): Scenario[] {
  const direct = split(upstream.capiUrl);
  const proxy = split(proxyUrl);
  const floor = floorUrl ? split(floorUrl) : undefined;
  /** The direct request, sent through the floor proxy instead (it adds the auth and identity headers). */
  const viaFloor = (t: Target, path: string): Target => ({ origin: floor!.origin, path, headers: { "content-type": "application/json" }, body: t.body });
  const copilotHeaders = createCopilotHeaders(buildIdentity({ deviceId: randomUUID(), machineId: randomUUID() }), DEFAULT_API_VERSION);
  const upHeaders = (intent: "conversation-panel" | "messages-proxy", extra: Record<string, string> = {}) => ({
    ...copilotHeaders(upstream.token, { intent, initiator: "user" }),
    ...extra,
  });
  const n = (x: number) => Math.max(4, Math.round(x * scale));
  void fake;

  const chatBody = (stream: boolean, text: string) =>
    JSON.stringify({ model: CHAT_MODEL, stream, messages: [{ role: "system", content: "You are terse." }, { role: "user", content: text }] });
  const messagesBody = (text: string) => JSON.stringify({ model: CHAT_MODEL, max_tokens: 1024, stream: true, messages: [{ role: "user", content: text }] });
  const anthropicHeaders = { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "bench" };
  const claudeCodeHeaders = (session: string) => ({
    ...anthropicHeaders,
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
    "user-agent": "claude-cli/2.1.197 (external, cli)",
    "x-app": "cli",
    "x-claude-code-session-id": session,
  });
  const session = randomUUID();

  // (d): a Claude Code request (billing header included) whose answer is a short stream.
  const claudeBody = syntheticBody(1);
  (claudeBody.messages as unknown[]).push(
    { role: "assistant", content: [{ type: "text", text: "Listed." }] },
    { role: "user", content: [{ type: "text", text: `Summarise it. [[chunks:${NATIVE_CHUNKS}]]` }] },
  );
  const claudeProxy = JSON.stringify({ ...claudeBody, model: "claude-sonnet-4-6", stream: true });
  const claudeModel = upstream.models.find((m) => m.id === CLAUDE_MODEL);
  if (!claudeModel) throw new Error(`the fake has no ${CLAUDE_MODEL}`);
  const claudeDirect = JSON.stringify(interceptMessages(JSON.parse(claudeProxy), claudeModel));
  // (e): the same body counted; "first time" bodies are all different (other seeds).
  const countProxy = JSON.stringify({ ...claudeBody, model: "claude-sonnet-4-6" });
  const countDirect = JSON.stringify((({ stream: _s, ...rest }) => rest)(JSON.parse(claudeDirect) as Record<string, unknown>));
  const freshCache = new Map<string, { proxy: string; direct: string }>();
  const fresh = (mode: Mode, i: number, phase: "warmup" | "measure") => {
    // Seeds: proxy measure 1000+, warm-up 5000+; direct 9000+/13000+; Bun 17000+/21000+: never the same body twice to a server.
    const seed = (mode === "proxy" ? 1000 : mode === "bun" ? 17_000 : 9000) + (phase === "warmup" ? 4000 : 0) + i;
    const key = String(seed);
    let pair = freshCache.get(key);
    if (!pair) {
      const body = { ...syntheticBody(seed), model: "claude-sonnet-4-6" };
      const proxyText = JSON.stringify(body);
      pair = { proxy: proxyText, direct: JSON.stringify(interceptMessages(JSON.parse(proxyText), claudeModel)) };
      freshCache.set(key, pair);
    }
    return served(mode) ? pair.proxy : pair.direct;
  };

  const nonStream = (id: string, concurrency: number, count: number): Scenario => ({
    id,
    group: "a",
    title: `chat completions, non-streaming, c=${concurrency}`,
    concurrency,
    count: n(count),
    warmup: n(count / 10),
    batches: 6,
    floor: true,
    target: (mode) => {
      const d: Target = { origin: direct.origin, path: `${direct.base}/chat/completions`, headers: upHeaders("conversation-panel"), body: chatBody(false, "Say hello.") };
      if (mode === "direct") return d;
      if (mode === "floor") return viaFloor(d, "/v1/chat/completions");
      return { origin: proxy.origin, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer bench" }, body: chatBody(false, "Say hello.") };
    },
    validate: (_mode, text) => validateChatJson(text),
  });

  const chatStream = (id: string, concurrency: number, count: number): Scenario => ({
    id,
    group: "b",
    title: `chat completions, ${CHUNKS}-chunk stream, passthrough, c=${concurrency}`,
    concurrency,
    count: n(count),
    warmup: n(count / 10),
    batches: 6,
    floor: true,
    target: (mode) => {
      const body = chatBody(true, `Count. [[chunks:${CHUNKS}]]`);
      const d: Target = { origin: direct.origin, path: `${direct.base}/chat/completions`, headers: upHeaders("conversation-panel"), body };
      if (mode === "direct") return d;
      if (mode === "floor") return viaFloor(d, "/v1/chat/completions");
      return { origin: proxy.origin, path: "/v1/chat/completions", headers: { "content-type": "application/json", authorization: "Bearer bench" }, body };
    },
    validate: (_mode, text) => validateChatStream(text, chunkText(CHUNKS)),
  });

  const translated = (id: string, concurrency: number, count: number, paceMs: number, batches = 6): Scenario => ({
    id,
    group: "c",
    title: `/v1/messages stream translated from chat, ${CHUNKS} chunks${paceMs ? `, upstream paced ${paceMs} ms` : ""}, c=${concurrency}`,
    concurrency,
    count: n(count),
    warmup: paceMs ? 2 : n(count / 10),
    batches,
    floor: true,
    target: (mode) => {
      const text = `Count. [[chunks:${CHUNKS}]]${paceMs ? ` [[pace:${paceMs}]]` : ""}`;
      const d: Target = { origin: direct.origin, path: `${direct.base}/chat/completions`, headers: upHeaders("messages-proxy"), body: chatBody(true, text) };
      if (mode === "direct") return d;
      // The floor pipes the upstream chat stream untranslated: what any proxy pays for these sockets.
      if (mode === "floor") return viaFloor(d, "/v1/chat/completions");
      return { origin: proxy.origin, path: "/v1/messages", headers: anthropicHeaders, body: messagesBody(text) };
    },
    validate: (mode, text) => (served(mode) ? validateAnthropicStream(text, chunkText(CHUNKS)) : validateChatStream(text, chunkText(CHUNKS))),
  });

  return [
    nonStream("a1", 1, 2000),
    nonStream("a32", 32, 2000),
    chatStream("b1", 1, 300),
    chatStream("b32", 32, 300),
    translated("c1", 1, 300, 0),
    translated("c32", 32, 300, 0),
    translated("c-paced", 1, 24, 5, 4),
    {
      id: "d",
      group: "d",
      title: `/v1/messages native passthrough, 112 KB Claude Code body, ${NATIVE_CHUNKS}-chunk stream, c=4`,
      concurrency: 4,
      count: n(300),
      warmup: n(30),
      batches: 6,
      floor: true,
      target: (mode) => {
        const d: Target = { origin: direct.origin, path: `${direct.base}/v1/messages`, headers: upHeaders("messages-proxy", { "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14" }), body: claudeDirect };
        if (mode === "direct") return d;
        if (mode === "floor") return viaFloor(d, "/v1/messages");
        return { origin: proxy.origin, path: "/v1/messages", headers: claudeCodeHeaders(session), body: claudeProxy };
      },
      validate: (mode, text) => validateAnthropicStream(text, chunkText(NATIVE_CHUNKS), !served(mode)),
    },
    {
      id: "e-first",
      group: "e",
      title: "count_tokens, 112 KB body, first time (a new body each request), c=1",
      concurrency: 1,
      count: n(24),
      warmup: 3,
      batches: 4,
      target: (mode, i, phase) =>
        mode === "direct"
          ? { origin: direct.origin, path: `${direct.base}/v1/messages/count_tokens`, headers: upHeaders("messages-proxy", { "anthropic-version": "2023-06-01" }), body: fresh(mode, i, phase) }
          : { origin: proxy.origin, path: "/v1/messages/count_tokens", headers: claudeCodeHeaders(session), body: fresh(mode, i, phase) },
      validate: (_mode, text) => validateCountTokens(text),
    },
    ...[1, 8].map(
      (concurrency): Scenario => ({
        id: `e-repeat${concurrency}`,
        group: "e",
        title: `count_tokens, the same 112 KB body repeated, c=${concurrency}`,
        concurrency,
        count: n(300),
        warmup: n(20),
        batches: 6,
        target: (mode) =>
          mode === "direct"
            ? { origin: direct.origin, path: `${direct.base}/v1/messages/count_tokens`, headers: upHeaders("messages-proxy", { "anthropic-version": "2023-06-01" }), body: countDirect }
            : { origin: proxy.origin, path: "/v1/messages/count_tokens", headers: claudeCodeHeaders(session), body: countProxy },
        validate: (_mode, text) => validateCountTokens(text),
      }),
    ),
  ];
}
