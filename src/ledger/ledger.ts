import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import type { RequestRecord } from "../observability/recorder.js";
import { INSERT_COLUMNS } from "./columns.js";
import { migrate } from "./migrations.js";
import { RowQueue } from "./row-queue.js";
import { type History, type HistoryDimension, queryHistory, spentSince } from "./query-history.js";
import { openSqlite, type SqlDatabase, type SqlStatement } from "./sqlite-driver.js";

export const LEDGER_FILE = "usage.sqlite";

/** The APIs that reach Copilot; model lists and local token counts cost nothing and are not kept. */
export const BILLED_APIS = new Set(["chat", "responses", "messages", "gemini", "ollama", "embeddings"]);
const DAY_MS = 86_400_000;
/** Old rows are deleted this many at a time, so that a long-idle file never holds the event loop. */
const PRUNE_CHUNK = 5000;

export type Row = [
  number,
  string | null,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number,
  number,
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  string | null,
];

const INSERT = `INSERT INTO requests (${INSERT_COLUMNS.join(", ")}) VALUES (${INSERT_COLUMNS.map(() => "?").join(", ")})`;

/** A request as a ledger row: counts and labels only, never a prompt, an answer or a key. */
export function toRow(r: RequestRecord): Row {
  const cacheRead = r.cacheReadTokens ?? null;
  const cacheWrite = r.cacheWriteTokens ?? null;
  // The record's inputTokens is the whole prompt; the ledger keeps the uncached part (Anthropic's meaning).
  const input = r.inputTokens === undefined ? null : Math.max(0, r.inputTokens - (cacheRead ?? 0) - (cacheWrite ?? 0));
  return [
    r.time,
    r.client ?? null,
    r.keyName ?? null,
    r.api,
    r.model ?? null,
    r.endpoint ?? null,
    r.initiator ?? null,
    r.interaction ?? null,
    r.kind ?? null,
    r.stream === undefined ? null : r.stream ? 1 : 0,
    r.status,
    Math.round(r.durationMs),
    Math.round(r.ttfbMs),
    input,
    r.outputTokens ?? null,
    cacheRead,
    cacheWrite,
    r.reasoningTokens ?? null,
    r.nanoAiu ?? null,
    r.costEstimated === undefined ? null : r.costEstimated ? 1 : 0,
    r.errorKind ?? null,
  ];
}

export interface LedgerOptions {
  dir: string;
  retentionDays: number;
  log: Logger;
  now?: () => number;
}

/**
 * The usage ledger: one row per finished request in a SQLite file in the data directory. Requests
 * never wait for it: a finished request's row goes into a bounded queue, written in one transaction
 * every second (or at 500 rows) and at shutdown. WAL with synchronous=NORMAL: a crash of the process
 * (kill -9) loses at most the rows not yet written, and never the file.
 * A file that cannot be written gives one warning and the server goes on serving.
 */
export class Ledger {
  private readonly queue = new RowQueue(() => this.flush());
  private pruneTimer?: ReturnType<typeof setInterval>;
  private readonly insert: SqlStatement;
  private readonly insertMany: (rows: Row[]) => void;
  private failing = false;
  private closed = false;
  private readonly now: () => number;

  private constructor(
    private readonly db: SqlDatabase,
    readonly file: string,
    private readonly options: LedgerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.insert = db.prepare(INSERT);
    this.insertMany = db.transaction((rows: Row[]) => {
      for (const row of rows) this.insert.run(...row);
    });
  }

  /** Opens (creating if need be) the ledger in `dir`; throws with the reason when it cannot. */
  static async open(options: LedgerOptions): Promise<Ledger> {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const file = join(options.dir, LEDGER_FILE);
    const db = await openSqlite(file);
    try {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("PRAGMA busy_timeout = 2000");
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    const ledger = new Ledger(db, file, options);
    ledger.prune();
    ledger.pruneTimer = setInterval(() => ledger.prune(), DAY_MS);
    ledger.pruneTimer.unref?.();
    return ledger;
  }

  /** Queues a finished request (a recorder listener): nothing here touches the disk. */
  add(record: RequestRecord): void {
    if (this.closed || !BILLED_APIS.has(record.api)) return;
    this.queue.add(toRow(record));
  }

  /** Writes what is queued, in one transaction. */
  flush(): void {
    this.queue.stopTimer();
    if (this.queue.length === 0 || this.closed) return;
    const rows = this.queue.take();
    try {
      this.insertMany(rows);
      if (this.failing) this.options.log.info(`The usage ledger ${this.file} is writable again`);
      this.failing = false;
      const dropped = this.queue.takeDropped();
      if (dropped > 0) this.options.log.warn(`The usage ledger fell behind and left out ${dropped} requests`);
    } catch (error) {
      if (!this.failing) {
        this.options.log.warn(
          `Cannot write the usage ledger ${this.file} (${(error as Error).message}): requests are served as usual but not recorded until it can be written again.`,
        );
      }
      this.failing = true;
    }
  }

  /** Deletes rows older than the retention, a chunk at a time. */
  prune(): void {
    if (this.closed) return;
    const before = this.now() - this.options.retentionDays * DAY_MS;
    try {
      const deleted = this.db
        .prepare("DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE time < ? LIMIT ?)")
        .run(before, PRUNE_CHUNK) as { changes?: number };
      if ((deleted.changes ?? 0) >= PRUNE_CHUNK) setTimeout(() => this.prune(), 10).unref?.();
    } catch {
      // a read-only or full disk: flush() says so; keeping old rows longer harms nothing
    }
  }

  history(from: number, to: number, by: HistoryDimension[]): History {
    // Rows still queued belong to the history too: write them first (a read, not a request path).
    this.flush();
    return queryHistory(this.db, from, to, by);
  }

  spentSince(from: number, keyName?: string): number {
    return spentSince(this.db, from, keyName);
  }

  /** Writes what is queued and closes the file. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    try {
      this.db.close();
    } catch {
      // already unusable
    }
  }
}

/** Opens the ledger for reading only (the `usage` command), with the server running or not. */
export async function openLedgerReadOnly(dir: string): Promise<SqlDatabase> {
  return openSqlite(join(dir, LEDGER_FILE), { readonly: true });
}
