import { defineCommand } from "citty";
import { createApp } from "../app.js";
import { join } from "node:path";
import { setTokenizerCacheDir } from "../tokens/tokenizer.js";
import { log } from "../log.js";
import { createRuntime, startRuntime, stopRuntime } from "../runtime.js";
import { listen } from "../server.js";
import { asList, parseAliases } from "../config.js";
import { configFrom, explainRejectedToken, githubToken, sharedArgs, type TokenSource, tokenSource } from "./common.js";
import {
  chatModels,
  claudeCodeEnv,
  claudeCodeModelId,
  codexConfig,
  copyToClipboard,
  defaultCodexModel,
  defaultMainModel,
  defaultSmallModel,
  detectShell,
  launchCommand,
} from "./launch-helpers.js";
import { checkAliases } from "../bridge/check-aliases.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { openRequestLog } from "../observability/request-log.js";
import { printRequestLines } from "../observability/request-line.js";
import type { Runtime } from "../runtime.js";
import type { Config } from "../config.js";
import { isLoopback } from "../access/host-guard.js";
import { configureFlow, TerminalApprover } from "../flow/index.js";
import { githubAppTokens } from "./github-app-tokens.js";
import { ConfigError } from "../config-checks.js";
import { checkSearchModel } from "../web-search/search-model.js";
import { CATALOG_CACHE_FILE } from "../upstream/catalog-cache.js";
import { collectWhenIdle } from "../collect-when-idle.js";

async function pickModel(runtime: Runtime, label: string, given: string | undefined, fallback: string | undefined): Promise<string> {
  const models = runtime.catalog.list();
  if (given) return resolveModel(given, models).id;
  if (process.stdin.isTTY && process.stdout.isTTY) {
    const ids = chatModels(models).map((m) => m.id);
    const picked = await log.prompt(`Select the ${label} model for Claude Code`, ids, fallback);
    if (picked) return picked;
  }
  if (!fallback) throw new Error(`No ${label} model available: pass it with a flag (see --help)`);
  return fallback;
}

async function printCodex(runtime: Runtime, url: string, given: string | undefined, keyed: boolean) {
  const models = runtime.catalog.list();
  const model = await pickModel(runtime, "Codex", given, defaultCodexModel(models));
  log.info("Add this to ~/.codex/config.toml (or $CODEX_HOME/config.toml):");
  process.stdout.write(`\n${codexConfig(url, model)}\n`);
  log.info(
    keyed
      ? "and set COPILOT_API_KEY to one of your --api-key values before running codex."
      : 'and set COPILOT_API_KEY before running codex (any value works while no --api-key is set), e.g. export COPILOT_API_KEY=dummy',
  );
}

async function printClaudeCode(runtime: Runtime, url: string, model?: string, small?: string) {
  const models = runtime.catalog.list();
  const main = await pickModel(runtime, "main", model, defaultMainModel(models));
  const fast = await pickModel(runtime, "small", small, defaultSmallModel(models));
  const command = launchCommand(claudeCodeEnv(url, claudeCodeModelId(main, models), claudeCodeModelId(fast, models)), "claude", detectShell());
  const copied = copyToClipboard(command);
  // Printed bare, not in a box, so that it can be copied from the terminal as is.
  log.info(`Launch Claude Code with${copied ? " (copied to the clipboard)" : ""}:`);
  process.stdout.write(`\n${command}\n\n`);
}

/** Says which access and flow controls are on, and warns when the server is open to the network. */
function describeLimits(config: Config): void {
  if (!isLoopback(config.host) && config.apiKeys.length === 0) {
    log.warn(
      `Listening on ${config.host} without an API key: anyone who can reach this address can use your Copilot subscription. ` +
        "Set one with --api-key (or COPILOT_API_KEYS), or listen on 127.0.0.1.",
    );
  }
  if (config.apiKeys.length > 0) log.info(`API keys: ${config.apiKeys.length} configured; open the dashboard once with /?key=<key>`);
  if (config.corsOrigins.length > 0) log.info(`Browser origins allowed: ${config.corsOrigins.join(", ")}`);
  if (config.rateLimitSeconds) {
    log.info(`Rate limit: one upstream request every ${config.rateLimitSeconds} s, ${config.wait ? "queueing the others" : "429 for the others (add --wait to queue)"}`);
  } else if (config.wait) {
    log.warn("--wait does nothing without --rate-limit");
  }
  if (config.manual) {
    log.info(
      config.redisUrl
        ? "Manual approval: upstream requests of every instance on this Redis wait in one queue; this terminal asks y/N about the next one whenever it is free"
        : "Manual approval: each upstream request waits for y/N here, one at a time",
    );
  }
  // Bun's fetch reads the proxy variables by itself (src/upstream/http.ts): say so rather than let
  // --proxy-env seem to matter, or a proxy be used that Node would have left alone.
  const proxyVar = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].find((n) => process.env[n]);
  if ((globalThis as { Bun?: unknown }).Bun !== undefined && proxyVar && !config.proxyEnv) {
    log.warn(`Under Bun, ${proxyVar} is used for GitHub/Copilot traffic with or without --proxy-env (Bun's fetch reads it); unset it to connect directly`);
  }
}

/** How long SIGTERM/SIGINT waits for in-flight requests before cutting them. */
const DRAIN_MS = 30_000;

export default defineCommand({
  meta: { name: "start", description: "Start the API server" },
  args: {
    ...sharedArgs,
    port: { type: "string", alias: "p", description: "Port to listen on (default 4141)" },
    host: { type: "string", description: "Address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to your network)" },
    "account-type": { type: "string", alias: "a", description: "individual, business or enterprise: only a fallback, the host comes from your token" },
    alias: { type: "string", description: "A model alias, name=model (repeatable), e.g. --alias sonnet=claude-sonnet-4.6" },
    manual: { type: "boolean", description: "Approve each request at the terminal (needs a TTY)" },
    "rate-limit": { type: "string", alias: "r", description: "Minimum seconds between upstream requests, concurrent ones included" },
    wait: { type: "boolean", alias: "w", description: "With --rate-limit: queue instead of answering 429" },
    "api-key": { type: "string", description: "Require this key from clients (repeatable; env COPILOT_API_KEYS, comma-separated)" },
    "cors-origin": { type: "string", description: "Allow browser calls from this origin (repeatable); none by default" },
    "log-file": { type: "string", description: "Append one JSON line per request to this file" },
    "log-bodies": { type: "boolean", description: "Include each request body (the prompt) in the request log; answers are not logged" },
    "image-urls": { type: "boolean", description: "Download images given by URL (default on; --no-image-urls refuses them)" },
    "image-urls-allow-private": { type: "boolean", description: "Let image URLs reach loopback, private and link-local addresses" },
    ledger: { type: "boolean", negativeDescription: "Keep no usage ledger (usage.sqlite in the data directory; budgets then count from the start only)" },
    "ledger-retention-days": { type: "string", description: "Delete ledger rows older than this many days (default 90)" },
    budget: { type: "string", description: "Spending limit in AI credits, per day or month: 20/day, 300/month (repeatable)" },
    "github-app-id": { type: "string", description: "Use a GitHub App's installation tokens (billed to its organisation) instead of a user's token: the App ID" },
    "github-app-key": { type: "string", description: "With --github-app-id: the app's private key (.pem file)" },
    "github-app-installation": { type: "string", description: "With --github-app-id: the installation id on the organisation" },
    "redis-url": { type: "string", description: "Share rate limits, budgets and stored responses with other instances through this Redis (env COPILOT_API_REDIS_URL)" },
    "database-url": { type: "string", description: "Keep the usage ledger in this PostgreSQL database, postgres://… (env COPILOT_API_DATABASE_URL)" },
    "web-search-model": { type: "string", description: "The GPT model that runs web searches (env COPILOT_API_WEB_SEARCH_MODEL; default: the first OpenAI model on /responses)" },
    quiet: { type: "boolean", alias: "q", description: "No line per request on the terminal (warnings and errors still print)" },
    "claude-code": { type: "boolean", alias: "c", default: false, description: "Print (and copy) a command that launches Claude Code against this server" },
    "claude-model": { type: "string", description: "With --claude-code: the main model (default: asked on a TTY, else the newest Claude Sonnet)" },
    codex: { type: "boolean", description: "Print the Codex CLI config.toml block for this server" },
    "codex-model": { type: "string", description: "With --codex: the model (default: asked on a TTY, else the newest responses-native GPT)" },
    "claude-small-model": { type: "string", description: "With --claude-code: the small/fast model (default: asked on a TTY, else the newest Claude Haiku)" },
  },
  async run({ args }) {
    let config;
    try {
      config = configFrom(args, {
        port: args.port,
        host: args.host,
        accountType: args["account-type"],
        modelAliases: parseAliases((args as Record<string, unknown>).alias),
        apiKeys: asList(args["api-key"]),
        rateLimitSeconds: args["rate-limit"],
        wait: args.wait,
        manual: args.manual,
        corsOrigins: asList(args["cors-origin"]),
        logFile: args["log-file"],
        logBodies: args["log-bodies"],
        imageUrls: args["image-urls"],
        imageUrlsAllowPrivate: args["image-urls-allow-private"],
        ledger: args.ledger,
        ledgerRetentionDays: args["ledger-retention-days"],
        budgets: asList(args.budget),
        githubAppId: args["github-app-id"],
        githubAppKey: args["github-app-key"],
        githubAppInstallation: args["github-app-installation"],
        redisUrl: args["redis-url"],
        databaseUrl: args["database-url"],
        webSearchModel: args["web-search-model"],
        quiet: args.quiet,
      });
    } catch (error) {
      log.error((error as Error).message);
      process.exitCode = 2;
      return;
    }
    // --manual asks at the terminal: without one, every request would wait for an answer that never comes.
    if (config.manual && !(process.stdin.isTTY && process.stdout.isTTY)) {
      log.error(
        "--manual approves each request at the terminal, but stdin/stdout is not a terminal (TTY). " +
          "Run `copilot-api start --manual` in an interactive terminal, or leave --manual out (see --rate-limit for unattended limits).",
      );
      process.exitCode = 2;
      return;
    }

    try {
      const token = config.githubApp ? await githubAppTokens(config, log) : await githubToken(config);
      const runtime = await createRuntime(config, { githubToken: token });
      // The model list saved by the last run is served until Copilot's arrives (src/upstream/catalog-cache.ts).
      const { catalogFresh } = await startRuntime(runtime, { catalogCache: join(config.dataDir, "cache", CATALOG_CACHE_FILE) });
      const checkNames = () =>
        checkAliases(config.modelAliases, runtime.catalog.list()) ?? checkSearchModel(config.webSearchModel, runtime.catalog.list(), config.modelAliases);
      let badAlias = checkNames();
      // A name missing from the saved list may be in the fresh one: only that one can refuse it.
      if (badAlias) {
        await catalogFresh;
        badAlias = checkNames();
      }
      if (badAlias) {
        stopRuntime(runtime);
        log.error(badAlias);
        process.exitCode = 2;
        return;
      }
      if (config.showToken) {
        if (typeof token === "string") log.secret("GitHub token", token);
        if (runtime.tokens.current) log.secret("Copilot token", runtime.tokens.current.token);
      }
      const requestLog = config.logFile
        ? await openRequestLog({ file: config.logFile, bodies: config.logBodies, recorder: runtime.recorder, log })
        : undefined;
      configureFlow(runtime, { approver: config.manual ? new TerminalApprover() : undefined });
      describeLimits(config);
      // Built tokenizer tables are kept next to the other state (a few ms to load instead of a scan).
      // The table is loaded on the first count, not at start: it is most of an idle server's memory,
      // and with this cache the first count_tokens pays only tens of ms (docs/benchmark.md).
      setTokenizerCacheDir(join(config.dataDir, "cache"));
      const server = await listen(createApp(runtime).fetch, config.host, config.port, config);
      const count = runtime.catalog.list().length;
      log.success(`copilot-api listening on ${server.url} (${count} models, Copilot host ${runtime.tokens.current?.apiBase})`);
      log.info(`OpenAI base URL:    ${server.url}/v1`);
      log.info(`Anthropic base URL: ${server.url}`);
      log.info(`Dashboard:          ${server.url}/  (usage at /usage, metrics at /metrics)`);
      if (config.logFile) log.info(`Request log:        ${config.logFile}${config.logBodies ? " (with bodies)" : ""}`);
      if (runtime.ledger) log.info(`Usage ledger:       ${runtime.ledger.file} (copilot-api usage)`);
      for (const b of runtime.budgets.snapshot()) {
        log.info(`Budget (${b.scope}): ${b.limitCredits} AI credits per ${b.period}, ${Math.round(b.spentCredits * 100) / 100} spent, resets ${b.resetsAt}`);
      }
      if (!config.quiet) printRequestLines(runtime.recorder);
      // Memory grown in a burst of requests is given back once it is over (src/collect-when-idle.ts).
      collectWhenIdle(runtime.recorder, { log });
      // Checked again on Copilot's own list once it is in; by then the server is running, so only said.
      void catalogFresh.then(() => {
        const late = checkNames();
        if (late) log.warn(late);
      });
      // The launch commands are resolved against Copilot's own list.
      if (args["claude-code"] || args.codex) await catalogFresh;
      if (args["claude-code"]) await printClaudeCode(runtime, server.url, args["claude-model"], args["claude-small-model"]);
      if (args.codex) await printCodex(runtime, server.url, args["codex-model"], config.apiKeys.length > 0);
      const shutdown = async (signal: string) => {
        log.info(`${signal}: finishing in-flight requests (up to ${DRAIN_MS / 1000} s; ${signal} again stops at once), then exiting`);
        stopRuntime(runtime);
        // Open dashboards' event streams never end by themselves: end them so the drain below doesn't wait.
        runtime.recorder.shutdown();
        // New connections are refused; streams in flight run to their end, within the bound.
        if (!(await server.drain(DRAIN_MS))) log.warn(`Requests still running after ${DRAIN_MS / 1000} s: closing them`);
        await server.close();
        // Rows of the requests that just finished are written before exiting.
        await runtime.ledger?.close();
        await requestLog?.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown("SIGINT"));
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
    } catch (error) {
      if (error instanceof ConfigError) {
        log.error(error.message);
        process.exitCode = 2;
        return;
      }
      log.error(startFailure(error, config, tokenSource(args, config)));
      process.exitCode = 1;
    }
  },
});

/** Why start failed, with the option or step that fixes it. */
function startFailure(error: unknown, config: Config, source: TokenSource): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return `Port ${config.port} on ${config.host} is already in use (another copilot-api?). Choose another with --port, e.g. --port ${config.port === 65535 ? 4142 : config.port + 1}, or stop the program using it.`;
  }
  if (code === "EACCES") return `Not allowed to listen on port ${config.port} (ports below 1024 need privileges). Choose another with --port, e.g. --port 4141.`;
  if (code === "EADDRNOTAVAIL") return `Cannot listen on ${config.host}: this machine has no such address. Change it with --host (127.0.0.1: this machine only; 0.0.0.0: every interface).`;
  return (explainRejectedToken(error, source, config) as Error).message;
}
