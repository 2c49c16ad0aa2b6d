import { defineCommand } from "citty";
import { log } from "../log.js";
import { paths } from "../paths.js";
import { formatUsage } from "../usage/format-usage.js";
import { GitHubClient } from "../upstream/github.js";
import { createFetch } from "../upstream/http.js";
import { buildIdentity, loadDeviceIds } from "../upstream/identity.js";
import { configOrExit, explainRejectedToken, githubToken, sharedArgs, tokenSource } from "./common.js";

export default defineCommand({
  meta: { name: "check-usage", description: "Show your Copilot plan, quota and reset date" },
  args: sharedArgs,
  async run({ args }) {
    const config = configOrExit(args);
    if (!config) return;
    try {
      const token = await githubToken(config, { interactiveLogin: false });
      const identity = buildIdentity(await loadDeviceIds(paths(config.dataDir).device));
      const github = new GitHubClient(createFetch(config.proxyEnv), config.githubApiUrl, identity);
      // Editor tokens use "token"; gho_ tokens used directly (Copilot's mode B) want "Bearer".
      const user = await github.user(token, "token").catch((error: unknown) => {
        if ((error as { status?: number }).status === 401 || (error as { status?: number }).status === 404) return github.user(token, "Bearer");
        throw error;
      });
      process.stdout.write(`${formatUsage(user)}\n`);
    } catch (error) {
      log.error(`Could not read usage: ${(explainRejectedToken(error, tokenSource(args, config), config) as Error).message}`);
      process.exitCode = 1;
    }
  },
});
