import type { Redis } from "ioredis";
import type { Logger } from "../log.js";

/** How long a command may go unanswered before Redis counts as unreachable. */
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * The connection to Redis (--redis-url) that lets several instances share rate limits, budgets'
 * running totals, stored responses and the --manual approval queue. Commands never queue while Redis is away: they fail at
 * once and each caller falls back to its own instance's state, so losing Redis degrades limits
 * to per instance and never refuses or holds traffic. The change is logged once each way.
 */
export class RedisLink {
  private isUp = false;
  private everUp = false;
  private isClosed = false;
  private lastError?: string;
  private lastReplyWarning = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<(up: boolean) => void>();
  private readonly subscribers = new Set<Redis>();

  private constructor(
    readonly client: Redis,
    private readonly log: Logger,
    /** Keys of this deployment start with it, so that one Redis may serve several. */
    readonly prefix: string,
  ) {
    client.on("ready", () => this.markUp());
    client.on("error", (error: Error) => this.markDown(error.message));
    client.on("end", () => this.markDown("connection closed"));
    client.on("close", () => this.markDown("connection closed"));
  }

  /** Connects (waiting at most `timeoutMs` for the first connection, then carrying on degraded). */
  static async open(url: string, log: Logger, timeoutMs = 5_000): Promise<RedisLink> {
    // Loaded only with --redis-url: a single instance never pays for it.
    const { Redis } = await import("ioredis");
    const client = new Redis(url, {
      lazyConnect: true,
      // Fail fast rather than wait for a reconnect: the caller falls back to local state.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      // A Redis that stops answering (paused, or a link that drops packets) must not hold requests:
      // a command unanswered after this long counts as an outage (see run()).
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Reconnect forever, at most every 2 s: Redis coming back restores shared limits by itself.
      retryStrategy: (times: number) => Math.min(2_000, 100 * times),
    });
    const link = new RedisLink(client, log, "copilot-api:");
    await client.connect().catch((error: Error) => {
      link.markDown(error.message);
      log.warn(`Redis unreachable at start (${error.message}): rate limits and budgets count per instance until it is reachable; no request is refused for it`);
    });
    return link;
  }

  get up(): boolean {
    return this.isUp;
  }

  /** close() was called: connections end by design, not by an outage. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Why Redis is down, for /health. */
  get problem(): string | undefined {
    return this.isUp ? undefined : (this.lastError ?? "not connected");
  }

  /**
   * Runs a command against Redis; undefined when Redis is unreachable or fails, and the caller
   * then uses its own instance's state.
   */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.isUp) return undefined;
    try {
      return await command(this.client);
    } catch (error) {
      const message = (error as Error).message;
      if ((error as Error).name === "ReplyError") {
        // Redis answered, with a refusal (out of memory, a key of the wrong type): the connection
        // is fine and no "ready" would follow a markDown, so the link stays up; this call falls back.
        if (Date.now() - this.lastReplyWarning >= 60_000) {
          this.lastReplyWarning = Date.now();
          this.log.warn(`Redis refused a command (${message}): this instance uses its own state for it`);
        }
        return undefined;
      }
      this.markDown(message);
      // Unanswered on an open connection: reconnecting is what brings "ready" (and markUp) back
      // once Redis answers again.
      if (this.client.status === "ready") this.client.disconnect(true);
      return undefined;
    }
  }

  /** Told when Redis goes down or comes back (after the log line). Returns the unsubscribe. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A second connection for pub/sub (a subscribed connection can run nothing else), with the same
   * options; connecting is left to the caller. close() closes it too.
   */
  subscriber(): Redis {
    const sub = this.client.duplicate();
    // Its errors are the main connection's errors too, which already logs them.
    sub.on("error", () => {});
    this.subscribers.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    this.isUp = false; // an orderly stop, not an outage: no warning
    this.isClosed = true;
    this.client.removeAllListeners("end");
    this.client.removeAllListeners("close");
    this.client.disconnect();
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    this.listeners.clear();
  }

  private markUp(): void {
    if (this.isUp) return;
    this.isUp = true;
    this.lastError = undefined;
    if (this.everUp) this.log.info("Redis is back: rate limits, budgets, stored responses and approvals are shared again");
    this.everUp = true;
    for (const l of this.listeners) l(true);
  }

  private markDown(reason: string): void {
    this.lastError = reason;
    if (!this.isUp) return;
    this.isUp = false;
    this.log.warn(
      `Redis unreachable (${reason}): rate limits, budgets and --manual approvals now work per instance until it is back; no request is refused for it`,
    );
    for (const l of this.listeners) l(false);
  }
}
