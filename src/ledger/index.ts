import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { Recorder } from "../observability/recorder.js";
import { Ledger, LEDGER_FILE } from "./ledger.js";
import { PgLedger } from "./pg-ledger.js";

/** The SQLite file (one machine) or PostgreSQL (--database-url, several instances): the same rows and questions. */
export type UsageLedger = Ledger | PgLedger;
import { join } from "node:path";

export { Ledger, LEDGER_FILE, openLedgerReadOnly } from "./ledger.js";

/**
 * The ledger as the server runs it, subscribed to every finished request; or why there is none:
 * turned off, or a data directory it cannot be opened in (read-only, full, not a directory), which
 * gets one warning while the server goes on serving.
 */
export async function startLedger(
  config: Pick<Config, "ledger" | "dataDir" | "ledgerRetentionDays" | "databaseUrl">,
  recorder: Recorder,
  log: Logger,
  now?: () => number,
): Promise<{ ledger?: UsageLedger; problem?: string }> {
  if (!config.ledger) return { problem: "ledger is off (--no-ledger)" };
  if (config.databaseUrl) {
    // A shared ledger that cannot be opened stops the start: instances writing to different places
    // would each show part of the history.
    const ledger = await PgLedger.open(config.databaseUrl, { retentionDays: config.ledgerRetentionDays, log, now }).catch((error: Error) => {
      throw new Error(`Cannot open the usage ledger in PostgreSQL (--database-url): ${error.message}`);
    });
    recorder.subscribe((r) => ledger.add(r));
    return { ledger };
  }
  try {
    const ledger = await Ledger.open({ dir: config.dataDir, retentionDays: config.ledgerRetentionDays, log, now });
    recorder.subscribe((r) => ledger.add(r));
    return { ledger };
  } catch (error) {
    const reason = (error as Error).message;
    log.warn(
      `Cannot open the usage ledger ${join(config.dataDir, LEDGER_FILE)} (${reason}): serving without it, so /usage has no history ` +
        "and budgets count from this start only. Fix the data directory (COPILOT_API_HOME) or pass --no-ledger to silence this.",
    );
    return { problem: `ledger could not be opened: ${reason}` };
  }
}
