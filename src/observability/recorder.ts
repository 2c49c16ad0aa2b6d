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
  error?: string;
  /** The client closed the connection before the end. */
  aborted?: boolean;
}

export type RecordListener = (record: RequestRecord) => void;

/**
 * Keeps the last requests in a ring and tells listeners (metrics, dashboard, log file) about each
 * one as it ends. Bounded: memory does not grow with uptime.
 */
export class Recorder {
  private readonly ring: RequestRecord[] = [];
  private readonly listeners = new Set<RecordListener>();
  private nextId = 1;

  constructor(private readonly capacity = 500) {}

  newId(): number {
    return this.nextId++;
  }

  record(record: RequestRecord): void {
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // a broken listener must not break the request path
      }
    }
  }

  recent(limit = this.capacity): RequestRecord[] {
    return this.ring.slice(-limit);
  }

  subscribe(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
