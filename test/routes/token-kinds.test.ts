import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import OpenAI from "openai";
import { explainRejectedToken } from "../../src/cli/common.js";
import { resolveConfig } from "../../src/config.js";
import { ApiError } from "../../src/errors.js";
import { createRuntime, startRuntime, stopRuntime } from "../../src/runtime.js";
import { describeToken, tokenFromEnv, tokenKind } from "../../src/upstream/token-source.js";
import { startFakeUpstream } from "../fake-upstream/server.js";
import { runCli } from "../helpers/cli.js";
import { captureLogger, startHarness } from "../helpers/harness.js";

const PAT = "github_pat_11AAAAAAA0fakeFineGrainedPat0123456789abcdefABCDEF";
const CLASSIC = "ghp_fakeClassicPat0123456789abcdefABCDEF";

describe("GitHub token kinds and where the token comes from", () => {
  test("COPILOT_GITHUB_TOKEN, then GH_TOKEN, then GITHUB_TOKEN; --github-token before all", () => {
    const all = { COPILOT_GITHUB_TOKEN: "gho_a", GH_TOKEN: "gho_b", GITHUB_TOKEN: "gho_c" };
    assert.deepEqual(tokenFromEnv(all), { token: "gho_a", origin: "COPILOT_GITHUB_TOKEN" });
    assert.deepEqual(tokenFromEnv({ GH_TOKEN: "gho_b", GITHUB_TOKEN: "gho_c" }), { token: "gho_b", origin: "GH_TOKEN" });
    assert.deepEqual(tokenFromEnv({ COPILOT_GITHUB_TOKEN: "  ", GITHUB_TOKEN: "gho_c" }), { token: "gho_c", origin: "GITHUB_TOKEN" });
    assert.equal(tokenFromEnv({}), undefined);
    const fromEnv = resolveConfig({}, all);
    assert.equal(fromEnv.githubToken, "gho_a");
    assert.equal(fromEnv.githubTokenOrigin, "COPILOT_GITHUB_TOKEN");
    const fromFlag = resolveConfig({ githubToken: "gho_flag" }, all);
    assert.equal(fromFlag.githubToken, "gho_flag");
    assert.equal(fromFlag.githubTokenOrigin, "flag");
  });

  test("a rejected token from the environment is said with the variable it came from", () => {
    const config = resolveConfig({}, { COPILOT_GITHUB_TOKEN: "gho_a", GITHUB_TOKEN: "gho_c" });
    const rejected = new ApiError({ kind: "authentication", status: 401, message: "GitHub rejected the token (Bad credentials).", upstream: true });
    const message = (explainRejectedToken(rejected, "env", config) as Error).message;
    assert.match(message, /came from the COPILOT_GITHUB_TOKEN environment variable.*unset COPILOT_GITHUB_TOKEN/);
  });

  test("kinds by prefix, and how each is used", () => {
    assert.equal(tokenKind(PAT), "fine-grained-pat");
    assert.equal(tokenKind(CLASSIC), "classic-pat");
    assert.equal(tokenKind("gho_x"), "oauth-app");
    assert.equal(tokenKind("ghu_x"), "app-user");
    assert.equal(tokenKind("ghs_x"), "installation");
    assert.match(describeToken("fine-grained-pat", "GH_TOKEN"), /fine-grained personal access token .* from GH_TOKEN: used directly .*copilot-developer-cli/);
    assert.match(describeToken("app-user", "file"), /from the stored login: exchanged for a Copilot token/);
    assert.match(describeToken("classic-pat", "GITHUB_TOKEN"), /cannot be used/);
  });

  test("a fine-grained PAT goes straight to Copilot as the Bearer, under the Copilot CLI's integration id", async (t) => {
    const h = await startHarness({ fake: { githubToken: PAT } });
    t.after(() => h.close());
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "x", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
    assert.match(answer.choices[0]!.message.content ?? "", /Hello from fake Copilot/);
    assert.equal(h.fake.callsTo("/copilot_internal/v2/token").length, 0, "a fine-grained PAT is never sent to the token exchange");
    const chat = h.fake.callsTo("/chat/completions")[0]!;
    assert.equal(chat.headers.authorization, `Bearer ${PAT}`);
    assert.equal(chat.headers["copilot-integration-id"], "copilot-developer-cli");
    assert.ok(h.logs.some((l) => /fine-grained personal access token .*used directly/.test(l)), h.logs.join("\n"));
    assert.ok(!h.logs.some((l) => l.includes(PAT)), "the token itself is never logged");
  });

  test("a gho_ token: the exchange 404s, then it is the Bearer under VS Code's integration id", async (t) => {
    const h = await startHarness({ fake: { githubToken: "gho_fakeOAuthAppToken0123456789abcdef" } });
    t.after(() => h.close());
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "x", maxRetries: 0 });
    await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
    assert.equal(h.fake.callsTo("/copilot_internal/v2/token").length, 1);
    const chat = h.fake.callsTo("/chat/completions")[0]!;
    assert.equal(chat.headers.authorization, "Bearer gho_fakeOAuthAppToken0123456789abcdef");
    assert.equal(chat.headers["copilot-integration-id"], "vscode-chat");
  });

  test("the fake is as strict as Copilot: a fine-grained PAT under vscode-chat is refused, and so is its exchange", async (t) => {
    const fake = await startFakeUpstream({ githubToken: PAT });
    t.after(() => fake.close());
    const exchange = await fetch(`${fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `token ${PAT}` } });
    assert.equal(exchange.status, 403);
    assert.match(await exchange.text(), /Resource not accessible by personal access token/);
    const direct = await fetch(`${fake.capiUrl}/models`, {
      headers: { authorization: `Bearer ${PAT}`, "x-github-api-version": "2026-08-01", "editor-version": "vscode/1.0", "copilot-integration-id": "vscode-chat" },
    });
    assert.equal(direct.status, 400);
    assert.match(await direct.text(), /Personal Access Tokens are not supported/);
  });

  test("a classic ghp_ token is refused before any call, with the reason and what to use instead", async (t) => {
    const fake = await startFakeUpstream({ githubToken: CLASSIC });
    const home = await mkdtemp(join(tmpdir(), "copilot-api-pat-"));
    t.after(async () => {
      await fake.close();
      await rm(home, { recursive: true, force: true });
    });
    const config = resolveConfig({}, { COPILOT_API_HOME: home, COPILOT_API_GITHUB_API_URL: fake.githubApiUrl, GITHUB_TOKEN: CLASSIC });
    const runtime = await createRuntime(config, { githubToken: CLASSIC, log: captureLogger([]) });
    await assert.rejects(startRuntime(runtime), (error: Error) => {
      assert.match(error.message, /from GITHUB_TOKEN is a classic personal access token/);
      assert.match(error.message, /fine-grained personal access token \(github_pat_…\)/);
      assert.ok(!error.message.includes(CLASSIC));
      return true;
    });
    stopRuntime(runtime);
    assert.equal(fake.calls.length, 0, "nothing was sent to GitHub");
  });

  describe("debug says which token is used and how, never the token", () => {
    let home: string | undefined;
    after(async () => {
      if (home) await rm(home, { recursive: true, force: true });
    });

    test("fine-grained PAT from GH_TOKEN, with COPILOT_GITHUB_TOKEN first in line", async () => {
      home = await mkdtemp(join(tmpdir(), "copilot-api-dbg-"));
      const env = { HOME: home, COPILOT_API_HOME: join(home, "data") };
      const run = runCli(["debug", "--json"], { ...env, GH_TOKEN: PAT, GITHUB_TOKEN: "gho_notThisOne" });
      assert.equal(await run.exited, 0, run.output());
      const info = JSON.parse(run.output()) as { auth: { githubTokenOrigin: string; tokenUse: string } };
      assert.equal(info.auth.githubTokenOrigin, "GH_TOKEN");
      assert.match(info.auth.tokenUse, /fine-grained personal access token \(github_pat_\) from GH_TOKEN: used directly/);
      const first = runCli(["debug"], { ...env, COPILOT_GITHUB_TOKEN: "gho_first", GH_TOKEN: PAT });
      assert.equal(await first.exited, 0, first.output());
      assert.match(first.output(), /token in use:\s+OAuth app token \(gho_\) from COPILOT_GITHUB_TOKEN: exchanged/);
      for (const out of [run.output(), first.output()]) assert.ok(!out.includes(PAT) && !out.includes("gho_first"), out);
    });
  });
});
