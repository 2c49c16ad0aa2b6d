import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { clientBin, runClient, startEgressTrap } from "../helpers/clients.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/**
 * The real Gemini CLI (pinned in e2e/clients), headless, against copilot-api and the fake Copilot,
 * through a tool round trip: turn 1 the model calls run_shell_command (offered under --yolo),
 * Gemini CLI runs it, turn 2 the model reads the result. Outside traffic is refused by a closed
 * proxy, and usage statistics and telemetry are off.
 */
describe("Gemini CLI end to end", () => {
  let h: Harness;
  let trap: Awaited<ReturnType<typeof startEgressTrap>>;
  let scratch: string;
  const gemini = clientBin("gemini");

  before(async () => {
    h = await startHarness();
    trap = await startEgressTrap();
    scratch = await mkdtemp(join(tmpdir(), "copilot-api-gemini-"));
  });
  after(async () => {
    await h.close();
    await trap.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function roundTrip(model: string, upstreamPath: string) {
    h.fake.reset();
    const nonce = `nonce-${randomBytes(6).toString("hex")}`;
    const home = await mkdtemp(join(scratch, "home-"));
    const cwd = await mkdtemp(join(scratch, "cwd-"));
    await mkdir(join(home, ".gemini"));
    // Without selectedType the base URL makes Gemini CLI pick the "gateway" auth, which -p refuses (real-clients.md 7).
    const settings = { security: { auth: { selectedType: "gemini-api-key" } }, privacy: { usageStatisticsEnabled: false }, telemetry: { enabled: false } };
    await writeFile(join(home, ".gemini", "settings.json"), JSON.stringify(settings));
    const run = await runClient(
      gemini,
      ["-m", model, "-o", "json", "--yolo", "-p", `run echo ${nonce}`],
      {
        HOME: home,
        GOOGLE_GEMINI_BASE_URL: h.url,
        GEMINI_API_KEY: "dummy",
        GEMINI_CLI_TRUST_WORKSPACE: "true",
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        NO_PROXY: "127.0.0.1,localhost",
      },
      cwd,
      120_000,
    );
    assert.equal(run.code, 0, `gemini exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as { response: string; stats?: { tools?: { totalCalls?: number; totalSuccess?: number } } };
    assert.ok(result.response.includes(`Tool result:`) && result.response.includes(nonce), `the answer should quote the tool output: ${result.response}`);
    assert.equal(result.stats?.tools?.totalSuccess, 1, run.stdout);

    const posts = h.fake.calls.filter((c) => c.route === upstreamPath);
    assert.equal(posts.length, 2, `expected one upstream call per turn, saw ${h.fake.calls.map((c) => c.route).join(", ")}`);
    for (const call of posts) assert.equal(call.body.stream, true);
    assert.equal(posts[0]!.headers["x-initiator"], "user");
    assert.equal(posts[1]!.headers["x-initiator"], "agent");
    assert.ok(posts[1]!.rawBody.includes(nonce), "turn 2 carries the tool output");
    assert.deepEqual(trap.attempts, [], "Gemini CLI tried to reach an outside host");
    return posts;
  }

  test("Claude (native /v1/messages): tool round trip with signed thinking carried back", async () => {
    const posts = await roundTrip("claude-sonnet-4.5", "/v1/messages");
    assert.equal((posts[0]!.body.thinking as { type?: string } | undefined)?.type, "enabled", "Gemini CLI's thinkingConfig turns Claude's thinking on");
    const turn2 = posts[1]!.body.messages as { role: string; content: { type: string; signature?: string }[] }[];
    const assistant = turn2.find((m) => m.role === "assistant");
    assert.equal(assistant?.content[0]?.type, "thinking", "the thinking block leads the tool turn");
    assert.ok(assistant?.content[0]?.signature, "with its signature");
  });

  test("chat-only model (gemini-2.5-pro on /chat/completions): tool round trip", async () => {
    const posts = await roundTrip("gemini-2.5-pro", "/chat/completions");
    const turn2 = posts[1]!.body as { messages: { role: string; tool_call_id?: string }[] };
    assert.ok(turn2.messages.some((m) => m.role === "tool" && m.tool_call_id), "the result went back as a tool message");
  });

  test("responses-only model (gpt-5.4 on /responses): tool round trip", async () => {
    const posts = await roundTrip("gpt-5.4", "/responses");
    const input = posts[1]!.body.input as { type?: string }[];
    assert.ok(input.some((i) => i.type === "function_call_output"), "the result went back as a function_call_output");
  });
});
