import { defineCommand } from "citty";
import { createApp } from "../app.js";
import { log } from "../log.js";
import { createRuntime, startRuntime, stopRuntime } from "../runtime.js";
import { listen } from "../server.js";
import { configFrom, githubToken, sharedArgs } from "./common.js";

export default defineCommand({
  meta: { name: "start", description: "Start the API server" },
  args: {
    ...sharedArgs,
    port: { type: "string", alias: "p", default: "4141", description: "Port to listen on" },
    host: { type: "string", default: "127.0.0.1", description: "Address to listen on (0.0.0.0 exposes it to your network)" },
    "account-type": { type: "string", alias: "a", default: "individual", description: "individual, business or enterprise: only a fallback, the host comes from your token" },
    manual: { type: "boolean", default: false, description: "Approve each request at the terminal" },
    "rate-limit": { type: "string", alias: "r", description: "Minimum seconds between requests" },
    wait: { type: "boolean", alias: "w", default: false, description: "With --rate-limit: queue instead of answering 429" },
    "claude-code": { type: "boolean", alias: "c", default: false, description: "Print a command that launches Claude Code against this server" },
  },
  async run({ args }) {
    let config;
    try {
      config = configFrom(args, { port: args.port, host: args.host, accountType: args["account-type"] });
    } catch (error) {
      log.error((error as Error).message);
      process.exitCode = 2;
      return;
    }
    for (const flag of ["manual", "wait", "claude-code"] as const) {
      if (args[flag]) log.warn(`--${flag} is accepted for compatibility but not available in this version yet`);
    }
    if (args["rate-limit"]) log.warn("--rate-limit is accepted for compatibility but not available in this version yet");

    try {
      const token = await githubToken(config);
      const runtime = await createRuntime(config, { githubToken: token });
      await startRuntime(runtime);
      if (config.showToken) {
        log.secret("GitHub token", token);
        if (runtime.tokens.current) log.secret("Copilot token", runtime.tokens.current.token);
      }
      const server = await listen(createApp(runtime).fetch, config.host, config.port);
      const count = runtime.catalog.list().length;
      log.success(`copilot-api listening on ${server.url} (${count} models, Copilot host ${runtime.tokens.current?.apiBase})`);
      log.info(`OpenAI base URL:    ${server.url}/v1`);
      log.info(`Anthropic base URL: ${server.url}`);
      const shutdown = async (signal: string) => {
        log.info(`${signal}: finishing in-flight requests, then exiting`);
        stopRuntime(runtime);
        await server.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown("SIGINT"));
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
    } catch (error) {
      log.error((error as Error).message);
      process.exitCode = 1;
    }
  },
});
