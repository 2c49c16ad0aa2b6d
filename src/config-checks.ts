import { parseAccountType, parseImageFetchTimeout, parsePort, parseRateLimit, parseRetention } from "./config.js";
import { parseBudget } from "./cost/budget-spec.js";

/** What is wrong with a value, or undefined when it is fine. */
type Check = (value: unknown) => string | undefined;

const MAX_TIMER_MS = 2_147_483_647;

const nonEmpty =
  (what: string): Check =>
  (v) =>
    typeof v === "string" && v.trim() === "" ? `must not be empty (expected ${what})` : undefined;

const wholeNumber =
  (min: number, max: number, unit: string): Check =>
  (v) => {
    const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max
      ? undefined
      : `must be a whole number of ${unit} from ${min} to ${max}, got ${JSON.stringify(v)}`;
  };

/** A parse function's own message, as a check. */
const parses =
  (parse: (v: never) => unknown): Check =>
  (v) => {
    try {
      parse(v as never);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

/** An API key as clients send it: `Authorization: Bearer <key>` carries no spaces. Object entries carry it in `key`. */
const apiKey: Check = (v) => {
  const key = typeof v === "string" ? v : typeof v === "object" && v !== null && "key" in v ? (v as { key: unknown }).key : v;
  if (typeof key !== "string" || key.trim() === "") return "must not be empty: an empty key would leave the server open to anyone";
  if (/\s/.test(key.trim())) return "must not contain spaces (clients send it as `Authorization: Bearer <key>`)";
  return undefined;
};

/** A numeric GitHub id (app or installation), as a number or a string of digits. */
const githubId =
  (where: string): Check =>
  (v) =>
    (typeof v === "number" && Number.isSafeInteger(v) && v > 0) || (typeof v === "string" && /^\s*[1-9]\d*\s*$/.test(v))
      ? undefined
      : `must be a number (${where}), got ${JSON.stringify(v)}`;

const urlOf =
  (schemes: string[], example: string): Check =>
  (v) => {
    if (typeof v !== "string") return undefined;
    let scheme: string;
    try {
      scheme = new URL(v.trim()).protocol.replace(/:$/, "");
    } catch {
      return `must be a URL such as ${example}, got ${JSON.stringify(v.replace(/\/\/[^@/]*@/, "//…@"))}`;
    }
    return schemes.includes(scheme) ? undefined : `must start with ${schemes.map((s) => `${s}://`).join(" or ")} (e.g. ${example})`;
  };

const each =
  (check: Check): Check =>
  (v) => {
    if (!Array.isArray(v)) return undefined;
    for (const item of v) {
      const problem = check(item);
      if (problem) return problem;
    }
    return undefined;
  };

const aliases: Check = (v) => {
  if (!v || typeof v !== "object") return undefined;
  for (const [name, target] of Object.entries(v as Record<string, unknown>)) {
    if (!name.trim() || typeof target !== "string" || !target.trim()) return `needs name=model pairs with neither part empty, got ${JSON.stringify(`${name}=${String(target)}`)}`;
  }
  return undefined;
};

/**
 * Every setting with a range or a shape to check, one line each: the flag that sets it (for the
 * message) and the check. The config file's known keys are config.ts's FILE_KEYS; a setting added
 * there gets its check here. Refused at start, with the flag or key named (exit status 2), so a
 * typo never starts a server that does something else than asked.
 */
export const SETTING_CHECKS: Record<string, { flag?: string; check: Check }> = {
  port: { flag: "--port", check: parses((v: number | string) => parsePort(v)) },
  host: { flag: "--host", check: nonEmpty("an address such as 127.0.0.1, :: or 0.0.0.0") },
  accountType: { flag: "--account-type", check: parses((v: string) => parseAccountType(v)) },
  enterpriseUrl: { flag: "--enterprise-url", check: nonEmpty("<tenant>.ghe.com") },
  githubToken: { flag: "--github-token", check: nonEmpty("a GitHub token") },
  bodyLimit: { check: wholeNumber(1, Number.MAX_SAFE_INTEGER, "bytes") },
  upstreamIdleTimeoutMs: { check: wholeNumber(0, MAX_TIMER_MS, "milliseconds (0: never)") },
  imageFetchTimeoutMs: { check: parses((v: number | string) => parseImageFetchTimeout(v)) },
  headersTimeoutMs: { check: wholeNumber(1, MAX_TIMER_MS, "milliseconds") },
  maxConnections: { check: wholeNumber(1, 1_000_000, "connections") },
  modelAliases: { flag: "--alias", check: aliases },
  apiKeys: { flag: "--api-key", check: each(apiKey) },
  rateLimitSeconds: { flag: "--rate-limit", check: parses((v: number | string) => parseRateLimit(v)) },
  corsOrigins: { flag: "--cors-origin", check: each(nonEmpty("an origin such as http://localhost:3000")) },
  logFile: { flag: "--log-file", check: nonEmpty("a file path") },
  responseStoreMaxResponses: { check: wholeNumber(0, 1_000_000, "responses (0: keep none)") },
  responseStoreMaxBytes: { check: wholeNumber(0, Number.MAX_SAFE_INTEGER, "bytes (0: keep none)") },
  responseStoreTtlSeconds: { check: wholeNumber(1, 30 * 24 * 3600, "seconds") },
  budgets: { flag: "--budget", check: each(parses((v: string) => parseBudget(v))) },
  ledgerRetentionDays: { flag: "--ledger-retention-days", check: parses((v: number | string) => parseRetention(v)) },
  githubAppId: { flag: "--github-app-id", check: githubId("the App ID on the app's settings page") },
  redisUrl: { flag: "--redis-url", check: urlOf(["redis", "rediss"], "redis://127.0.0.1:6379") },
  databaseUrl: { flag: "--database-url", check: urlOf(["postgres", "postgresql"], "postgres://user@127.0.0.1:5432/copilot_api") },
  githubAppKey: { flag: "--github-app-key", check: nonEmpty("the app's private key .pem file") },
  githubAppInstallation: { flag: "--github-app-installation", check: githubId("the installation id, the number at the end of the installation's settings URL") },
};

/** A setting refused at start: the CLI exits with status 2. */
export class ConfigError extends Error {
  readonly exitCode = 2;
}

/**
 * Checks flags (`file` undefined) or a config file's settings, naming the flag or the key. Unset
 * (undefined) values are skipped: defaults are fine by construction.
 */
export function checkSettings(input: Record<string, unknown>, file?: string): void {
  for (const [key, value] of Object.entries(input)) {
    const entry = SETTING_CHECKS[key];
    if (!entry || value === undefined) continue;
    const problem = entry.check(value);
    if (!problem) continue;
    throw new ConfigError(file ? `${file}: "${key}" ${problem}` : `${entry.flag ?? key}: ${problem}`);
  }
}
