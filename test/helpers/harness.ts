import { mkdtemp, rm } from "node:fs/promises";
import { after, before } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.js";
import { type ConfigInput, resolveConfig } from "../../src/config.js";
import { createLogger, type Logger } from "../../src/log.js";
import { createRuntime, type Runtime, startRuntime, stopRuntime } from "../../src/runtime.js";
import { listen, type RunningServer } from "../../src/server.js";
import { type FakeUpstream, type FakeUpstreamOptions, startFakeUpstream } from "../fake-upstream/server.js";
import { createConsola } from "consola";
import type { GitHubTokenSource } from "../../src/upstream/github-app.js";

export interface Harness {
  fake: FakeUpstream;
  server: RunningServer;
  runtime: Runtime;
  /** Base URL of copilot-api, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Everything our logger printed, at debug level, for secret-leak assertions. */
  logs: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  fake?: FakeUpstreamOptions;
  env?: Record<string, string>;
  /** Config values as flags would give them (apiKeys, rateLimitSeconds, wait, manual, corsOrigins, host, ...). */
  config?: Partial<ConfigInput>;
  /** The runtime's wall clock (token expiry, catalog age); the fake keeps the real one. */
  now?: () => number;
  /** The data directory to use (kept on close): a second harness on it sees what the first one wrote. */
  home?: string;
  /** The GitHub token copilot-api uses, given the fake's URLs (default: the fake's user token). */
  githubToken?: (fake: FakeUpstream) => string | GitHubTokenSource;
  /** A fake already running (several instances against one upstream); left running by close(). */
  upstream?: FakeUpstream;
}

/**
 * The harness of a describe block, started before its first test and closed after its last: the
 * `let h; before(startHarness); after(h.close)` that route tests wrote out each time. What it
 * returns stands for the harness once started (every property is read through to it), so tests use
 * it as they used `h`; reading it while the suite is being declared, before it has started, throws.
 * `options` is a function when it needs what an earlier before hook made.
 */
export function suiteHarness(options: HarnessOptions | (() => HarnessOptions) = {}): Harness {
  let current: Harness | undefined;
  before(async () => {
    current = await startHarness(typeof options === "function" ? options() : options);
  });
  after(async () => {
    await current?.close();
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (!current) throw new Error(`the suite's harness was read (.${String(key)}) before it started`);
      return current[key as keyof Harness];
    },
  });
}

/** Captures every log line (debug level included) instead of printing it. */
export function captureLogger(lines: string[]): Logger {
  const logger = createLogger(
    createConsola({
      level: 5,
      reporters: [{ log: (o) => lines.push(o.args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")) }],
    }),
  );
  logger.setVerbose(true);
  return logger;
}

/** The real copilot-api, in process, pointed at a fresh fake GitHub + Copilot on loopback. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fake = options.upstream ?? (await startFakeUpstream(options.fake));
  const home = options.home ?? (await mkdtemp(join(tmpdir(), "copilot-api-test-")));
  const githubToken = options.githubToken?.(fake) ?? options.fake?.githubToken ?? "ghu_fakeGithubToken000000000000000000";
  const config = resolveConfig(
    { ...options.config, port: 0 },
    {
      COPILOT_API_HOME: home,
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
      ...options.env,
    },
  );
  const logs: string[] = [];
  const runtime = await createRuntime(config, { githubToken, log: captureLogger(logs), now: options.now });
  await startRuntime(runtime);
  const server = await listen(createApp(runtime).fetch, "127.0.0.1", 0, config);
  return {
    fake,
    server,
    runtime,
    url: server.url,
    logs,
    async close() {
      stopRuntime(runtime);
      await server.close();
      await runtime.ledger?.close();
      if (!options.upstream) await fake.close();
      if (!options.home) await rm(home, { recursive: true, force: true });
    },
  };
}
