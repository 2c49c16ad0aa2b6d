import type { ResponseStore, ResponseStoreLimits, StoredResponse, WireObject } from "./response-store.js";

interface Entry {
  /** The record as JSON text: what is counted, and a copy no caller can alter. */
  json: string;
  bytes: number;
  expiresAt: number;
  itemIds: string[];
}

/**
 * The in-memory ResponseStore: a least-recently-used map bounded in count and bytes, whose
 * entries expire `ttlMs` after their last use (a get or an item lookup renews them, so a
 * conversation in use keeps its chain of responses). A record larger than the whole budget is not
 * kept; asking for it later gets the same clear "unknown or expired" answer as any other.
 */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, Entry>();
  /** item id → the response holding it. */
  private readonly items = new Map<string, string>();
  private bytes = 0;

  constructor(
    readonly limits: ResponseStoreLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  put(record: StoredResponse): void {
    const json = JSON.stringify(record);
    const bytes = Buffer.byteLength(json);
    this.remove(record.id);
    if (bytes > this.limits.maxBytes || this.limits.maxResponses < 1) return;
    const itemIds = [...record.input, ...outputOf(record.response)].map((it) => it.id).filter((id): id is string => typeof id === "string");
    this.entries.set(record.id, { json, bytes, expiresAt: this.now() + this.limits.ttlMs, itemIds });
    this.bytes += bytes;
    for (const id of itemIds) this.items.set(id, record.id);
    this.evict();
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const entry = this.touch(id);
    return entry ? (JSON.parse(entry.json) as StoredResponse) : undefined;
  }

  async item(id: string): Promise<WireObject | undefined> {
    const owner = this.items.get(id);
    if (owner === undefined) return undefined;
    const record = await this.get(owner);
    if (!record) return undefined;
    return [...record.input, ...outputOf(record.response)].find((it) => it.id === id);
  }

  async delete(id: string): Promise<boolean> {
    const known = this.touch(id) !== undefined;
    this.remove(id);
    return known;
  }

  /** The live entry, moved to the most recently used end with its expiry renewed. */
  private touch(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(id);
      return undefined;
    }
    this.entries.delete(id);
    entry.expiresAt = this.now() + this.limits.ttlMs;
    this.entries.set(id, entry);
    return entry;
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
    for (const itemId of entry.itemIds) if (this.items.get(itemId) === id) this.items.delete(itemId);
  }

  /** Oldest first: expired entries, then whatever is over the count or byte budget. */
  private evict(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      const over = this.entries.size > this.limits.maxResponses || this.bytes > this.limits.maxBytes;
      if (!over && entry.expiresAt > now) break;
      this.remove(id);
    }
  }
}

function outputOf(response: WireObject): WireObject[] {
  return Array.isArray(response.output) ? (response.output.filter((o) => o && typeof o === "object") as WireObject[]) : [];
}
