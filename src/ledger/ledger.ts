import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import type { RequestRecord } from "../observability/recorder.js";
import { migrate } from "./migrations.js";
import { type History, type HistoryDimension, queryHistory, spentSince } from "./query-history.js";
import { openSqlite, type SqlDatabase, type SqlStatement } from "./sqlite-driver.js";

export const LEDGER_FILE = "usage.sqlite";

/** The APIs that reach Copilot; model lists and local token counts cost nothing and are not kept. */
export const BILLED_APIS = new Set(["chat", "responses", "messages", "gemini", "ollama", "embeddings"]);
/** Rows waiting for the disk, at most (~300 bytes each): past it the oldest are dropped, and said so. */
const MAX_QUEUE = 20_000;
/** A batch this large is written at once rather than on the timer. */
const BATCH = 500;
const FLUSH_INTERVAL_MS = 1000;
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

const INSERT = `INSERT INTO requests (time, client, key_name, api, model, endpoint, initiator, interaction, kind, stream, status,
  duration_ms, ttfb_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, nano_aiu, cost_estimated, error_kind)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

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
  private queue: Row[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private pruneTimer?: ReturnType<typeof setInterval>;
  private readonly insert: SqlStatement;
  private readonly insertMany: (rows: Row[]) => void;
  private failing = false;
  private dropped = 0;
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
    if (this.queue.length >= MAX_QUEUE) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(toRow(record));
    if (this.queue.length >= BATCH) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 0);
    } else {
      this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    }
    this.timer.unref?.();
  }

  /** Writes what is queued, in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0 || this.closed) return;
    const rows = this.queue;
    this.queue = [];
    try {
      this.insertMany(rows);
      if (this.failing) this.options.log.info(`The usage ledger ${this.file} is writable again`);
      this.failing = false;
      if (this.dropped > 0) {
        this.options.log.warn(`The usage ledger fell behind and left out ${this.dropped} requests`);
        this.dropped = 0;
      }
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
