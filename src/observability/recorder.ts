import { clip } from "../text.js";
import type { RequestMeta } from "./request-meta.js";

/** One finished request, as the dashboard, the metrics and the request log see it. */
export interface RequestRecord {
  id: number;
  /** Start, ms since the epoch. */
  time: number;
  method: string;
  path: string;
  api: RequestMeta["api"];
  model?: string;
  /** The name the client asked for, kept only when it differs from `model` or no model was resolved. */
  requestedModel?: string;
  endpoint?: string;
  initiator?: "user" | "agent";
  stream?: boolean;
  status: number;
  /** Until the last byte was sent (or the client left). */
  durationMs: number;
  /** Until the response headers were ready. */
  ttfbMs: number;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** From the User-Agent: "claude-code" | "codex" | "opencode" | "ai-sdk" | "openai-sdk" | "anthropic-sdk" | "gemini-cli" | "langchain" | "curl" | "other". */
  client?: string;
  /** The X-Interaction-Type sent upstream, when one was. */
  interaction?: string;
  /** What kind of call, from the initiator and the interaction type. */
  kind?: "user" | "tool-follow-up" | "subagent" | "compaction" | "background";
  /** Which API key (its configured name, or "key-<first 6 hex of sha256>"); never the key. */
  keyName?: string;
  /** Cost of the request in nano-AIU (1 AI credit = 1e9 nano-AIU = $0.01). */
  nanoAiu?: number;
  /** True when nanoAiu was estimated from the catalog's billing.token_prices. */
  costEstimated?: boolean;
  error?: string;
  /** The error's class (ApiError kind), for the ledger. */
  errorKind?: string;
  /** The client closed the connection before the end. */
  aborted?: boolean;
  /**
   * Prompt and answer, when a route chose to keep them. Only the request log writes them, and only
   * with config.logBodies; the dashboard and the metrics never see them.
   */
  bodies?: { request?: unknown; response?: unknown };
}

/** Longest error message a record keeps. */
const RECORDED_ERROR_CHARS = 1_000;

export type RecordListener = (record: RequestRecord) => void;

/** Why access control turned a request away before it became API traffic. */
export type RefusalReason = "missing_key" | "invalid_key" | "host" | "origin";

/**
 * Keeps the last requests in a ring and tells listeners (metrics, dashboard, log file) about each
 * one as it ends. Bounded: memory does not grow with uptime.
 */
export class Recorder {
  private readonly ring: RequestRecord[] = [];
  private readonly listeners = new Set<RecordListener>();
  private readonly shutdownListeners = new Set<() => void>();
  private readonly refusalCounts = new Map<RefusalReason, number>();
  private nextId = 1;
  private stopping = false;

  constructor(private readonly capacity = 500) {}

  newId(): number {
    return this.nextId++;
  }

  record(record: RequestRecord): void {
    // Bodies go to the listeners (the request log) but not into the ring: 500 Claude Code prompts
    // of 100+ KB each would be tens of megabytes held for nothing.
    const { bodies, ...kept } = record;
    // What the client chose (the path, anything an error quotes) is cut short: the ring, the
    // dashboards it is replayed to and the log file hold these, 500 at a time.
    kept.path = clip(kept.path);
    if (kept.model !== undefined) kept.model = clip(kept.model);
    if (kept.error !== undefined) kept.error = clip(kept.error, RECORDED_ERROR_CHARS);
    this.ring.push(kept);
    if (this.ring.length > this.capacity) this.ring.shift();
    const full = bodies === undefined ? kept : { ...kept, bodies };
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch {
        // a broken listener must not break the request path
      }
    }
  }

  /**
   * A request refused by access control (no or bad key, host guard, origin). Only counted: a client
   * without the key must not be able to fill the request log, the dashboard or the usage figures,
   * nor print a line per attempt.
   */
  refuse(reason: RefusalReason): void {
    this.refusalCounts.set(reason, (this.refusalCounts.get(reason) ?? 0) + 1);
  }

  refusals(): ReadonlyMap<RefusalReason, number> {
    return this.refusalCounts;
  }

  recent(limit = this.capacity): RequestRecord[] {
    return this.ring.slice(-limit);
  }

  /** How many listeners are subscribed: lets tests prove that a closed dashboard leaks none. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The server is shutting down: live views (the dashboard's event streams, which never end by
   * themselves) close now, so that draining in-flight requests doesn't wait for them. Recording
   * goes on: requests still finishing reach the metrics and the log.
   */
  shutdown(): void {
    this.stopping = true;
    for (const listener of [...this.shutdownListeners]) listener();
    this.shutdownListeners.clear();
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Calls `listener` once on shutdown(); returns the way to cancel that. */
  onShutdown(listener: () => void): () => void {
    this.shutdownListeners.add(listener);
    return () => this.shutdownListeners.delete(listener);
  }
}
