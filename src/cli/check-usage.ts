import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { LEDGER_FILE, openLedgerReadOnly } from "../ledger/index.js";
import { queryHistory } from "../ledger/query-history.js";
import type { CopilotUser } from "../upstream/github.js";
import { log } from "../log.js";
import { paths } from "../paths.js";
import { formatUsage } from "../usage/format-usage.js";
import { GitHubClient } from "../upstream/github.js";
import { createFetch } from "../upstream/http.js";
import { buildIdentity, loadDeviceIds } from "../upstream/identity.js";
import { configOrExit, explainRejectedToken, githubToken, sharedArgs, tokenSource } from "./common.js";

/**
 * What the ledger counted in the current billing period, next to the plan's allowance: the period is
 * the month before quota_reset_date (copilot-upstream.md 9). Nothing when there is no ledger.
 */
async function ledgerSincePeriodStart(dir: string, user: CopilotUser): Promise<string | undefined> {
  const reset = Date.parse(user.quota_reset_date_utc ?? user.quota_reset_date ?? "");
  if (!Number.isFinite(reset) || !existsSync(join(dir, LEDGER_FILE))) return undefined;
  const r = new Date(reset);
  const start = Date.UTC(r.getUTCFullYear(), r.getUTCMonth() - 1, r.getUTCDate(), r.getUTCHours(), r.getUTCMinutes());
  let db;
  try {
    db = await openLedgerReadOnly(dir);
    const t = queryHistory(db, start, Date.now(), ["day"]).totals;
    const allowance = user.quota_snapshots?.premium_interactions;
    const of = allowance && !allowance.unlimited && typeof allowance.entitlement === "number" ? ` of the plan's ${allowance.entitlement} included` : "";
    return [
      "",
      `This server:  ${t.credits.toFixed(2)} AI credits${of} ($${t.usd.toFixed(2)}) in ${t.requests} requests since ${new Date(start).toISOString().slice(0, 10)}` +
        (t.estimatedRequests ? ` (${t.estimatedRequests} estimated)` : ""),
      "              counted by copilot-api's ledger; other Copilot clients are not included (details: copilot-api usage)",
    ].join("\n");
  } catch (error) {
    return `\nThe usage ledger could not be read: ${(error as Error).message}`;
  } finally {
    db?.close();
  }
}

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
      const counted = await ledgerSincePeriodStart(config.dataDir, user);
      if (counted) process.stdout.write(`${counted}\n`);
    } catch (error) {
      log.error(`Could not read usage: ${(explainRejectedToken(error, tokenSource(args, config), config) as Error).message}`);
      process.exitCode = 1;
    }
  },
});
