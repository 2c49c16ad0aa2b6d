import type { Hono } from "hono";
import { dashboardHeaders, newNonce } from "../dashboard/headers.js";
import type { DashboardPage } from "../dashboard/page.js";
import type { Runtime } from "../runtime.js";
import { dashboardEvents, type DashboardEventsOptions } from "./dashboard-events.js";
import { Metrics } from "./metrics.js";
import { PROMETHEUS_CONTENT_TYPE } from "./prom-text.js";
import { QuotaSource, type QuotaSourceOptions } from "./quota-source.js";
import { redact } from "../log.js";
import { redactDeep } from "./redact-deep.js";
import { UsageStats } from "./usage-stats.js";
import { badRequest } from "../errors.js";
import { type History, type HistoryDimension, parseBy, parseTime } from "../ledger/query-history.js";

const DAY_MS = 86_400_000;

export interface ObservabilityOptions {
  quota?: QuotaSourceOptions;
  events?: DashboardEventsOptions;
}

const JSON_HEADERS = { "cache-control": "no-store" };

/** tokenValidUntil for /health: when the Copilot session expires; null in bearer mode (no expiry) or before one exists. */
function validUntil(runtime: Runtime): string | null {
  const expiresAt = runtime.tokens.current?.expiresAt;
  return expiresAt !== undefined && Number.isFinite(expiresAt) ? new Date(expiresAt).toISOString() : null;
}

/**
 * What /health reports as wrong: GitHub refusing the token (it was revoked, or Copilot access was
 * removed), or no valid Copilot session because renewing it failed. A failed renewal while the
 * session in hand is still valid (a GitHub blip) is not a problem yet: it is retried.
 */
function healthProblem(runtime: Runtime): { problem: string; message: string } | undefined {
  const failure = runtime.tokens.lastFailure;
  const status = (failure?.error as { status?: number } | undefined)?.status;
  const reason = failure ? redact(failure.error.message).slice(0, 500) : "";
  if (failure && (status === 401 || status === 403)) {
    const until = runtime.tokens.valid ? validUntil(runtime) : null;
    return {
      problem: "github_token_rejected",
      message: `GitHub no longer accepts the GitHub token: ${reason}${until ? ` The current Copilot session works until ${until}.` : ""}`,
    };
  }
  // Expired with no failure yet (a laptop just woke up): the next request or check renews it.
  if (failure && !runtime.tokens.valid) return { problem: "no_copilot_session", message: `No valid Copilot session: renewing it failed: ${reason}` };
  return undefined;
}

/**
 * Each shared store in use (--redis-url, --database-url): "ok" or why not. One that is down fails
 * readiness (503) so that a load balancer or monitor sees it, while requests keep being served
 * (Redis: per-instance limits; the ledger: rows wait in its bounded queue).
 */
async function storeHealth(runtime: Runtime): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const store of runtime.stores ?? []) {
    const problem = await store.problem().catch((error: unknown) => (error as Error).message);
    out[store.name] = problem ? `down: ${redact(problem).slice(0, 300)}` : "ok";
  }
  return out;
}

/**
 * /usage, /metrics, /health, the dashboard at / and its event stream. Mounted after access control,
 * so with API keys set these need a key like every API route. The counters live here, per app, fed
 * by runtime.recorder; nothing is module-level.
 */
// biome-ignore lint: Hono's generic env differs per app
export function mountObservability(app: Hono<any>, runtime: Runtime, options: ObservabilityOptions = {}): void {
  const stats = new UsageStats(runtime.recorder, runtime.startedAt);
  // process_start_time_seconds is the process's start, which the runtime's creation follows closely.
  const metrics = new Metrics(runtime.recorder, Date.now() - process.uptime() * 1000);
  const quota = new QuotaSource(runtime.quota, options.quota);

  app.get("/usage", async (c) => {
    const query = { from: c.req.query("from"), to: c.req.query("to"), by: c.req.query("by") };
    let history: { history: History | null; historyDisabled?: string } | undefined;
    if (query.from !== undefined || query.to !== undefined || query.by !== undefined) {
      let range: { from: number; to: number; by: HistoryDimension[] };
      try {
        const to = query.to !== undefined ? parseTime(query.to, "to") : Date.now();
        const from = query.from !== undefined ? parseTime(query.from, "from") : to - 30 * DAY_MS;
        if (from > to) throw new Error(`from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`);
        range = { from, to, by: parseBy(query.by) };
      } catch (error) {
        throw badRequest(`Invalid /usage query: ${(error as Error).message}`);
      }
      history = runtime.ledger
        ? { history: await runtime.ledger.history(range.from, range.to, range.by) }
        : { history: null, historyDisabled: runtime.ledgerProblem ?? "ledger is off" };
    }
    const [q, server] = [await quota.get(), stats.snapshot()];
    // With --redis-url, what every instance spent (the dashboard's per-person budgets), not only this one.
    await runtime.budgets.sync();
    return c.json(redactDeep({ ...q, server, budgets: runtime.budgets.snapshot(), ...history }), 200, JSON_HEADERS);
  });

  app.get("/metrics", (c) => c.body(metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE, ...JSON_HEADERS }));

  app.get("/health", async (c) => {
    const stores = await storeHealth(runtime);
    const down = Object.entries(stores).filter(([, v]) => v !== "ok");
    const problem =
      healthProblem(runtime) ??
      (down.length > 0 ? { problem: "store_down", message: down.map(([name, v]) => `${name}: ${v}`).join("; ") } : undefined);
    return c.json(
      {
        status: problem ? "error" : "ok",
        ...problem,
        uptime: Math.max(0, Math.floor((Date.now() - runtime.startedAt) / 1000)),
        models: runtime.catalog.list().length,
        tokenValidUntil: validUntil(runtime),
        ...(Object.keys(stores).length > 0 ? { stores } : {}),
      },
      // 503 turns a Docker HEALTHCHECK or a monitor red: requests are failing, or about to.
      problem ? 503 : 200,
      JSON_HEADERS,
    );
  });

  // The page is built on the first GET / (not at start, and not for HEAD /, with which Claude Code
  // preconnects): a server whose dashboard nobody opens never loads its code or uPlot.
  let page: Promise<DashboardPage> | undefined;
  app.get("/", async (c) => {
    const nonce = newNonce();
    if (c.req.method === "HEAD") return c.body(null, 200, dashboardHeaders(nonce));
    page ??= import("../dashboard/page.js")
      .then((m) => m.buildDashboardPage())
      .catch((error: unknown) => {
        page = undefined; // try again on the next visit rather than fail for ever
        throw error;
      });
    return c.body((await page).html(nonce), 200, dashboardHeaders(nonce));
  });

  app.get("/dashboard/events", dashboardEvents(runtime.recorder, runtime.startedAt, options.events));
}
