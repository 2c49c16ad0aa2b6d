/**
 * `npm run demo`: the fake GitHub + Copilot upstream and copilot-api wired to it, so anyone can try
 * the server (and point Claude Code, Codex or an SDK at it) without a Copilot account or network.
 * The answers are canned by the fake; nothing reaches GitHub.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.js";
import { parsePort, resolveConfig } from "../../src/config.js";
import { log } from "../../src/log.js";
import { createRuntime, startRuntime } from "../../src/runtime.js";
import { listen } from "../../src/server.js";
import { printRequestLines } from "../../src/observability/request-line.js";
import { DEFAULT_GITHUB_TOKEN, startFakeUpstream } from "./server.js";
import { demoText } from "./demo-text.js";

async function main() {
  const portArg = process.argv.indexOf("--port");
  const port = parsePort(portArg > 0 ? process.argv[portArg + 1] : process.env.PORT ?? 4141);
  const fake = await startFakeUpstream();
  const home = await mkdtemp(join(tmpdir(), "copilot-api-demo-"));
  const config = resolveConfig(
    { port, verbose: process.argv.includes("--verbose") },
    { COPILOT_API_HOME: home, COPILOT_API_GITHUB_URL: fake.githubUrl, COPILOT_API_GITHUB_API_URL: fake.githubApiUrl },
  );
  const runtime = await createRuntime(config, { githubToken: DEFAULT_GITHUB_TOKEN });
  await startRuntime(runtime);
  const server = await listen(createApp(runtime).fetch, config.host, config.port);
  if (!process.argv.includes("--quiet")) printRequestLines(runtime.recorder);
  process.stdout.write(demoText(server.url, runtime.catalog.list()));
  const stop = async () => {
    await server.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

void main().catch((error: unknown) => {
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    log.error(`${(error as Error).message}: another program uses that port. Pick another with npm run demo -- --port 4242 (or PORT=4242).`);
    process.exit(1);
  }
  log.error((error as Error).message);
  process.exit(1);
});
