// Fields of 20 MB where a name or a type belongs: every answer stays short, nothing keeps them, and
// a server with a 512 MB heap is still there after dozens of them (each 400 used to quote the whole
// field, the recorder kept 500 such messages, and the count_tokens memo keyed on the raw model name).
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { runCli } from "../helpers/cli.js";
import { within } from "../helpers/stream-check.js";

const GITHUB_TOKEN = "ghu_memoryBoundsToken0123456789abcdefAB";
const FIELD_CHARS = 20 * 1024 * 1024;
/** Rounds of the kinds that once kept their field (about 22 of one kind exhausted a 512 MB heap). */
const ROUNDS = 10;

interface Kind {
  name: string;
  path: string;
  body: (big: string) => object;
  /** Sent every round (else once): the error quoted the whole field, or a memo was keyed on it. */
  kept?: boolean;
}

/** Each request with `big` (20 MB) in one field: path and body. */
const KINDS: Kind[] = [
  {
    name: "translated message, block type",
    path: "/v1/messages",
    kept: true,
    body: (big) => ({ model: "gpt-4.1", max_tokens: 8, messages: [{ role: "user", content: [{ type: big, text: "hi" }] }] }),
  },
  {
    name: "native message, block type",
    path: "/v1/messages",
    body: (big) => ({ model: "claude-sonnet-4.5", max_tokens: 8, messages: [{ role: "user", content: [{ type: big, text: "hi" }] }] }),
  },
  { name: "message, model", path: "/v1/messages", kept: true, body: (big) => ({ model: big, max_tokens: 8, messages: [{ role: "user", content: "hi" }] }) },
  { name: "count_tokens, model", path: "/v1/messages/count_tokens", kept: true, body: (big) => ({ model: big, messages: [{ role: "user", content: "hi" }] }) },
  {
    name: "count_tokens, block type",
    path: "/v1/messages/count_tokens",
    body: (big) => ({ model: "claude-sonnet-4.5", messages: [{ role: "user", content: [{ type: big, text: "hi" }] }] }),
  },
  { name: "chat, model", path: "/v1/chat/completions", body: (big) => ({ model: big, messages: [{ role: "user", content: "hi" }] }) },
  {
    name: "chat, part type",
    path: "/v1/chat/completions",
    body: (big) => ({ model: "claude-sonnet-4.5", messages: [{ role: "user", content: [{ type: big, text: "hi" }] }] }),
  },
  {
    name: "responses, part type",
    path: "/v1/responses",
    kept: true,
    body: (big) => ({ model: "gpt-4.1", input: [{ role: "user", content: [{ type: big, text: "hi" }] }] }),
  },
];

describe("memory stays bounded under 20 MB fields", () => {
  let fake: FakeUpstream;
  let home: string;
  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN });
    home = await mkdtemp(join(tmpdir(), "copilot-api-memory-"));
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  const requests = KINDS.filter((k) => !k.kept).length + KINDS.filter((k) => k.kept).length * ROUNDS;
  test(`${requests} requests with a 20 MB field, 512 MB heap: short answers, still healthy`, { timeout: 300_000 }, async () => {
    const logFile = join(home, "requests.jsonl");
    const run = runCli(["start", "--port", "0", "--log-file", logFile], {
      HOME: home,
      COPILOT_API_HOME: join(home, "data"),
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
      GH_TOKEN: GITHUB_TOKEN,
      NODE_OPTIONS: "--max-old-space-size=512",
    });
    try {
      const [, url] = await within(30_000, "server start", run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/));
      for (let round = 0; round < ROUNDS; round++) {
        for (const kind of KINDS.filter((k) => k.kept || round === 0)) {
          // A different field every time: nothing can be answered from a memo of the bytes.
          const big = `${String(round).padEnd(8, "-")}${"x".repeat(FIELD_CHARS)}`;
          const res = await fetch(`${url}${kind.path}`, {
            method: "POST",
            headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
            body: JSON.stringify(kind.body(big)),
          }).catch((error: Error) => {
            throw new Error(`${kind.name}, round ${round}: ${error.message}\n${run.output().slice(-2000)}`);
          });
          const text = await res.text();
          assert.ok(res.status < 500, `${kind.name}: ${res.status} ${text.slice(0, 300)}`);
          assert.ok(text.length < 4_096, `${kind.name}: a ${text.length}-character answer`);
          if (res.status === 400) assert.match(text, /…/, `${kind.name}: the quoted field is cut short: ${text.slice(0, 300)}`);
        }
      }
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200, run.output().slice(-2000));
      assert.equal(run.child.exitCode, null);
      // The request log holds one short line per request.
      const { size } = await stat(logFile);
      assert.ok(size < requests * 4_096, `request log: ${size} bytes`);
    } finally {
      await run.stop();
    }
  });
});
