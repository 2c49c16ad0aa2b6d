import { dataDir } from "./paths.js";

export type AccountType = "individual" | "business" | "enterprise";

/** Everything the program needs to know, resolved once from flags, environment and defaults. */
export interface Config {
  port: number;
  host: string;
  verbose: boolean;
  showToken: boolean;
  proxyEnv: boolean;
  /** Only used to guess the Copilot host when neither the token nor the user record names one. */
  accountType: AccountType;
  githubToken?: string;
  enterpriseUrl?: string;
  /** Device flow base (github.com or <tenant>.ghe.com). */
  githubUrl: string;
  /** GitHub REST base for token exchange, user and quota (api.github.com or api.<tenant>.ghe.com). */
  githubApiUrl: string;
  /** X-GitHub-Api-Version sent to Copilot. */
  apiVersion: string;
  dataDir: string;
  /** Largest request body accepted, in bytes. Claude Code's first turn is ~120 KB and grows. */
  bodyLimit: number;
}

/**
 * The newest API version the reference knows of (copilot-upstream.md 3.4: pkg 0.5.x sends
 * 2026-08-01 since 2026-09). [U] Which versions Copilot accepts today is not published; GitHub
 * answers 466 for retired ones, so this stays overridable with COPILOT_API_VERSION.
 */
export const DEFAULT_API_VERSION = "2026-08-01";
export const DEFAULT_PORT = 4141;

export interface ConfigInput {
  port?: number | string;
  host?: string;
  verbose?: boolean;
  showToken?: boolean;
  proxyEnv?: boolean;
  accountType?: string;
  githubToken?: string;
  enterpriseUrl?: string;
  bodyLimit?: number;
}

function normaliseHost(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

export function parsePort(value: number | string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_PORT;
  const port = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid port "${value}": expected a whole number from 0 to 65535`);
  }
  return port;
}

export function parseAccountType(value: string | undefined): AccountType {
  const v = (value ?? "individual").toLowerCase();
  if (v === "individual" || v === "business" || v === "enterprise") return v;
  throw new Error(`Invalid account type "${value}": expected individual, business or enterprise`);
}

export function resolveConfig(input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const enterprise = input.enterpriseUrl ?? env.COPILOT_API_ENTERPRISE_URL;
  const tenant = enterprise ? normaliseHost(enterprise) : undefined;
  const githubUrl = (env.COPILOT_API_GITHUB_URL ?? (tenant ? `https://${tenant}` : "https://github.com")).replace(/\/+$/, "");
  const githubApiUrl = (env.COPILOT_API_GITHUB_API_URL ?? (tenant ? `https://api.${tenant}` : "https://api.github.com")).replace(/\/+$/, "");
  return {
    port: parsePort(input.port ?? env.PORT),
    host: input.host ?? "127.0.0.1",
    verbose: input.verbose ?? false,
    showToken: input.showToken ?? false,
    proxyEnv: input.proxyEnv ?? false,
    accountType: parseAccountType(input.accountType),
    githubToken: (input.githubToken ?? env.GH_TOKEN)?.trim() || undefined,
    enterpriseUrl: tenant,
    githubUrl,
    githubApiUrl,
    apiVersion: env.COPILOT_API_VERSION?.trim() || DEFAULT_API_VERSION,
    dataDir: dataDir(env),
    bodyLimit: input.bodyLimit ?? 32 * 1024 * 1024,
  };
}

/** Where Copilot lives when nothing better is known: only a fallback, endpoints.api always wins. */
export function fallbackCopilotBase(config: Pick<Config, "accountType" | "enterpriseUrl">): string {
  if (config.enterpriseUrl) return `https://copilot-api.${config.enterpriseUrl}`;
  return config.accountType === "individual"
    ? "https://api.githubcopilot.com"
    : `https://api.${config.accountType}.githubcopilot.com`;
}
