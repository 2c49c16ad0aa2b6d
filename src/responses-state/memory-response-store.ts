import { ITEMS_PER_SLICE, nextTurn } from "../http/work-slices.js";
import type { ResponseStore, ResponseStoreLimits, StoredResponse, WireObject } from "./response-store.js";

/**
 * A record as JSON text (what is counted, and a copy no caller can alter), cut in pieces: the
 * record without its items, then each input and output item on its own, so that an item_reference
 * decodes one item rather than the whole response it belongs to.
 */
interface Entry {
  head: string;
  input: string[];
  /** undefined when the response had no `output` array; then it stays in `head`. */
  output: string[] | undefined;
  bytes: number;
  expiresAt: number;
  /** id → where the item is: its index in `input`, or -1 - its index in `output`. */
  itemIds: Map<string, number>;
}

/**
 * What one item costs beyond its JSON text: its string's header, its place in the entry's and the
 * store's id maps, its id string. Measured at ~300 bytes on Node 20 for a tiny item; counting text
 * alone let a store of tiny items take ~5x its byte budget on the heap.
 */
const ITEM_OVERHEAD_BYTES = 256;

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
  /** The write of a large record still going on, if any. */
  private writing: Promise<void> | undefined;

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
    const output = Array.isArray(record.response.output) ? (record.response.output as unknown[]) : undefined;
    if (!this.writing && record.input.length + (output?.length ?? 0) <= ITEMS_PER_SLICE) {
      this.insert(record, output, toJson(record.input), output && toJson(output));
      return;
    }
    // A record of many items is written in slices, after any write still going on; reads wait for it.
    const before = this.writing;
    const writing = (async () => {
      await before;
      this.insert(record, output, await toJsonSliced(record.input), output && (await toJsonSliced(output)));
    })().catch(() => undefined);
    this.writing = writing;
    void writing.then(() => {
      if (this.writing === writing) this.writing = undefined;
    });
  }

  /** Resolves once every record put so far is stored. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private insert(record: StoredResponse, output: unknown[] | undefined, input: string[], outputJson: string[] | undefined): void {
    const head = JSON.stringify({ ...record, input: [], response: output ? { ...record.response, output: [] } : record.response });
    let bytes = Buffer.byteLength(head);
    for (const text of input) bytes += Buffer.byteLength(text) + ITEM_OVERHEAD_BYTES;
    for (const text of outputJson ?? []) bytes += Buffer.byteLength(text) + ITEM_OVERHEAD_BYTES;
    this.remove(record.id);
    if (bytes > this.limits.maxBytes || this.limits.maxResponses < 1) return;
    const itemIds = new Map<string, number>();
    const place = (items: unknown[], at: (i: number) => number) => {
      for (const [i, it] of items.entries()) {
        const itemId = it && typeof it === "object" ? (it as WireObject).id : undefined;
        if (typeof itemId === "string" && !itemIds.has(itemId)) itemIds.set(itemId, at(i));
      }
    };
    place(record.input, (i) => i);
    place(output ?? [], (i) => -1 - i);
    this.entries.set(record.id, { head, input, output: outputJson, bytes, expiresAt: this.now() + this.limits.ttlMs, itemIds });
    this.bytes += bytes;
    for (const itemId of itemIds.keys()) this.items.set(itemId, record.id);
    this.evict();
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    if (this.writing) await this.idle();
    const entry = this.touch(id);
    if (!entry) return undefined;
    const record = JSON.parse(entry.head) as StoredResponse;
    record.input = entry.input.map((text) => JSON.parse(text) as WireObject);
    if (entry.output) record.response.output = entry.output.map((text) => JSON.parse(text) as unknown);
    return record;
  }

  async item(id: string): Promise<WireObject | undefined> {
    if (this.writing) await this.idle();
    const owner = this.items.get(id);
    if (owner === undefined) return undefined;
    const entry = this.touch(owner);
    const where = entry?.itemIds.get(id);
    if (!entry || where === undefined) return undefined;
    const text = where >= 0 ? entry.input[where] : entry.output?.[-1 - where];
    return text === undefined ? undefined : (JSON.parse(text) as WireObject);
  }

  async delete(id: string): Promise<boolean> {
    if (this.writing) await this.idle();
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
    for (const itemId of entry.itemIds.keys()) if (this.items.get(itemId) === id) this.items.delete(itemId);
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

function toJson(items: unknown[]): string[] {
  return items.map((it) => JSON.stringify(it) ?? "null");
}

async function toJsonSliced(items: unknown[]): Promise<string[]> {
  const out: string[] = [];
  for (let from = 0; from < items.length; from += ITEMS_PER_SLICE) {
    if (from > 0) await nextTurn();
    for (const it of items.slice(from, from + ITEMS_PER_SLICE)) out.push(JSON.stringify(it) ?? "null");
  }
  return out;
}
