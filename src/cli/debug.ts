import { existsSync, readFileSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { paths } from "../paths.js";
import { configFrom, configOrExit, version } from "./common.js";
import { describeToken, tokenKind } from "../upstream/token-source.js";

/** Version, runtime, paths and whether a token exists: never the token itself. */
export function debugInfo(config: ReturnType<typeof configFrom>) {
  const p = paths(config.dataDir);
  const bun = (globalThis as { Bun?: { version: string } }).Bun;
  let tokenMode: string | undefined;
  try {
    tokenMode = (statSync(p.githubToken).mode & 0o777).toString(8);
  } catch {
    tokenMode = undefined;
  }
  // Which token start would use and how (its kind only; the token itself is never shown).
  let token = config.githubToken;
  if (!token) {
    try {
      token = readFileSync(p.githubToken, "utf8").trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  const tokenUse = token ? describeToken(tokenKind(token), config.githubToken ? (config.githubTokenOrigin ?? "flag") : "file") : "none (start runs the device flow)";
  return {
    version: version(),
    runtime: bun ? { name: "bun", version: bun.version } : { name: "node", version: process.versions.node },
    platform: `${process.platform}-${process.arch}`,
    paths: { dataDir: p.dir, githubToken: p.githubToken, config: p.config },
    auth: {
      tokenExists: existsSync(p.githubToken),
      tokenFileMode: tokenMode,
      githubTokenFromEnvOrFlag: Boolean(config.githubToken),
      githubTokenOrigin: config.githubTokenOrigin ?? null,
      tokenUse,
    },
    upstream: {
      githubUrl: config.githubUrl,
      githubApiUrl: config.githubApiUrl,
      enterpriseUrl: config.enterpriseUrl ?? null,
      apiVersion: config.apiVersion,
    },
  };
}

export default defineCommand({
  meta: { name: "debug", description: "Print version, runtime, paths and auth state (no secrets)" },
  args: {
    verbose: { type: "boolean", alias: "v", default: false, description: "Also say which config file was read (text output only)" },
    config: { type: "string", description: "Config file (default: copilot-api.json in the data directory)" },
    json: { type: "boolean", default: false, description: "Print JSON" },
  },
  run({ args }) {
    // --json output stays pure JSON on stdout: the verbose line goes with the text form only.
    const config = configOrExit(args.json ? { ...args, verbose: false } : args);
    if (!config) return;
    const info = debugInfo(config);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      return;
    }
    const lines = [
      `copilot-api ${info.version}`,
      `runtime:        ${info.runtime.name} ${info.runtime.version} (${info.platform})`,
      `data dir:       ${info.paths.dataDir}`,
      `token file:     ${info.paths.githubToken} (${info.auth.tokenExists ? `present, mode ${info.auth.tokenFileMode}` : "absent"})`,
      `token from env: ${info.auth.githubTokenFromEnvOrFlag ? `yes (${info.auth.githubTokenOrigin})` : "no"}`,
      `token in use:   ${info.auth.tokenUse}`,
      `GitHub:         ${info.upstream.githubUrl} / ${info.upstream.githubApiUrl}`,
      `API version:    ${info.upstream.apiVersion}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  },
});
