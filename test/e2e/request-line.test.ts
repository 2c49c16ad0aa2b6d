import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { runCli } from "../helpers/cli.js";

const GITHUB_TOKEN = "ghu_requestLineToken0123456789abcdefAB";

describe("the line per request that start prints (the real CLI bundle, output captured)", { timeout: 120_000 }, () => {
  let fake: FakeUpstream;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN });
    home = await mkdtemp(join(tmpdir(), "copilot-api-line-"));
    env = {
      HOME: home,
      COPILOT_API_HOME: join(home, "data"),
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
      GH_TOKEN: GITHUB_TOKEN,
      // Not a terminal and NO_COLOR unset: the absence of colour must come from the missing TTY alone.
      NO_COLOR: "",
    };
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test("one line per request: api, model → endpoint, initiator, status, duration, tokens; no colour off a terminal", async () => {
    const run = runCli(["start", "--port", "0"], env);
    try {
      const [, url] = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "dummy", maxRetries: 0, timeout: 10_000 });
      await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hello" }] });
      const [ok] = await run.waitFor(/^\d\d:\d\d:\d\d {2}chat {2}openai-sdk {2}gpt-4\.1 → \/chat\/completions {2}user {2}200 {2}[\d.]+ m?s {2}in \d+ out \d+ {2}[\d.]+ credits$/m);
      assert.ok(ok);

      // A streamed Anthropic request on a Claude model: the line comes when the stream has ended.
      const res = await fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      await res.text();
      await run.waitFor(/ messages {2}claude-sonnet-4\.6 → \/v1\/messages {2}user {2}200 {2}.*in \d+ out \d+/);

      // A wrong base URL shows up as a failing request to no route.
      assert.equal((await fetch(`${url}/v1/v1/chat/completions`, { method: "POST" })).status, 404);
      await run.waitFor(/ chat {2}POST \/v1\/v1\/chat\/completions {2}404 {2}[\d.]+ m?s$/m);
    } finally {
      assert.equal(await run.stop(), 0);
    }
    assert.ok(!run.output().includes("\u001b"), `an escape sequence in output that is not a terminal:\n${run.output()}`);
  });

  test("what a client sent is printed without control characters: it cannot forge or erase lines", async () => {
    const run = runCli(["start", "--port", "0"], env);
    const evil = "gpt-4.1\u001b[2K\r\n12:00:00  chat  gpt-4.1  200  1 ms\u0007\u202e";
    try {
      const [, url] = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: evil, messages: [{ role: "user", content: "x" }] }),
      });
      assert.equal(res.status, 404);
      // Shown escaped, as text: \u001b[2K\u000d\u000a… stays on the request's own line.
      await run.waitFor(/ chat {2}POST \/v1\/chat\/completions {2}404 .*- The model "gpt-4\.1\\u001b\[2K\\u000d\\u000a12:00:00 {2}chat {2}gpt-4\.1 {2}200 {2}1 ms\\u0007\\u202e" is not available/);
    } finally {
      await run.stop();
    }
    const out = run.output();
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(out), "a control character reached the terminal");
    assert.equal(out.match(/^12:00:00/gm), null, "a forged line");
  });

  test("--quiet prints no line per request", async () => {
    const run = runCli(["start", "--port", "0", "--quiet"], env);
    let url: string | undefined;
    try {
      [, url] = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "dummy", maxRetries: 0, timeout: 10_000 });
      await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hello" }] });
      assert.equal((await fetch(`${url}/v1/nowhere`)).status, 404);
    } finally {
      // The process has exited, so everything it printed has arrived.
      assert.equal(await run.stop(), 0);
    }
    assert.match(run.output(), /listening on/);
    assert.doesNotMatch(run.output(), /gpt-4\.1 →|\/v1\/nowhere/);
  });
});
