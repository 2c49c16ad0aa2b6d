// startHarness with settings that only flags or the config file give (limits, timeouts): the same
// real app and fake upstream on loopback, with `config` applied as flags would be.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.js";
import { type ConfigInput, resolveConfig } from "../../src/config.js";
import { createRuntime, startRuntime, stopRuntime } from "../../src/runtime.js";
import { listen } from "../../src/server.js";
import { type FakeUpstreamOptions, startFakeUpstream } from "../fake-upstream/server.js";
import { captureLogger, type Harness } from "./harness.js";

export async function startConfiguredHarness(config: ConfigInput, fakeOptions: FakeUpstreamOptions = {}): Promise<Harness> {
  const fake = await startFakeUpstream(fakeOptions);
  const home = await mkdtemp(join(tmpdir(), "copilot-api-test-"));
  const resolved = resolveConfig(
    { port: 0, ...config },
    { COPILOT_API_HOME: home, COPILOT_API_GITHUB_URL: fake.githubUrl, COPILOT_API_GITHUB_API_URL: fake.githubApiUrl },
  );
  const logs: string[] = [];
  const runtime = await createRuntime(resolved, { githubToken: fakeOptions.githubToken ?? "ghu_fakeGithubToken000000000000000000", log: captureLogger(logs) });
  await startRuntime(runtime);
  const server = await listen(createApp(runtime).fetch, "127.0.0.1", 0);
  return {
    fake,
    server,
    runtime,
    url: server.url,
    logs,
    async close() {
      stopRuntime(runtime);
      await server.close();
      await fake.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
