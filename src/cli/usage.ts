import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { log, registerSecret } from "../log.js";
import { LEDGER_FILE, openLedgerReadOnly } from "../ledger/index.js";
import { PgLedger } from "../ledger/pg-ledger.js";
import { HISTORY_DIMENSIONS, type History, parseBy, parseTime, queryHistory } from "../ledger/query-history.js";
import { urlPasswords } from "../shared-state/store-url.js";
import { formatHistory, formatHistoryCsv } from "../usage/format-history.js";
import { configOrExit, sharedArgs } from "./common.js";

/** `7d`, `12h`, `2w`, or a date: the start of the range. */
export function parseSince(value: string, now: number): number {
  const m = /^\s*(\d+)\s*([hdw])\s*$/i.exec(value);
  if (m) return now - Number(m[1]) * { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2]!.toLowerCase() as "h" | "d" | "w"];
  return parseTime(value, "from");
}

export default defineCommand({
  meta: { name: "usage", description: "What requests cost, from the usage ledger or the team's PostgreSQL one (works with the server stopped)" },
  args: {
    config: sharedArgs.config,
    since: { type: "string", description: "Start of the range: 12h, 7d, 4w or a date (default 7d)" },
    by: { type: "string", description: `Group by ${HISTORY_DIMENSIONS.slice(0, -1).join(", ")} or ${HISTORY_DIMENSIONS.at(-1)}; two comma-separated (default day)` },
    "database-url": { type: "string", description: "Read the team's ledger from this PostgreSQL database, postgres://… (env COPILOT_API_DATABASE_URL)" },
    json: { type: "boolean", description: "Print JSON (the history object of GET /usage)" },
    csv: { type: "boolean", description: "Print CSV" },
  },
  async run({ args }) {
    const config = configOrExit(args, { databaseUrl: args["database-url"] });
    if (!config) return;
    const file = join(config.dataDir, LEDGER_FILE);
    try {
      const now = Date.now();
      const from = parseSince(args.since ?? "7d", now);
      const by = parseBy(args.by);
      let history: History;
      if (config.databaseUrl) {
        // A password in the URL is a secret: never printed, even inside the driver's error.
        for (const password of urlPasswords(config.databaseUrl)) registerSecret(password);
        const ledger = await PgLedger.openReader(config.databaseUrl);
        try {
          history = await ledger.history(from, now, by);
        } finally {
          await ledger.close();
        }
      } else {
        if (!existsSync(file)) throw new Error(`No usage ledger at ${file} yet: it is created when \`copilot-api start\` serves its first request (unless --no-ledger).`);
        const db = await openLedgerReadOnly(config.dataDir);
        try {
          history = queryHistory(db, from, now, by);
        } finally {
          db.close();
        }
      }
      process.stdout.write(`${args.json ? JSON.stringify(history, null, 2) : args.csv ? formatHistoryCsv(history) : formatHistory(history)}\n`);
    } catch (error) {
      log.error((error as Error).message);
      process.exitCode = 1;
    }
  },
});
