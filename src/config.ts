import { closestName } from "./closest-name.js";
import { checkSettings, ConfigError } from "./config-checks.js";
import { dataDir } from "./paths.js";
import { DEFAULT_RESPONSE_STORE_LIMITS, type ResponseStoreLimits } from "./responses-state/response-store.js";
import { type BudgetSpec, parseBudget } from "./cost/budget-spec.js";
import { tokenFromEnv, type TokenOrigin } from "./upstream/token-source.js";

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
  /** Where githubToken came from: the flag, or the first of COPILOT_GITHUB_TOKEN, GH_TOKEN, GITHUB_TOKEN. */
  githubTokenOrigin?: TokenOrigin;
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
  /**
   * How long an upstream answer may go silent mid-body before it is given up, in ms; the client then
   * gets an error event instead of a stream that never ends. Long, because a high-effort model can
   * think for minutes between two chunks (known-failures N1). 0: never.
   */
  upstreamIdleTimeoutMs: number;
  /**
   * How long downloading one image given by URL may take, connecting included, in ms. Copilot
   * refuses external image URLs, so the server downloads them and sends them inline (src/images/).
   */
  imageFetchTimeoutMs: number;
  /** Download images given by http(s) URL at all; off: such requests get a 400. */
  imageUrls: boolean;
  /** Let image URLs reach loopback, private and link-local addresses (images served on your own network). */
  imageUrlsAllowPrivate: boolean;
  /** A connection that has not sent a whole request head in this long is closed, in ms. */
  headersTimeoutMs: number;
  /** Client connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** Model names clients may use for Copilot models, e.g. {"sonnet": "claude-sonnet-4.6"}. */
  modelAliases: Record<string, string>;
  /** The config file that was read, if any. */
  configFile?: string;
  /** When non-empty, every API route requires one of these (Authorization: Bearer or x-api-key). */
  apiKeys: string[];
  /** Minimum seconds between upstream requests (a queue, concurrency included). */
  rateLimitSeconds?: number;
  /** With rateLimitSeconds: wait in the queue instead of answering 429. */
  wait: boolean;
  /** Approve every request at the terminal. */
  manual: boolean;
  /** Origins allowed to call the API from a browser; none by default. */
  corsOrigins: string[];
  /** Append one JSON line per request here. */
  logFile?: string;
  /** Include prompt and answer bodies in the request log. */
  logBodies: boolean;
  /** Bounds of the in-memory store of Responses answers for `store: true` clients. */
  responseStore: ResponseStoreLimits;
  /** Keep one row per request in the SQLite ledger in the data directory (--no-ledger: off). */
  ledger: boolean;
  /** Ledger rows older than this many days are deleted. */
  ledgerRetentionDays: number;
  /** Spending limits for the whole server, e.g. ["20/day", "300/month"] (AI credits). */
  budgets: BudgetSpec[];
  /** Names given to API keys in the config file, by key. */
  keyNames: Record<string, string>;
  /** Budgets given to API keys in the config file, by key. */
  keyBudgets: Record<string, BudgetSpec[]>;
  /** An organisation's GitHub App whose installation tokens replace a user's token (billed to the organisation). */
  githubApp?: { appId: string; keyFile: string; installationId: string };
  /** Redis shared by several instances (rate limit, budgets' totals, stored responses); none: per instance. */
  redisUrl?: string;
  /** postgres://… for the ledger shared by several instances; none: the SQLite file in the data directory. */
  databaseUrl?: string;
  /** The only models some API keys may use (config file `models`), by key; "prefix*" matches a family. */
  keyModels: Record<string, string[]>;
  /** The GPT model that runs web searches for clients (src/web-search/); default: the first OpenAI model on /responses. */
  webSearchModel?: string;
  /** No line per request on the terminal. */
  quiet: boolean;
}

/** An `apiKeys` entry of the config file: the key alone, or with a name and a budget. */
export type ApiKeyEntry = string | { key: string; name?: string; budget?: string | string[]; models?: string[] };

/**
 * The newest API version the reference knows of (copilot-upstream.md 3.4: pkg 0.5.x sends
 * 2026-08-01 since 2026-09). [U] Which versions Copilot accepts today is not published; GitHub
 * answers 466 for retired ones, so this stays overridable with COPILOT_API_VERSION.
 */
export const DEFAULT_API_VERSION = "2026-08-01";
export const DEFAULT_PORT = 4141;
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_IMAGE_FETCH_TIMEOUT_MS = 15_000;
/** How long a client may take to send a request's head (line and headers). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
/** Open client connections allowed at once: far more than any set of clients needs. */
export const DEFAULT_MAX_CONNECTIONS = 1_000;
export const DEFAULT_LEDGER_RETENTION_DAYS = 90;

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
  upstreamIdleTimeoutMs?: number;
  imageFetchTimeoutMs?: number | string;
  imageUrls?: boolean;
  imageUrlsAllowPrivate?: boolean;
  headersTimeoutMs?: number | string;
  maxConnections?: number | string;
  modelAliases?: Record<string, string>;
  configFile?: string;
  apiKeys?: ApiKeyEntry[];
  responseStoreMaxResponses?: number;
  responseStoreMaxBytes?: number;
  responseStoreTtlSeconds?: number;
  rateLimitSeconds?: number | string;
  wait?: boolean;
  manual?: boolean;
  corsOrigins?: string[];
  logFile?: string;
  logBodies?: boolean;
  ledger?: boolean;
  ledgerRetentionDays?: number | string;
  budgets?: string[];
  githubAppId?: number | string;
  githubAppKey?: string;
  githubAppInstallation?: number | string;
  redisUrl?: string;
  databaseUrl?: string;
  webSearchModel?: string;
  quiet?: boolean;
}

function normaliseHost(url: string): string {
  return url.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

export function parsePort(value: number | string | undefined): number {
  const text = typeof value === "string" ? value.trim() : value;
  if (text === undefined || text === "") return DEFAULT_PORT;
  // Number() would read "  " as 0 (a random port) and accept "0x10" or "1e3".
  const port = typeof text === "number" ? text : /^\d+$/.test(text) ? Number(text) : Number.NaN;
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

/**
 * Precedence: flags (`input`), then the config file, then the environment, then defaults. Aliases
 * from the file and from flags are merged, flags winning per name.
 */
export function resolveConfig(flags: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env, file: ConfigInput = {}): Config {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as ConfigInput;
  checkSettings(defined as Record<string, unknown>);
  const input: ConfigInput = { ...file, ...defined, modelAliases: { ...file.modelAliases, ...flags.modelAliases } };
  const enterprise = input.enterpriseUrl ?? env.COPILOT_API_ENTERPRISE_URL;
  const tenant = enterprise ? normaliseHost(enterprise) : undefined;
  const githubUrl = (env.COPILOT_API_GITHUB_URL ?? (tenant ? `https://${tenant}` : "https://github.com")).replace(/\/+$/, "");
  const flagToken = input.githubToken?.trim() || undefined;
  const envToken = flagToken ? undefined : tokenFromEnv(env);
  const githubApiUrl = (env.COPILOT_API_GITHUB_API_URL ?? (tenant ? `https://api.${tenant}` : "https://api.github.com")).replace(/\/+$/, "");
  const keys = apiKeyEntries([...(file.apiKeys ?? []), ...(defined.apiKeys ?? [])]);
  return {
    port: input.port !== undefined ? parsePort(input.port) : fromEnv("PORT", () => parsePort(env.PORT)),
    host: input.host ?? "127.0.0.1",
    verbose: input.verbose ?? false,
    showToken: input.showToken ?? false,
    proxyEnv: input.proxyEnv ?? false,
    accountType: parseAccountType(input.accountType),
    githubToken: flagToken ?? envToken?.token,
    githubTokenOrigin: flagToken ? "flag" : envToken?.origin,
    enterpriseUrl: tenant,
    githubUrl,
    githubApiUrl,
    apiVersion: env.COPILOT_API_VERSION?.trim() || DEFAULT_API_VERSION,
    dataDir: dataDir(env),
    bodyLimit: input.bodyLimit ?? 32 * 1024 * 1024,
    upstreamIdleTimeoutMs: input.upstreamIdleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
    imageFetchTimeoutMs: parseImageFetchTimeout(input.imageFetchTimeoutMs ?? env.COPILOT_API_IMAGE_FETCH_TIMEOUT_MS),
    imageUrls: input.imageUrls ?? fromEnv("COPILOT_API_IMAGE_URLS", () => envSwitch(env.COPILOT_API_IMAGE_URLS)) ?? true,
    imageUrlsAllowPrivate: input.imageUrlsAllowPrivate ?? fromEnv("COPILOT_API_IMAGE_URLS_ALLOW_PRIVATE", () => envSwitch(env.COPILOT_API_IMAGE_URLS_ALLOW_PRIVATE)) ?? false,
    headersTimeoutMs:
      input.headersTimeoutMs !== undefined
        ? parseWholeNumber(input.headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS)
        : fromEnv("COPILOT_API_HEADERS_TIMEOUT_MS", () => parseWholeNumber(env.COPILOT_API_HEADERS_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS)),
    maxConnections:
      input.maxConnections !== undefined
        ? parseWholeNumber(input.maxConnections, DEFAULT_MAX_CONNECTIONS)
        : fromEnv("COPILOT_API_MAX_CONNECTIONS", () => parseWholeNumber(env.COPILOT_API_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS)),
    modelAliases: input.modelAliases ?? {},
    configFile: input.configFile,
    apiKeys: [...new Set([...keys.keys, ...fromEnv("COPILOT_API_KEYS", () => envKeys(env.COPILOT_API_KEYS))])].filter(Boolean),
    rateLimitSeconds: parseRateLimit(input.rateLimitSeconds),
    wait: input.wait ?? false,
    manual: input.manual ?? false,
    corsOrigins: input.corsOrigins ?? [],
    logFile: input.logFile,
    logBodies: input.logBodies ?? false,
    responseStore: {
      maxResponses: input.responseStoreMaxResponses ?? DEFAULT_RESPONSE_STORE_LIMITS.maxResponses,
      maxBytes: input.responseStoreMaxBytes ?? DEFAULT_RESPONSE_STORE_LIMITS.maxBytes,
      ttlMs: input.responseStoreTtlSeconds !== undefined ? input.responseStoreTtlSeconds * 1000 : DEFAULT_RESPONSE_STORE_LIMITS.ttlMs,
    },
    ledger: input.ledger ?? true,
    ledgerRetentionDays: parseRetention(input.ledgerRetentionDays),
    // Budgets from the file and from flags all count, like API keys.
    budgets: [...(file.budgets ?? []), ...(defined.budgets ?? [])].map(parseBudget),
    keyNames: keys.names,
    keyBudgets: keys.budgets,
    githubApp: githubAppOf(input),
    redisUrl: (input.redisUrl ?? env.COPILOT_API_REDIS_URL)?.trim() || undefined,
    databaseUrl: (input.databaseUrl ?? env.COPILOT_API_DATABASE_URL)?.trim() || undefined,
    keyModels: keys.models,
    webSearchModel: input.webSearchModel ?? (env.COPILOT_API_WEB_SEARCH_MODEL?.trim() || undefined),
    quiet: input.quiet ?? false,
  };
}

/** API keys as strings, and the names and budgets the config file gives some of them. */
function apiKeyEntries(entries: readonly ApiKeyEntry[]): {
  keys: string[];
  names: Record<string, string>;
  budgets: Record<string, BudgetSpec[]>;
  models: Record<string, string[]>;
} {
  const models: Record<string, string[]> = {};
  const keys: string[] = [];
  const names: Record<string, string> = {};
  const budgets: Record<string, BudgetSpec[]> = {};
  for (const entry of entries) {
    if (typeof entry === "string") {
      keys.push(entry);
      continue;
    }
    keys.push(entry.key);
    if (entry.name) names[entry.key] = entry.name;
    const given = entry.budget === undefined ? [] : Array.isArray(entry.budget) ? entry.budget : [entry.budget];
    if (given.length > 0) budgets[entry.key] = given.map(parseBudget);
    if (entry.models) models[entry.key] = entry.models;
  }
  return { keys, names, budgets, models };
}

export function parseRetention(value: number | string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_LEDGER_RETENTION_DAYS;
  const n = typeof value === "number" ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error(`Invalid ledger retention "${value}": expected a whole number of days, at least 1`);
  return n;
}

/** All three GitHub App settings, or none: a partial set would silently fall back to a user's token. */
function githubAppOf(input: ConfigInput): Config["githubApp"] {
  const { githubAppId: appId, githubAppKey: keyFile, githubAppInstallation: installationId } = input;
  const given = [appId, keyFile, installationId].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given < 3) {
    throw new ConfigError("--github-app-id, --github-app-key and --github-app-installation go together (githubAppId, githubAppKey, githubAppInstallation in the config file): give all three");
  }
  return { appId: String(appId).trim(), keyFile: String(keyFile), installationId: String(installationId).trim() };
}

/** Where Copilot lives when nothing better is known: only a fallback, endpoints.api always wins. */
export function fallbackCopilotBase(config: Pick<Config, "accountType" | "enterpriseUrl">): string {
  if (config.enterpriseUrl) return `https://copilot-api.${config.enterpriseUrl}`;
  return config.accountType === "individual"
    ? "https://api.githubcopilot.com"
    : `https://api.${config.accountType}.githubcopilot.com`;
}

/** A positive whole number of milliseconds (timers take at most 2^31 - 1); the default when unset. */
export function parseImageFetchTimeout(value: number | string | undefined): number {
  const text = typeof value === "string" ? value.trim() : value;
  if (text === undefined || text === "") return DEFAULT_IMAGE_FETCH_TIMEOUT_MS;
  const ms = typeof text === "number" ? text : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new Error(`Invalid image fetch timeout "${value}" (imageFetchTimeoutMs, COPILOT_API_IMAGE_FETCH_TIMEOUT_MS): expected a whole number of milliseconds greater than 0`);
  }
  return ms;
}

/** A whole number from 1 to 2^31 - 1 (a timer's limit); `fallback` when unset. */
export function parseWholeNumber(value: number | string | undefined, fallback: number): number {
  const text = typeof value === "string" ? value.trim() : value;
  if (text === undefined || text === "") return fallback;
  const n = typeof text === "number" ? text : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n <= 0 || n > 2_147_483_647) throw new Error(`expected a whole number from 1 to 2147483647, got ${JSON.stringify(value)}`);
  return n;
}

/** An on/off environment variable: 1/true/on or 0/false/off; undefined when unset. */
export function envSwitch(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (v === "1" || v === "true" || v === "on") return true;
  if (v === "0" || v === "false" || v === "off") return false;
  throw new Error(`expected 1/true/on or 0/false/off, got ${JSON.stringify(value)}`);
}

export function splitList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** COPILOT_API_KEYS: unset or blank is no keys; a value holding only commas would start an open server. */
function envKeys(value: string | undefined): string[] {
  const keys = splitList(value);
  if (keys.length === 0 && value !== undefined && value.trim() !== "") {
    throw new Error(`holds no key (${JSON.stringify(value.slice(0, 20))}): an empty key would leave the server open to anyone`);
  }
  return keys;
}

export function parseRateLimit(value: number | string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Invalid rate limit "${value}": expected a number of seconds greater than 0`);
  return n;
}

const FILE_KEYS: Record<string, "string" | "number" | "boolean" | "aliases" | "strings" | "keys"> = {
  port: "number",
  host: "string",
  verbose: "boolean",
  proxyEnv: "boolean",
  accountType: "string",
  enterpriseUrl: "string",
  bodyLimit: "number",
  upstreamIdleTimeoutMs: "number",
  imageFetchTimeoutMs: "number",
  imageUrls: "boolean",
  imageUrlsAllowPrivate: "boolean",
  headersTimeoutMs: "number",
  maxConnections: "number",
  modelAliases: "aliases",
  apiKeys: "keys",
  rateLimitSeconds: "number",
  wait: "boolean",
  manual: "boolean",
  corsOrigins: "strings",
  logFile: "string",
  logBodies: "boolean",
  responseStoreMaxResponses: "number",
  responseStoreMaxBytes: "number",
  responseStoreTtlSeconds: "number",
  ledger: "boolean",
  ledgerRetentionDays: "number",
  budgets: "strings",
  githubAppId: "number",
  githubAppKey: "string",
  githubAppInstallation: "number",
  redisUrl: "string",
  databaseUrl: "string",
  webSearchModel: "string",
  quiet: "boolean",
};

/**
 * Reads `copilot-api.json`: the same settings as the flags, in camelCase, plus `modelAliases`.
 * Unknown keys and wrong types are refused with the key named, so a typo never silently does
 * nothing. Secrets (the GitHub token) are never read from it.
 */
export function parseConfigFile(text: string, file: string): ConfigInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${file} must hold a JSON object`);
  const out: Record<string, unknown> = { configFile: file };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const kind = FILE_KEYS[key];
    if (!kind) {
      const near = closestName(key, Object.keys(FILE_KEYS));
      throw new ConfigError(`${file}: unknown setting "${key}"${near ? ` (did you mean "${near}"?)` : ""}; known: ${Object.keys(FILE_KEYS).join(", ")}`);
    }
    if (kind === "aliases") {
      if (!value || typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
        throw new ConfigError(`${file}: "modelAliases" must map names to model ids, e.g. {"sonnet": "claude-sonnet-4.6"}`);
      }
    } else if (kind === "keys") {
      if (!Array.isArray(value) || !value.every(isKeyEntry)) {
        throw new ConfigError(`${file}: "apiKeys" must be an array of keys, each a string or {"key": "...", "name": "alice", "budget": "5/day", "models": ["gpt-4.1", "claude-*"]}`);
      }
      for (const entry of value) {
        if (typeof entry !== "string" && entry.budget !== undefined) {
          for (const b of Array.isArray(entry.budget) ? entry.budget : [entry.budget]) {
            try {
              parseBudget(b);
            } catch (error) {
              throw new ConfigError(`${file}: "apiKeys": ${(error as Error).message}`);
            }
          }
        }
      }
    } else if (kind === "strings") {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new ConfigError(`${file}: "${key}" must be an array of strings`);
    } else if (typeof value !== kind) {
      throw new ConfigError(`${file}: "${key}" must be a ${kind}`);
    }
    out[key] = value;
  }
  checkSettings(out, file);
  return out as ConfigInput;
}

function isKeyEntry(v: unknown): v is ApiKeyEntry {
  if (typeof v === "string") return true;
  if (!v || typeof v !== "object" || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  const modelsOk = e.models === undefined || (Array.isArray(e.models) && e.models.length > 0 && e.models.every((m) => typeof m === "string" && m.trim() !== ""));
  const budgetOk = e.budget === undefined || typeof e.budget === "string" || (Array.isArray(e.budget) && e.budget.every((b) => typeof b === "string"));
  return (
    typeof e.key === "string" &&
    e.key !== "" &&
    (e.name === undefined || typeof e.name === "string") &&
    budgetOk &&
    modelsOk &&
    Object.keys(e).every((k) => k === "key" || k === "name" || k === "budget" || k === "models")
  );
}

/** `--alias name=model` values (one string or several). */
export function asList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
}

export function parseAliases(value: unknown): Record<string, string> {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([^=]+)=(.+)$/.exec(String(item));
    if (!m) throw new Error(`Invalid --alias "${String(item)}": expected name=model`);
    out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

/** A value read from the environment, its errors naming the variable (a usage error, exit 2). */
function fromEnv<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError(`${name} (environment): ${(error as Error).message}`);
  }
}
