import { type Config, fallbackCopilotBase } from "./config.js";
import { type Logger, log as defaultLog, registerSecret } from "./log.js";
import { paths } from "./paths.js";
import { CopilotClient } from "./upstream/copilot-client.js";
import { type CopilotUser, GitHubClient } from "./upstream/github.js";
import { createCopilotHeaders } from "./upstream/headers.js";
import { createFetch, type FetchLike } from "./upstream/http.js";
import { buildIdentity, type Identity, loadDeviceIds } from "./upstream/identity.js";
import { ModelCatalog } from "./upstream/model-catalog.js";
import { readCatalogCache } from "./upstream/catalog-cache.js";
import { TokenManager } from "./upstream/token-manager.js";
import type { GitHubTokenSource } from "./upstream/github-app.js";
import { Recorder } from "./observability/recorder.js";
import { MemoryResponseStore } from "./responses-state/memory-response-store.js";
import type { ResponseStore } from "./responses-state/response-store.js";
import { UpstreamItemIds } from "./responses-state/upstream-item-ids.js";
import { createImageClient, type ImageClient } from "./images/image-client.js";
import { RedisLink } from "./shared-state/redis-link.js";
import { RedisResponseStore } from "./responses-state/redis-response-store.js";
import { type UsageLedger, startLedger } from "./ledger/index.js";
import { Budgets } from "./cost/budgets.js";
import { PgLedger } from "./ledger/pg-ledger.js";
import { urlPasswords } from "./shared-state/store-url.js";
import { keyNameOf } from "./access/api-keys.js";
import { WebSearchState } from "./web-search/state.js";

/** Everything a request handler needs, built once at start and passed in: no module-level state. */
export interface Runtime {
  config: Config;
  log: Logger;
  identity: Identity;
  fetch: FetchLike;
  github: GitHubClient;
  tokens: TokenManager;
  copilot: CopilotClient;
  catalog: ModelCatalog;
  /** Every finished request, for the dashboard, metrics and the request log. */
  recorder: Recorder;
  /** Responses kept for `store: true` clients (previous_response_id, item_reference, GET /v1/responses/{id}). */
  responseStore: ResponseStore;
  /** Copilot's ids for the reasoning items whose ids were made stable on the way out. */
  upstreamItemIds: UpstreamItemIds;
  /** Downloads of images given by URL (src/images/), with their own address rule. */
  images: ImageClient;
  startedAt: number;
  /** The shared state of several instances (--redis-url); absent on a single machine. */
  redis?: RedisLink;
  /** Shared stores /health reports on (Redis, PostgreSQL); empty on a single machine. */
  stores: StoreCheck[];
  /** Web search through Copilot's /responses: the search model and a refusal remembered for the session. */
  webSearch: WebSearchState;
  /** Reads copilot_internal/user (plan and quota) with the GitHub token, which stays inside this closure. */
  quota?: () => Promise<CopilotUser>;
  /** One row per finished request on disk; absent with --no-ledger or when it cannot be opened. */
  ledger?: UsageLedger;
  /** Why there is no ledger, for /usage. */
  ledgerProblem?: string;
  /** Spending limits, fed by every finished request's cost. */
  budgets: Budgets;
}

/** A store whose loss /health reports: undefined when it works, else why not. */
export interface StoreCheck {
  name: string;
  problem(): Promise<string | undefined>;
}

export interface RuntimeOptions {
  /** A user's token, or a GitHub App's installation tokens (--github-app-id). */
  githubToken: string | GitHubTokenSource;
  log?: Logger;
  fetch?: FetchLike;
  now?: () => number;
}

export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? defaultLog;
  if (typeof options.githubToken === "string") registerSecret(options.githubToken);
  const fetch = options.fetch ?? createFetch(config.proxyEnv, config.upstreamIdleTimeoutMs);
  const identity = buildIdentity(await loadDeviceIds(paths(config.dataDir).device));
  const github = new GitHubClient(fetch, config.githubApiUrl, identity);
  const tokens = new TokenManager({
    github,
    githubToken: options.githubToken,
    // The token passed in is config's own (flag or environment) or else the stored login.
    githubTokenOrigin: options.githubToken === config.githubToken ? (config.githubTokenOrigin ?? "flag") : "file",
    fallbackApiBase: fallbackCopilotBase(config),
    log,
    now: options.now,
  });
  const copilot = new CopilotClient({
    fetch,
    tokens,
    headers: createCopilotHeaders(identity, config.apiVersion),
    apiVersion: config.apiVersion,
    log,
  });
  const catalog = new ModelCatalog(copilot, log, options.now);
  // Bearer for tokens used directly (mode B), like the session itself; `token` otherwise (VS Code).
  const quota = async () => github.user((await tokens.githubToken()).token, tokens.current?.mode === "bearer" ? "Bearer" : "token");
  // A password in a store's URL is a secret like a token: never printed, even inside a driver's error.
  for (const url of [config.redisUrl, config.databaseUrl]) for (const password of url ? urlPasswords(url) : []) registerSecret(password);
  const redis = config.redisUrl ? await RedisLink.open(config.redisUrl, log) : undefined;
  const memoryStore = new MemoryResponseStore(config.responseStore, options.now);
  const responseStore = redis ? new RedisResponseStore(redis, memoryStore) : memoryStore;
  const recorder = new Recorder();
  const { ledger, problem } = await startLedger(config, recorder, log, options.now);
  const keyBudgets = new Map(Object.entries(config.keyBudgets).map(([key, specs]) => [keyNameOf(key, config.keyNames), specs]));
  const budgets = new Budgets(config.budgets, keyBudgets, log, options.now);
  if (redis) budgets.share(redis);
  if (budgets.size > 0) {
    if (ledger) await budgets.seed((from, keyName) => ledger.spentSince(from, keyName));
    else log.warn(`Budgets count what is spent from this start only: ${problem ?? "the ledger is off"}, so earlier spending is not known.`);
  }
  recorder.subscribe((r) => budgets.add(r));
  return {
    config,
    log,
    identity,
    fetch,
    github,
    tokens,
    copilot,
    catalog,
    recorder,
    responseStore,
    upstreamItemIds: new UpstreamItemIds(),
    images: createImageClient({ proxyEnv: config.proxyEnv, allowPrivate: config.imageUrlsAllowPrivate }),
    startedAt: Date.now(),
    redis,
    stores: [
      ...(redis ? [{ name: "redis", problem: async () => redis.problem }] : []),
      ...(ledger instanceof PgLedger ? [{ name: "postgres", problem: () => ledger.problem() }] : []),
    ],
    quota,
    ledger,
    ledgerProblem: problem,
    budgets,
    webSearch: new WebSearchState(config.webSearchModel),
  };
}

export interface StartOptions {
  /**
   * Where the model list is kept between runs (src/upstream/catalog-cache.ts). With one saved for
   * the same Copilot host, start does not wait for Copilot's list: it serves the saved one until the
   * fresh one, asked for at once, replaces it.
   */
  catalogCache?: string;
}

/**
 * Gets a session and the model list, then keeps both fresh in the background. Resolves once there
 * is a list to serve; `catalogFresh` settles when Copilot's own list is in (at once without a
 * saved list), and never rejects: a failure is warned about and the saved list kept until the next try.
 */
export async function startRuntime(runtime: Runtime, options: StartOptions = {}): Promise<{ catalogFresh: Promise<void> }> {
  await runtime.tokens.get();
  const apiBase = runtime.tokens.current?.apiBase;
  const file = options.catalogCache;
  const saved = file && apiBase ? readCatalogCache(file, apiBase, Date.now()) : undefined;
  if (file) runtime.catalog.saveTo(file, () => runtime.tokens.current?.apiBase, saved);
  let catalogFresh = Promise.resolve();
  if (saved) {
    runtime.catalog.set(saved.models);
    catalogFresh = runtime.catalog.load().then(
      () => undefined,
      (error: Error) => runtime.log.warn(`Could not load the model list from Copilot, serving the one saved by the last run until the next try: ${error.message}`),
    );
  } else {
    await runtime.catalog.load();
  }
  runtime.tokens.start();
  runtime.catalog.start();
  return { catalogFresh };
}

export function stopRuntime(runtime: Runtime): void {
  runtime.tokens.stop();
  runtime.catalog.stop();
  void runtime.redis?.close();
}
