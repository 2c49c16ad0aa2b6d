import type { Pool, QueryConfig } from "pg";
import type { Logger } from "../log.js";
import { urlForLog } from "../shared-state/store-url.js";
import type { RequestRecord } from "../observability/recorder.js";
import { createRequestsTable, INSERT_COLUMNS } from "./columns.js";
import { BILLED_APIS, type Row, toRow } from "./ledger.js";
import { BATCH, FLUSH_INTERVAL_MS, RowQueue } from "./row-queue.js";
import { type History, type HistoryDimension, historyOf, historySql } from "./query-history.js";

/**
 * The ledger's schema in PostgreSQL, one step per version like the SQLite migrations
 * (migrations.ts): the same table and columns, so that one set of questions reads both.
 * copilot_api_schema holds the version; steps are only ever appended.
 */
const PG_MIGRATIONS: string[] = [
  `${createRequestsTable("pg", "id BIGSERIAL PRIMARY KEY")}
   CREATE INDEX requests_time ON requests (time);
   CREATE INDEX requests_key_time ON requests (key_name, time);`,
];

const COLUMNS = INSERT_COLUMNS.join(", ");
const PER_ROW = INSERT_COLUMNS.length;
/** Several instances may start at once: one runs the migrations, the others wait on this lock. */
const MIGRATION_LOCK = 0x636f70696c6f74; // "copilot"
const DAY_MS = 86_400_000;
const QUERY_TIMEOUT_MS = 15_000;
/** /health answers a monitor: sooner than a write may take. */
const HEALTH_TIMEOUT_MS = 3_000;

/** Days are the server's local calendar days, as with SQLite's 'localtime'. */
function pgDay(tz: string): string {
  return `to_char(to_timestamp(time / 1000.0) AT TIME ZONE ${quote(tz)}, 'YYYY-MM-DD')`;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The usage ledger in PostgreSQL (--database-url), for several instances writing one history.
 * Like the SQLite ledger, requests never wait for it: rows are queued (bounded) and written in
 * one multi-row INSERT every second. A database that is unreachable keeps the rows queued (up to
 * the bound) and says so once; they are written when it is back.
 */
export class PgLedger {
  private readonly queue = new RowQueue(() => void this.flush());
  private pruneTimer?: ReturnType<typeof setInterval>;
  private writing?: Promise<void>;
  private failing = false;
  private closed = false;
  private readonly tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  private readonly now: () => number;

  private constructor(
    private readonly pool: Pool,
    /** Where it is, for the log: the URL without its password. */
    readonly file: string,
    private readonly options: { retentionDays: number; log: Logger; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The team's ledger for `copilot-api usage --database-url`: read only, never migrated (a reader
   * must not create or change the schema the servers write), one connection.
   */
  static async openReader(url: string): Promise<PgLedgerReader> {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000, query_timeout: QUERY_TIMEOUT_MS });
    pool.on("error", () => {});
    const shown = urlForLog(url);
    try {
      const res = await pool.query("SELECT to_regclass('copilot_api_schema') IS NOT NULL AND to_regclass('requests') IS NOT NULL AS present").catch((error: Error) => {
        throw new Error(`Cannot read the usage ledger in ${shown}: ${error.message}`);
      });
      if (!(res.rows[0] as { present: boolean }).present) {
        throw new Error(`No usage ledger in ${shown} yet: it is created when \`copilot-api start --database-url\` first starts on it.`);
      }
      const version = Number(((await pool.query("SELECT version FROM copilot_api_schema")).rows[0] as { version?: number } | undefined)?.version ?? 0);
      if (version > PG_MIGRATIONS.length) {
        throw new Error(`The ledger in ${shown} was written by a newer copilot-api (schema ${version}, this one knows up to ${PG_MIGRATIONS.length})`);
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return {
      file: shown,
      history: (from, to, by) => queryPgHistory(pool, tz, from, to, by),
      close: () => pool.end().catch(() => {}),
    };
  }

  static async open(url: string, options: { retentionDays: number; log: Logger; now?: () => number }): Promise<PgLedger> {
    // Loaded only with --database-url.
    const { default: pg } = await import("pg");
    // query_timeout: a database that stops answering (paused, or a link dropping packets) must not
    // hold a write, /usage or /health for ever; the timed-out connection is dropped from the pool.
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, query_timeout: QUERY_TIMEOUT_MS });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on("error", () => {});
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    const shown = urlForLog(url);
    const ledger = new PgLedger(pool, shown, options);
    void ledger.prune();
    ledger.pruneTimer = setInterval(() => void ledger.prune(), DAY_MS);
    ledger.pruneTimer.unref?.();
    return ledger;
  }

  add(record: RequestRecord): void {
    if (this.closed || !BILLED_APIS.has(record.api)) return;
    this.queue.add(toRow(record));
  }

  /** Writes what is queued; one write at a time. */
  async flush(): Promise<void> {
    this.queue.stopTimer();
    while (this.writing) await this.writing;
    if (this.queue.length === 0) return;
    const rows = this.queue.take(BATCH);
    this.writing = this.insert(rows).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
    if (this.queue.length > 0 && !this.failing) return this.flush();
  }

  private async insert(rows: Row[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((row, r) => {
      for (const v of row) values.push(v);
      return `(${row.map((_, i) => `$${r * PER_ROW + i + 1}`).join(", ")})`;
    });
    try {
      await this.pool.query(`INSERT INTO requests (${COLUMNS}) VALUES ${tuples.join(", ")}`, values);
      if (this.failing) this.options.log.info(`The usage ledger in ${this.file} is writable again`);
      this.failing = false;
      const dropped = this.queue.takeDropped();
      if (dropped > 0) this.options.log.warn(`The usage ledger fell behind and left out ${dropped} requests`);
    } catch (error) {
      // Kept for the next try (the queue stays bounded): a database restart loses no row.
      this.queue.putBack(rows);
      if (!this.failing) {
        this.options.log.warn(`Cannot write the usage ledger in ${this.file} (${(error as Error).message}): requests are served as usual; rows wait in memory until it is back.`);
      }
      this.failing = true;
      if (!this.closed) this.queue.later(FLUSH_INTERVAL_MS * 5);
    }
  }

  async prune(): Promise<void> {
    if (this.closed) return;
    const before = this.now() - this.options.retentionDays * DAY_MS;
    await this.pool.query("DELETE FROM requests WHERE time < $1", [before]).catch(() => {});
  }

  async history(from: number, to: number, by: HistoryDimension[]): Promise<History> {
    await this.flush();
    return queryPgHistory(this.pool, this.tz, from, to, by);
  }

  async spentSince(from: number, keyName?: string): Promise<number> {
    const res =
      keyName === undefined
        ? await this.pool.query("SELECT COALESCE(SUM(nano_aiu), 0) AS n FROM requests WHERE time >= $1", [from])
        : await this.pool.query("SELECT COALESCE(SUM(nano_aiu), 0) AS n FROM requests WHERE time >= $1 AND key_name = $2", [from, keyName]);
    return Number((res.rows[0] as { n: string | number }).n ?? 0);
  }

  /** For /health: undefined when the database answers. */
  async problem(): Promise<string | undefined> {
    try {
      // query_timeout per query is read by pg although its types omit it.
      await this.pool.query({ text: "SELECT 1", query_timeout: HEALTH_TIMEOUT_MS } as QueryConfig);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => {});
    this.closed = true;
    this.queue.stopTimer();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.pool.end().catch(() => {});
  }
}

/** Reads the PostgreSQL ledger as `copilot-api usage` does, without writing to it. */
export interface PgLedgerReader {
  /** Where it is: the URL without its password. */
  file: string;
  history(from: number, to: number, by: HistoryDimension[]): Promise<History>;
  close(): Promise<void>;
}

/** The same rows and totals as the SQLite ledger's queryHistory, from PostgreSQL. */
async function queryPgHistory(pool: Pool, tz: string, from: number, to: number, by: HistoryDimension[]): Promise<History> {
  const sql = historySql(by, pgDay(tz), "time >= $1 AND time < $2");
  const raw = await pool.query(sql.rows, [from, to]);
  const totals = await pool.query(sql.totals, [from, to]);
  return historyOf(from, to, by, raw.rows as Record<string, unknown>[], totals.rows[0] as Record<string, unknown>);
}

async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS copilot_api_schema (version INTEGER NOT NULL)");
    const res = await client.query("SELECT version FROM copilot_api_schema");
    const version = res.rows.length > 0 ? Number((res.rows[0] as { version: number }).version) : 0;
    if (version > PG_MIGRATIONS.length) {
      throw new Error(`it was written by a newer copilot-api (schema ${version}, this one knows up to ${PG_MIGRATIONS.length})`);
    }
    for (let v = version; v < PG_MIGRATIONS.length; v++) {
      await client.query("BEGIN");
      await client.query(PG_MIGRATIONS[v]!);
      await client.query("DELETE FROM copilot_api_schema");
      await client.query("INSERT INTO copilot_api_schema (version) VALUES ($1)", [v + 1]);
      await client.query("COMMIT");
    }
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
