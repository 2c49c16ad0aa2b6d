import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { runCli } from "../helpers/cli.js";

const GITHUB_TOKEN = "ghu_cliTestToken0123456789abcdefABCDEF";

describe("the copilot-api command against the fake GitHub/Copilot", () => {
  let fake: FakeUpstream;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeUpstream({
      githubToken: GITHUB_TOKEN,
      deviceFlow: { pendingPolls: 1, slowDownAt: [2], interval: 5 },
    });
    home = await mkdtemp(join(tmpdir(), "copilot-api-cli-"));
    env = {
      HOME: home,
      COPILOT_API_HOME: join(home, "data"),
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
    };
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  function assertNoSecrets(text: string) {
    assert.ok(!text.includes(GITHUB_TOKEN), "the GitHub token leaked into the output");
    for (const t of fake.issuedCopilotTokens) assert.ok(!text.includes(t), "a Copilot token leaked into the output");
    assert.ok(!/tid=[0-9a-f]/.test(text), "something shaped like a Copilot token leaked");
  }

  test("auth completes a device flow that includes a slow_down and stores the token with mode 0600", async () => {
    // GitHub's intervals are honoured; the scale only shortens them against the local fake.
    const run = runCli(["auth", "--verbose"], { ...env, COPILOT_API_DEVICE_POLL_SCALE: "0.001" });
    const code = await run.exited;
    const out = run.output();
    assert.equal(code, 0, out);
    assert.match(out, /ABCD-1234/);
    assert.match(out, /poll less often; now every 10 s/);
    const file = join(env.COPILOT_API_HOME!, "github_token");
    assert.equal(((await stat(file)).mode & 0o777).toString(8), "600");
    assert.equal((await readFile(file, "utf8")).trim(), GITHUB_TOKEN);
    assertNoSecrets(out);
    const polls = fake.callsTo("/login/oauth/access_token").length;
    assert.ok(polls >= 3, `expected pending, slow_down and success polls, saw ${polls}`);
  });

  test("start serves models, chat (stream and not) and embeddings to the openai SDK, logging no secret at -v", async () => {
    const run = runCli(["start", "--port", "0", "--verbose"], { ...env, GH_TOKEN: GITHUB_TOKEN });
    try {
      const [, url] = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "dummy", maxRetries: 0, timeout: 10_000 });
      const models = await client.models.list();
      assert.ok(models.data.some((m) => m.id === "gpt-4.1"));
      const r = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hello" }] });
      assert.match(r.choices[0]?.message.content ?? "", /Hello from fake Copilot/);
      let streamed = "";
      for await (const ch of await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hello" }], stream: true })) {
        streamed += ch.choices[0]?.delta?.content ?? "";
      }
      assert.match(streamed, /Hello from fake Copilot/);
      const e = await client.embeddings.create({ model: "text-embedding-3-small", input: "x" });
      assert.ok(e.data[0]!.embedding.length > 0);
      // The dashboard's scripts (uPlot, read from the package by the bundle, and ours, the source text
      // of functions) are whole and valid.
      const page = await (await fetch(`${url}/`)).text();
      const scripts = [...page.matchAll(/<script nonce="[^"]+">([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      assert.equal(scripts.length, 3, "uPlot, the live view, the history view");
      assert.match(scripts[0]!, /^\/\*! https:\/\/github\.com\/leeoniya\/uPlot/);
      for (const script of scripts) assert.doesNotThrow(() => new Function(script), "the dashboard script parses");
    } finally {
      assert.equal(await run.stop(), 0);
    }
    assert.ok(fake.issuedCopilotTokens.length > 0);
    assertNoSecrets(run.output());
  });

  test("--show-token is the one switch that prints the tokens", async () => {
    const run = runCli(["start", "--port", "0", "--show-token"], { ...env, GH_TOKEN: GITHUB_TOKEN });
    try {
      await run.waitFor(/listening on/);
    } finally {
      await run.stop();
    }
    assert.ok(run.output().includes(GITHUB_TOKEN));
  });

  test("start --claude-code prints a launch command with the chosen models, resolved against the catalog", async () => {
    const run = runCli(["start", "--port", "0", "-c", "--claude-model", "sonnet", "--claude-small-model", "claude-haiku-4-5"], { ...env, GH_TOKEN: GITHUB_TOKEN });
    try {
      await run.waitFor(/ANTHROPIC_SMALL_FAST_MODEL='claude-haiku-4-5'.* claude\n/);
    } finally {
      await run.stop();
    }
    assert.match(run.output(), /ANTHROPIC_BASE_URL='http:\/\/127\.0\.0\.1:\d+'/);
    // Claude Code's own dashed ids: given Copilot's dotted ones it warns that the model "was retired".
    assert.match(run.output(), /ANTHROPIC_MODEL='claude-sonnet-4-6'/);
    assert.doesNotMatch(run.output(), /claude-(sonnet|haiku)-4\.\d/);
    assertNoSecrets(run.output());
  });

  test("model aliases from the config file and from --alias reach the routes; flags win", async () => {
    const { writeFile, unlink } = await import("node:fs/promises");
    const file = join(env.COPILOT_API_HOME!, "copilot-api.json");
    await writeFile(file, JSON.stringify({ modelAliases: { fast: "gpt-4.1", best: "gpt-4.1" } }));
    const run = runCli(["start", "--port", "0", "--alias", "best=claude-sonnet-4.5"], { ...env, GH_TOKEN: GITHUB_TOKEN });
    try {
      const [, url] = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "dummy", maxRetries: 0 });
      await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "a" }] });
      assert.equal(fake.callsTo("/chat/completions").at(-1)!.body.model, "gpt-4.1");
      await client.chat.completions.create({ model: "best", messages: [{ role: "user", content: "a" }] });
      assert.equal(fake.callsTo("/chat/completions").at(-1)!.body.model, "claude-sonnet-4.5");
    } finally {
      await run.stop();
      await unlink(file);
    }
  });

  test("a config file with an unknown setting stops start with the key named", async () => {
    const { writeFile, unlink } = await import("node:fs/promises");
    const file = join(home, "bad.json");
    await writeFile(file, JSON.stringify({ prot: 1234 }));
    const run = runCli(["start", "--config", file], { ...env, GH_TOKEN: GITHUB_TOKEN });
    assert.notEqual(await run.exited, 0);
    assert.match(run.output(), /unknown setting "prot"/);
    await unlink(file);
  });

  test("debug --json reports auth state without the token", async () => {
    const run = runCli(["debug", "--json"], env);
    assert.equal(await run.exited, 0);
    const info = JSON.parse(run.output());
    assert.equal(info.auth.tokenExists, true);
    assert.equal(info.auth.tokenFileMode, "600");
    assertNoSecrets(run.output());
  });

  test("check-usage prints the plan and quota bars", async () => {
    const run = runCli(["check-usage"], { ...env, GH_TOKEN: GITHUB_TOKEN });
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /Plan:\s+business/);
    assert.match(run.output(), /Premium\s+\[#+\.+\]/);
    assertNoSecrets(run.output());
  });
});
