import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { type CliRun, runCli } from "../helpers/cli.js";
import { clientBin } from "../helpers/clients.js";

/** The same CLI and server under Bun (pinned in e2e/clients): Bun.serve instead of the node:http listener, Bun's fetch instead of undici. */
describe("copilot-api under Bun", () => {
  let fake: FakeUpstream;
  let home: string;
  let run: CliRun;
  let url: string;

  before(async () => {
    fake = await startFakeUpstream();
    home = await mkdtemp(join(tmpdir(), "copilot-api-bun-"));
    run = runCli(
      ["start", "--port", "0"],
      {
        HOME: home,
        COPILOT_API_HOME: join(home, "data"),
        COPILOT_API_GITHUB_URL: fake.githubUrl,
        COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
        GH_TOKEN: "ghu_fakeGithubToken000000000000000000",
      },
      clientBin("bun"),
    );
    url = (await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  });
  after(async () => {
    await run.stop();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test("serves chat completions, stream and not", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "x", maxRetries: 0, timeout: 10_000 });
    const r = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
    assert.match(r.choices[0]?.message.content ?? "", /Hello from fake Copilot/);
    let text = "";
    for await (const ch of await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "x [[chunks:10]]" }], stream: true })) {
      text += ch.choices[0]?.delta?.content ?? "";
    }
    assert.equal(text.trim().split(/\s+/).length, 10);
  });

  test("keeps the usage ledger through bun:sqlite: /usage history counts the requests and their cost", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "x", maxRetries: 0, timeout: 10_000 });
    await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "counted" }] });
    const usage = (await (await fetch(`${url}/usage?by=model`)).json()) as { history: { rows: { model: string; requests: number; nanoAiu: number }[] } | null };
    assert.ok(usage.history, JSON.stringify(usage));
    const row = usage.history.rows.find((r) => r.model === "gpt-4.1");
    assert.ok(row && row.requests >= 1 && row.nanoAiu > 0, JSON.stringify(usage.history));
    assert.doesNotMatch(run.output(), /Cannot open the usage ledger/);
  });

  test("serves the dashboard, uPlot included, from the bundle", async () => {
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.equal(page.match(/<script nonce="/g)?.length, 3);
    assert.match(page, /<script nonce="[^"]+">\/\*! https:\/\/github\.com\/leeoniya\/uPlot/);
  });

  test("serves Anthropic streams, native and translated", async () => {
    const client = new Anthropic({ baseURL: url, apiKey: "x", maxRetries: 0, timeout: 10_000 });
    for (const model of ["claude-sonnet-4.5", "gpt-4.1"]) {
      const m = await client.messages.stream({ model, max_tokens: 100, messages: [{ role: "user", content: "[[emoji]]" }] }).finalMessage();
      const text = m.content.find((b) => b.type === "text");
      assert.ok(text?.type === "text" && text.text.includes("🌍"), `${model}: ${JSON.stringify(m.content)}`);
    }
  });

  test("says that Bun uses a proxy variable without --proxy-env, and still serves", async () => {
    // HTTPS_PROXY only: the fake is plain http, so the server still reaches it directly.
    const proxied = runCli(
      ["start", "--port", "0"],
      {
        HOME: home,
        COPILOT_API_HOME: join(home, "data"),
        COPILOT_API_GITHUB_URL: fake.githubUrl,
        COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
        GH_TOKEN: "ghu_fakeGithubToken000000000000000000",
        HTTPS_PROXY: "http://127.0.0.1:9",
      },
      clientBin("bun"),
    );
    try {
      const served = (await proxied.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      assert.match(proxied.output(), /Under Bun, HTTPS_PROXY is used .* with or without --proxy-env/);
      const r = await fetch(`${served}/v1/models`);
      assert.equal(r.status, 200);
      await r.body?.cancel();
    } finally {
      await proxied.stop();
    }
  });
});
