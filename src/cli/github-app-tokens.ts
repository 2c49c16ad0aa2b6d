import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "../config-checks.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { GitHubAppTokens, parseAppKey } from "../upstream/github-app.js";
import { createFetch } from "../upstream/http.js";

/** The installation token source for --github-app-*, its key read and checked before anything else starts. */
export async function githubAppTokens(config: Config, log: Logger): Promise<GitHubAppTokens> {
  const app = config.githubApp!;
  let pem: string;
  try {
    pem = await readFile(app.keyFile, "utf8");
  } catch (error) {
    throw new ConfigError(`--github-app-key: cannot read ${app.keyFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // The key mints tokens billed to the organisation: like a stored token, only its owner reads it.
  const { mode } = await stat(app.keyFile);
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    log.warn(`--github-app-key ${app.keyFile} can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const source = new GitHubAppTokens({
    fetch: createFetch(config.proxyEnv),
    apiUrl: config.githubApiUrl,
    appId: app.appId,
    privateKey: parseAppKey(pem, app.keyFile),
    installationId: app.installationId,
    log,
  });
  // The first token now, so that a wrong id or key stops the start with GitHub's reason.
  await source.token();
  log.info(`GitHub App ${app.appId}, installation ${app.installationId}: Copilot use is billed to the organisation`);
  return source;
}
