import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { codexConfig } from "../../src/cli/launch-helpers.js";
import { clientBin, runClient, startEgressTrap } from "../helpers/clients.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/** CODEX_HOME must live outside the system temp directory (real-clients.md 2.1). */
const SCRATCH_ROOT = fileURLToPath(new URL("../../.e2e-home/", import.meta.url));

/**
 * The block `start --codex` prints, plus what a test run needs: no update check, analytics or
 * extra features (they reach outside hosts), and no retries (a failure must fail fast).
 */
function configToml(baseUrl: string, model: string): string {
  const printed = codexConfig(baseUrl, model);
  return `check_for_update_on_startup = false
${printed.replace('wire_api = "responses"\n', 'wire_api = "responses"\nrequest_max_retries = 0\nstream_max_retries = 0\nstream_idle_timeout_ms = 15000\n')}
[analytics]
enabled = false

[features]
apps = false
plugins = false
remote_plugin = false
goals = false
`;
}

/**
 * The real Codex CLI (pinned in e2e/clients) through a tool round trip: it runs the command the
 * model asks for and sends the output back as a function_call_output, on a responses-native
 * model, a Claude model (translated to /v1/messages) and a chat-only model; and its free-form
 * apply_patch on a Claude model, which must come back to it as a custom_tool_call.
 */
describe("Codex CLI end to end", () => {
  let h: Harness;
  let trap: Awaited<ReturnType<typeof startEgressTrap>>;
  let scratch: string;
  const codex = clientBin("codex");

  before(async () => {
    h = await startHarness();
    trap = await startEgressTrap();
    await mkdir(SCRATCH_ROOT, { recursive: true });
    scratch = await mkdtemp(join(SCRATCH_ROOT, "codex-"));
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
    await writeFile(join(home, "config.toml"), configToml(h.url, model));
    const run = await runClient(
      codex,
      ["exec", "--strict-config", "--skip-git-repo-check", "--json", "-s", "danger-full-access", `run echo ${nonce}`],
      {
        HOME: home,
        CODEX_HOME: home,
        COPILOT_API_KEY: "dummy",
        HTTPS_PROXY: trap.url,
        HTTP_PROXY: trap.url,
        NO_PROXY: "127.0.0.1,localhost",
      },
      cwd,
    );
    assert.equal(run.code, 0, `codex exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const events = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string; item?: { type?: string; aggregated_output?: string; text?: string } });
    const exec = events.find((e) => e.type === "item.completed" && e.item?.type === "command_execution");
    assert.ok(exec?.item?.aggregated_output?.includes(nonce), `Codex ran the command: ${run.stdout}`);
    assert.ok(events.some((e) => e.type === "turn.completed"), "turn.completed");
    const answer = events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").at(-1);
    assert.ok(answer?.item?.text?.includes(nonce), `the final answer quotes the tool output: ${answer?.item?.text}`);

    const upstream = h.fake.calls.filter((c) => c.route === upstreamPath);
    assert.equal(upstream.length, 2, `one upstream call per turn on ${upstreamPath}: ${h.fake.calls.map((c) => c.route).join(", ")}`);
    assert.equal(upstream[0]!.headers["x-initiator"], "user");
    assert.equal(upstream[1]!.headers["x-initiator"], "agent");
    assert.ok(upstream[1]!.rawBody.includes(nonce), "turn 2 carries the command output");
    assert.deepEqual(trap.attempts, [], "Codex tried to reach an outside host");
  }

  test("web search (web_search = \"live\") on gpt-5.4: Copilot's web_search_call reaches Codex", async () => {
    h.fake.reset();
    const home = await mkdtemp(join(scratch, "home-"));
    await writeFile(join(home, "config.toml"), configToml(h.url, "gpt-5.4").replace('web_search = "disabled"', 'web_search = "live"'));
    const run = await runClient(
      codex,
      ["exec", "--strict-config", "--skip-git-repo-check", "--json", "what is new in copilot api"],
      { HOME: home, CODEX_HOME: home, COPILOT_API_KEY: "dummy", HTTPS_PROXY: trap.url, HTTP_PROXY: trap.url, NO_PROXY: "127.0.0.1,localhost" },
      await mkdtemp(join(scratch, "cwd-")),
    );
    assert.equal(run.code, 0, `codex exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const upstream = h.fake.callsTo("/responses");
    assert.equal(upstream.length, 1);
    const tools = upstream[0]!.body.tools as { type: string }[];
    assert.ok(tools.some((t) => t.type === "web_search"), JSON.stringify(tools));
    const items = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string; item?: { type?: string; query?: string; text?: string } });
    const search = items.find((e) => e.type === "item.completed" && e.item?.type === "web_search");
    assert.match(search?.item?.query ?? "", /fake search: what is new in copilot api/, run.stdout);
    const answer = items.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").at(-1);
    assert.match(answer?.item?.text ?? "", /fake result one/, run.stdout);
    assert.deepEqual(trap.attempts, [], "Codex tried to reach an outside host");
  });

  test("responses-native model (gpt-5.4): pass-through", async () => {
    await roundTrip("gpt-5.4", "/responses");
  });

  test("Claude model (claude-sonnet-4.5): translated to /v1/messages", async () => {
    await roundTrip("claude-sonnet-4.5", "/v1/messages");
  });

  test("chat-only model (gpt-4.1): translated to /chat/completions", async () => {
    await roundTrip("gpt-4.1", "/chat/completions");
  });

  /**
   * Codex offers its free-form apply_patch only to models whose metadata says so; for a custom
   * provider's model it has none, so the test gives it a catalog entry (`model_catalog_json`), as
   * a user who wants apply_patch on Claude would. The fields are the ones the pinned Codex requires.
   */
  const claudeCatalogEntry = {
    slug: "claude-sonnet-4.5",
    display_name: "Claude Sonnet 4.5",
    base_instructions: "You are a coding agent. Edit files with apply_patch.",
    apply_patch_tool_type: "freeform",
    shell_type: "shell_command",
    context_window: 128000,
    supported_reasoning_levels: [],
    visibility: "list",
    supported_in_api: true,
    priority: 1,
    support_verbosity: false,
    truncation_policy: { mode: "tokens", limit: 10000 },
    experimental_supported_tools: [],
  };

  test("apply_patch on a Claude model (claude-sonnet-4.5): the raw patch reaches Codex, which applies it", async () => {
    h.fake.reset();
    const home = await mkdtemp(join(scratch, "home-"));
    const cwd = await mkdtemp(join(scratch, "cwd-"));
    const catalog = join(home, "models.json");
    await writeFile(catalog, JSON.stringify({ models: [claudeCatalogEntry] }));
    await writeFile(join(home, "config.toml"), `model_catalog_json = ${JSON.stringify(catalog)}\n${configToml(h.url, "claude-sonnet-4.5")}`);
    const run = await runClient(
      codex,
      ["exec", "--strict-config", "--skip-git-repo-check", "--json", "-s", "danger-full-access", "patch hello.txt"],
      { HOME: home, CODEX_HOME: home, COPILOT_API_KEY: "dummy", HTTPS_PROXY: trap.url, HTTP_PROXY: trap.url, NO_PROXY: "127.0.0.1,localhost" },
      cwd,
    );
    assert.equal(run.code, 0, `codex exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const upstream = h.fake.calls.filter((c) => c.route === "/v1/messages");
    assert.equal(upstream.length, 2, h.fake.calls.map((c) => c.route).join(", "));
    const offered = (upstream[0]!.body as { tools: { name: string; input_schema: { properties: Record<string, unknown> } }[] }).tools.find((t) => t.name === "apply_patch");
    assert.ok(offered?.input_schema.properties.input, "apply_patch went to Claude as a tool taking the raw input");
    const events = run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { type: string; item?: { type?: string; status?: string } });
    assert.ok(events.some((e) => e.type === "item.completed" && e.item?.type === "file_change" && e.item.status === "completed"), run.stdout);
    assert.equal(await readFile(join(cwd, "hello.txt"), "utf8"), "patched by fake Copilot\n");
    assert.match(upstream[1]!.rawBody, /Success\. Updated the following files/);
    assert.deepEqual(trap.attempts, [], "Codex tried to reach an outside host");
  });
});
