import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { clientBin, runClient, startEgressTrap } from "../helpers/clients.js";
import { type Harness, startHarness } from "../helpers/harness.js";

type Provider = "@ai-sdk/openai" | "@ai-sdk/openai-compatible" | "@ai-sdk/anthropic";

/**
 * opencode's config for one provider on copilot-api, as the README gives it: `@ai-sdk/openai` speaks
 * the Responses API, `@ai-sdk/openai-compatible` Chat Completions, `@ai-sdk/anthropic` Messages
 * (all three take a base URL ending in /v1).
 */
export function opencodeConfig(baseUrl: string, npm: Provider, model: string): Record<string, unknown> {
  return {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    permission: { bash: "allow" },
    provider: {
      "copilot-api": {
        npm,
        name: "copilot-api",
        options: { baseURL: `${baseUrl}/v1`, apiKey: "dummy" },
        models: { [model]: { name: model, tool_call: true } },
      },
    },
    model: `copilot-api/${model}`,
  };
}

interface OpencodeEvent {
  type: string;
  part?: { tool?: string; text?: string; reason?: string; state?: { status?: string; output?: string }; tokens?: { input?: number; output?: number } };
  error?: unknown;
}

/**
 * The real opencode (pinned in e2e/clients; it runs on Bun inside) through a tool round trip on
 * each of its three provider packages: it runs the command the model asks for and sends the output
 * back. opencode tries to install plugins from the npm registry in the background; the egress trap
 * refuses every outside connection, so the run stays on loopback (real-clients.md 7).
 */
describe("opencode end to end", () => {
  let h: Harness;
  let trap: Awaited<ReturnType<typeof startEgressTrap>>;
  let scratch: string;
  const opencode = clientBin("opencode");

  before(async () => {
    h = await startHarness();
    trap = await startEgressTrap();
    scratch = await mkdtemp(join(tmpdir(), "copilot-api-oc-"));
  });
  after(async () => {
    await h.close();
    await trap.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function roundTrip(npm: Provider, model: string, upstreamPath: string) {
    h.fake.reset();
    const nonce = `nonce-${randomBytes(6).toString("hex")}`;
    const home = await mkdtemp(join(scratch, "home-"));
    const cwd = await mkdtemp(join(scratch, "cwd-"));
    const run = await runClient(
      opencode,
      // opencode sends the prompt wrapped in double quotes; the `#` makes the closing one a shell comment.
      ["run", "--format", "json", "--title", "e2e", "-m", `copilot-api/${model}`, `run echo ${nonce} #`],
      {
        HOME: home,
        // Bun unpacks a native library into TMPDIR: keep it in the run's own directory.
        TMPDIR: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_DATA_HOME: join(home, ".local/share"),
        XDG_CACHE_HOME: join(home, ".cache"),
        XDG_STATE_HOME: join(home, ".local/state"),
        OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfig(h.url, npm, model)),
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
        OPENCODE_DISABLE_PROJECT_CONFIG: "1",
        OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        NO_PROXY: "127.0.0.1,localhost",
      },
      cwd,
      90_000,
    );
    const events = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as OpencodeEvent);
    const detail = `opencode exited ${run.code}\nstdout: ${run.stdout.slice(-4000)}\nstderr: ${run.stderr.slice(-4000)}`;
    assert.equal(run.code, 0, detail);
    assert.ok(!events.some((e) => e.type === "error"), detail);
    const tool = events.find((e) => e.type === "tool_use" && e.part?.tool === "bash");
    assert.equal(tool?.part?.state?.status, "completed", detail);
    assert.ok(tool?.part?.state?.output?.includes(nonce), `the command ran: ${detail}`);
    const answer = events.filter((e) => e.type === "text").map((e) => e.part?.text ?? "").join("");
    assert.ok(answer.includes(`Tool result: ${nonce}`), `the model read the tool output: ${detail}`);

    const posts = h.fake.callsTo(upstreamPath);
    assert.ok(posts.length >= 2, `expected a call per turn on ${upstreamPath}, saw ${h.fake.calls.map((c) => c.route).join(", ")}`);
    const last = posts.at(-1)!;
    assert.ok(last.rawBody.includes(nonce), "the last turn carries the tool output");
    assert.equal(last.headers["x-initiator"], "agent", "the tool-result turn is not billed as a user turn");
    // Only loopback: anything else opencode tried (plugins from the registry) was refused by the trap.
    assert.ok(trap.attempts.every((a) => /^CONNECT registry\.npmjs\.org:443$/.test(a)), trap.attempts.join("\n"));
    return posts;
  }

  test("Responses API (@ai-sdk/openai) on a responses-only model (gpt-5.4): tool round trip with reasoning", async () => {
    const posts = await roundTrip("@ai-sdk/openai", "gpt-5.4", "/responses");
    assert.equal(posts[0]!.body.model, "gpt-5.4");
    // opencode asks for reasoning and its encrypted state, and sends the reasoning item back in
    // turn 2, matched to its stream parts by the item id it saw (real-clients.md 7).
    assert.ok(posts[0]!.body.reasoning, JSON.stringify(posts[0]!.body.reasoning));
    assert.ok((posts[0]!.body.include ?? []).includes("reasoning.encrypted_content"));
    assert.ok((posts.at(-1)!.body.input as { type?: string }[]).some((i) => i.type === "reasoning"), "the reasoning item went back");
  });

  test("Anthropic provider (@ai-sdk/anthropic) on a Claude model: tool round trip on native /v1/messages", async () => {
    const posts = await roundTrip("@ai-sdk/anthropic", "claude-sonnet-4.5", "/v1/messages");
    assert.equal(posts[0]!.body.model, "claude-sonnet-4.5");
  });

  test("chat provider (@ai-sdk/openai-compatible) on a chat-only model (gemini-2.5-pro)", async () => {
    const posts = await roundTrip("@ai-sdk/openai-compatible", "gemini-2.5-pro", "/chat/completions");
    const turn2 = posts.at(-1)!.body as { messages: { role: string; tool_call_id?: string }[] };
    assert.ok(turn2.messages.some((m) => m.role === "tool" && m.tool_call_id), "the tool result went back as a tool message");
  });
});
