import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { clientBin, runClient, startEgressTrap } from "../helpers/clients.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { FAKE_SOURCES } from "../fake-upstream/web-search.js";

/**
 * The real Claude Code CLI (pinned in e2e/clients) against copilot-api and the fake Copilot, through
 * a tool round trip: turn 1 the model calls Bash, Claude Code runs it, turn 2 the model reads the
 * result. Exactly one streaming POST per turn proves Claude Code never fell back to its silent
 * non-streaming retry, which would hide a broken stream (real-clients.md 1.2).
 */
describe("Claude Code end to end", () => {
  let h: Harness;
  let trap: Awaited<ReturnType<typeof startEgressTrap>>;
  let scratch: string;
  const claude = clientBin("claude");

  before(async () => {
    h = await startHarness();
    trap = await startEgressTrap();
    scratch = await mkdtemp(join(tmpdir(), "copilot-api-cc-"));
  });
  after(async () => {
    await h.close();
    await trap.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function roundTrip(model: string, upstreamPath: string, auth: Record<string, string>) {
    h.fake.reset();
    const nonce = `nonce-${randomBytes(6).toString("hex")}`;
    const home = await mkdtemp(join(scratch, "home-"));
    const cwd = await mkdtemp(join(scratch, "cwd-"));
    const run = await runClient(
      claude,
      ["-p", `run echo ${nonce}`, "--allowedTools", "Bash", "--output-format", "json"],
      {
        HOME: home,
        ANTHROPIC_BASE_URL: h.url,
        ANTHROPIC_MODEL: model,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        NO_PROXY: "127.0.0.1,localhost",
        ...auth,
      },
      cwd,
    );
    assert.equal(run.code, 0, `claude exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as { is_error: boolean; num_turns: number; result: string };
    assert.equal(result.is_error, false, run.stdout);
    assert.equal(result.num_turns, 2, run.stdout);
    assert.ok(result.result.includes(nonce), `the answer should quote the tool output: ${result.result}`);

    const clientPosts = h.fake.calls.filter((c) => c.route === upstreamPath);
    assert.equal(clientPosts.length, 2, `expected one upstream call per turn, saw ${clientPosts.map((c) => c.route).join(", ")}`);
    for (const call of clientPosts) assert.equal(call.body.stream, true, "every turn must stream (no silent non-stream fallback)");
    assert.equal(clientPosts[0]!.headers["x-initiator"], "user");
    assert.equal(clientPosts[1]!.headers["x-initiator"], "agent");
    assert.ok(clientPosts[1]!.rawBody.includes(nonce), "turn 2 carries the tool output");
    assert.deepEqual(trap.attempts, [], "Claude Code tried to reach an outside host");
    return clientPosts;
  }

  test("native /v1/messages model (claude-sonnet-4.5): tool round trip, billing header stripped", async () => {
    const posts = await roundTrip("claude-sonnet-4.5", "/v1/messages", { ANTHROPIC_AUTH_TOKEN: "dummy" });
    for (const call of posts) {
      assert.ok(!call.rawBody.includes("x-anthropic-billing-header"));
      assert.equal(call.body.model, "claude-sonnet-4.5");
    }
  });

  test("translated model (gpt-4.1 on /chat/completions): tool round trip through the IR", async () => {
    const posts = await roundTrip("gpt-4.1", "/chat/completions", { ANTHROPIC_AUTH_TOKEN: "dummy" });
    const turn2 = posts[1]!.body as { messages: { role: string; tool_call_id?: string }[] };
    assert.ok(turn2.messages.some((m) => m.role === "tool" && m.tool_call_id), "the tool result went back as a tool message");
  });

  test("dashed Claude Code model id (claude-opus-4-6) resolves to Copilot's claude-opus-4.6", async () => {
    const posts = await roundTrip("claude-opus-4-6", "/v1/messages", { ANTHROPIC_AUTH_TOKEN: "dummy" });
    assert.equal(posts[0]!.body.model, "claude-opus-4.6");
  });

  test("model discovery: Claude Code lists the gateway's Claude models from GET /v1/models", async () => {
    const home = await mkdtemp(join(scratch, "home-"));
    const run = await runClient(
      claude,
      ["-p", "hello", "--output-format", "json"],
      {
        HOME: home,
        ANTHROPIC_BASE_URL: h.url,
        ANTHROPIC_AUTH_TOKEN: "dummy",
        ANTHROPIC_MODEL: "claude-sonnet-4.5",
        CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        NO_PROXY: "127.0.0.1,localhost",
      },
      await mkdtemp(join(scratch, "cwd-")),
    );
    assert.equal(run.code, 0, `claude exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    // Claude Code keeps what it discovered in its cache; its /model picker shows these "From gateway".
    const cache = JSON.parse(await readFile(join(home, ".claude", "cache", "gateway-models.json"), "utf8")) as { models: { id: string; display_name: string }[] };
    const ids = cache.models.map((m) => m.id);
    assert.ok(ids.includes("claude-sonnet-4.5") && ids.includes("claude-opus-4.6"), ids.join(","));
    assert.equal(cache.models.find((m) => m.id === "claude-sonnet-4.5")?.display_name, "Claude Sonnet 4.5");
    assert.deepEqual(trap.attempts, [], "Claude Code tried to reach an outside host");
  });

  test("WebSearch: Claude Code's web search runs through Copilot's /responses and its sources reach the model", async () => {
    h.fake.reset();
    const home = await mkdtemp(join(scratch, "home-"));
    const run = await runClient(
      claude,
      ["-p", "search the web for copilot api news", "--allowedTools", "WebSearch", "--output-format", "json"],
      {
        HOME: home,
        ANTHROPIC_BASE_URL: h.url,
        ANTHROPIC_AUTH_TOKEN: "dummy",
        ANTHROPIC_MODEL: "claude-sonnet-4.5",
        ANTHROPIC_SMALL_FAST_MODEL: "claude-haiku-4.5",
        // Claude Code 2.1.332 defers WebSearch behind its ToolSearch tool; this offers it directly.
        ENABLE_TOOL_SEARCH: "false",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        NO_PROXY: "127.0.0.1,localhost",
      },
      await mkdtemp(join(scratch, "cwd-")),
    );
    assert.equal(run.code, 0, `claude exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as { is_error: boolean; result: string };
    assert.equal(result.is_error, false, run.stdout);
    const search = h.fake.callsTo("/responses");
    assert.equal(search.length, 1, h.fake.calls.map((c) => c.route).join(", "));
    assert.deepEqual(search[0]!.body.tools, [{ type: "web_search" }]);
    assert.ok(search[0]!.rawBody.includes("copilot api news"), "the query reached the search");
    // The model's second turn got Claude Code's WebSearch result: the sources' links.
    const turns = h.fake.callsTo("/v1/messages");
    assert.ok(turns.at(-1)!.rawBody.includes(FAKE_SOURCES[0]!.url), turns.at(-1)!.rawBody.slice(-2000));
    assert.ok(result.result.includes(FAKE_SOURCES[0]!.url), result.result);
    assert.deepEqual(trap.attempts, [], "Claude Code tried to reach an outside host");
  });

  test("native model with x-api-key auth (ANTHROPIC_API_KEY)", async () => {
    await roundTrip("claude-sonnet-4.5", "/v1/messages", { ANTHROPIC_API_KEY: "dummy" });
  });
});
