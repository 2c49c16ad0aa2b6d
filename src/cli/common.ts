import { readFileSync } from "node:fs";
import { parseConfigFile, resolveConfig, type Config, type ConfigInput } from "../config.js";
import { log, registerSecret } from "../log.js";
import { ApiError } from "../errors.js";
import { dataDir, ensureDataDir, paths, readSecretFile, writeSecretFile } from "../paths.js";
import { runDeviceFlow } from "../upstream/device-flow.js";
import { GitHubClient } from "../upstream/github.js";
import { createFetch } from "../upstream/http.js";
import { buildIdentity, loadDeviceIds } from "../upstream/identity.js";

export const sharedArgs = {
  config: { type: "string", description: "Config file (default: copilot-api.json in the data directory)" },
  verbose: { type: "boolean", alias: "v", description: "Log more (never secrets)" },
  "github-token": { type: "string", alias: "g", description: "GitHub token to use (env GH_TOKEN); not stored" },
  "show-token": { type: "boolean", description: "Print the GitHub and Copilot tokens (off by default: they grant access to your account)" },
  "proxy-env": { type: "boolean", description: "Send GitHub/Copilot traffic through HTTP(S)_PROXY, honouring NO_PROXY" },
  "enterprise-url": { type: "string", description: "GitHub Enterprise Cloud with data residency: <tenant>.ghe.com (env COPILOT_API_ENTERPRISE_URL)" },
} as const;

/** Our package.json's version, found upwards from this file (dist/src/cli/ compiled, or dist/ bundled). */
export function version(): string {
  for (let up = "../"; up.length <= 12; up += "../") {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "copilot-api") return pkg.version ?? "0.0.0";
    } catch {
      // not at this level
    }
  }
  return "0.0.0";
}

function readConfigFile(explicit: string | undefined): ConfigInput {
  const file = explicit ?? paths(dataDir()).config;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    // No file, or a data directory path that is not a directory (it can hold no config file either).
    if (!explicit && ["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return {};
    throw new Error(`Cannot read the config file ${file}: ${(error as Error).message}`);
  }
  return parseConfigFile(text, file);
}

const flag = (v: unknown) => (typeof v === "boolean" ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export function configFrom(args: Record<string, unknown>, extra: ConfigInput = {}): Config {
  const file = readConfigFile(str(args.config));
  const config = resolveConfig(
    {
      verbose: flag(args.verbose),
      showToken: flag(args["show-token"]),
      proxyEnv: flag(args["proxy-env"]),
      githubToken: str(args["github-token"]),
      enterpriseUrl: str(args["enterprise-url"]),
      ...extra,
    },
    process.env,
    file,
  );
  log.setVerbose(config.verbose);
  log.debug(`Config file: ${config.configFile ?? `none (${paths(config.dataDir).config} does not exist)`}; data directory ${config.dataDir}`);
  return config;
}

/** configFrom, or undefined once it has said what is wrong (exit status 2: a usage error). */
export function configOrExit(args: Record<string, unknown>, extra: ConfigInput = {}): Config | undefined {
  try {
    return configFrom(args, extra);
  } catch (error) {
    log.error((error as Error).message);
    process.exitCode = 2;
    return undefined;
  }
}

/**
 * Poll intervals from GitHub are honoured as given; COPILOT_API_DEVICE_POLL_SCALE shortens them
 * for the project's own tests against the local fake GitHub, and nothing else.
 */
function pollScale(): number {
  const v = Number(process.env.COPILOT_API_DEVICE_POLL_SCALE);
  return Number.isFinite(v) && v > 0 && v <= 1 ? v : 1;
}

/** Logs in with GitHub's device flow and stores the token (0600). */
export async function login(config: Config): Promise<string> {
  // Said before the device flow, not after the user has entered the code.
  await ensureDataDir(config.dataDir);
  const scale = pollScale();
  const fetch = createFetch(config.proxyEnv);
  const token = await runDeviceFlow({
    fetch,
    githubUrl: config.githubUrl,
    onCode: (code) => {
      log.box(`To sign in, open ${code.verification_uri}\nand enter the code ${code.user_code}\n(it expires in ${Math.round(code.expires_in / 60)} minutes)`);
      log.info("Waiting for you to enter the code on GitHub… (Ctrl+C to cancel)");
    },
    onSlowDown: (interval) => log.info(`GitHub asked us to poll less often; now every ${interval} s`),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms * scale)),
  });
  registerSecret(token);
  await writeSecretFile(paths(config.dataDir).githubToken, token);
  // Who logged in, as the original said: a wrong account is seen at once. Optional: the token works either way.
  const identity = buildIdentity(await loadDeviceIds(paths(config.dataDir).device));
  const who = await new GitHubClient(fetch, config.githubApiUrl, identity)
    .user(token, "token")
    .then((u) => u.login, () => undefined);
  log.success(`Logged in${who ? ` as ${who}` : ""}. Token stored in ${paths(config.dataDir).githubToken} (mode 0600)`);
  if (config.showToken) log.secret("GitHub token", token);
  return token;
}

/** The GitHub token: --github-token / GH_TOKEN, else the stored one, else a fresh login. */
export async function githubToken(config: Config, { interactiveLogin = true } = {}): Promise<string> {
  if (config.githubToken) {
    registerSecret(config.githubToken);
    return config.githubToken;
  }
  const file = paths(config.dataDir).githubToken;
  const { value: stored, fixedMode } = await readSecretFile(file);
  if (fixedMode) log.warn(`${file} was readable by other users; its mode is now 0600`);
  if (stored) {
    registerSecret(stored);
    return stored;
  }
  if (!interactiveLogin) throw new Error("Not logged in: run `copilot-api auth`, or pass --github-token / GH_TOKEN");
  return login(config);
}

/** Where the GitHub token in use came from: it decides what to do once GitHub rejects it. */
export type TokenSource = "flag" | "env" | "stored";

export function tokenSource(args: Record<string, unknown>, config: Config): TokenSource {
  if (typeof args["github-token"] === "string" && args["github-token"].trim()) return "flag";
  return config.githubToken ? "env" : "stored";
}

/**
 * A rejected GitHub token, said with where it came from and what to do about that one: GH_TOKEN
 * wins over the stored login, so "run copilot-api auth" alone would not help while it is set.
 */
export function explainRejectedToken(error: unknown, source: TokenSource, config: Config): unknown {
  if (!(error instanceof ApiError) || error.status !== 401 || !error.upstream) return error;
  const reason = error.message.replace(/ Run `copilot-api auth` to log in again\.$/, "");
  // COPILOT_GITHUB_TOKEN, GH_TOKEN or GITHUB_TOKEN: the first one set (upstream/token-source.ts).
  const variable = config.githubTokenOrigin && config.githubTokenOrigin !== "flag" ? config.githubTokenOrigin : "GH_TOKEN";
  const advice: Record<TokenSource, string> = {
    env:
      `The token came from the ${variable} environment variable, which wins over the stored login. ` +
      `Set ${variable} to a valid token, or unset it (\`unset ${variable}\`) to use the login from \`copilot-api auth\`.`,
    flag: "The token came from --github-token (-g). Pass a valid token, or leave the flag out to use the login from `copilot-api auth`.",
    stored: `The token came from ${paths(config.dataDir).githubToken}. Run \`copilot-api auth\` to log in again.`,
  };
  return new ApiError({ kind: error.kind, status: error.status, message: `${reason} ${advice[source]}`, upstream: true });
}
