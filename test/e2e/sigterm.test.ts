import assert from "node:assert/strict";
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { cellModels } from "../helpers/cells.js";
import { runCli } from "../helpers/cli.js";
import { type ClientDialect, postJson, readOutcome, streamRequest, within } from "../helpers/stream-check.js";

const GITHUB_TOKEN = "ghu_sigtermTestToken0123456789abcdefAB";

/** Resolves with the error of a request on a fresh connection (no keep-alive reuse), or undefined if answered. */
function freshConnection(url: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/v1/models`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(undefined));
    });
    req.on("error", (error) => resolve(error));
  });
}

/**
 * SIGTERM to a running `copilot-api start`: it stops accepting connections, lets the streams in
 * flight run to their normal end (every word, the dialect's closing event), then exits 0.
 */
describe("SIGTERM drains in-flight streams, then exits 0", () => {
  let fake: FakeUpstream;
  let home: string;
  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN, models: cellModels() });
    home = await mkdtemp(join(tmpdir(), "copilot-api-sigterm-"));
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test("three streams in flight at SIGTERM all complete; new connections are refused; exit code 0", { timeout: 60_000 }, async () => {
    const run = runCli(["start", "--port", "0"], {
      HOME: home,
      COPILOT_API_HOME: join(home, "data"),
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
      GH_TOKEN: GITHUB_TOKEN,
    });
    try {
      const [, url] = await within(20_000, "server start", run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/));
      // Each upstream stream sends its first event, then waits for `release`: all three are certainly
      // still running when the signal arrives, however slow the machine.
      const release = fake.holdStreams();
      const streams: [ClientDialect, string][] = [
        ["chat", "gpt-4.1"],
        ["messages", "claude-sonnet-4.5"],
        ["messages", "gpt-4.1"],
      ];
      const started = await Promise.all(
        streams.map(async ([dialect, model]) => {
          const { path, body } = streamRequest(dialect, model, "drain me [[chunks:40]]");
          const res = await postJson(`${url}${path}`, body);
          assert.equal(res.status, 200);
          // Tee the body: the first chunk proves the stream is in flight, the rest is read after the signal.
          const [probe, rest] = res.body!.tee();
          const first = await probe.getReader().read();
          assert.equal(first.done, false);
          return { dialect, res: new Response(rest, { status: res.status, headers: res.headers }) };
        }),
      );
      assert.equal(fake.activeRequests, 3, "three upstream streams in flight");

      run.child.kill("SIGTERM");
      await within(10_000, "shutdown notice", run.waitFor(/SIGTERM: finishing in-flight requests/));
      const refused = await freshConnection(url!);
      // Refused, or reset if the kernel had queued it just as the listening socket closed: never served.
      assert.match(refused?.code ?? "served", /^(ECONNREFUSED|ECONNRESET)$/, `a new connection after SIGTERM is refused\n${run.output()}`);
      assert.equal(run.child.exitCode, null, "still running while its streams are");
      release();

      for (const s of started) {
        const outcome = await within(20_000, `${s.dialect} stream after SIGTERM`, readOutcome(s.res, s.dialect));
        assert.equal(outcome.kind, "complete", `${s.dialect}: ${outcome.error?.message ?? ""}`);
        assert.equal(outcome.text.trim().split(/\s+/).length, 40, "every word arrived");
      }
      assert.equal(await within(20_000, "process exit", run.exited), 0, run.output());
      assert.equal(fake.abortedRequests, 0, "no upstream request was cut");
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  });
});
