import type { RedisLink } from "../shared-state/redis-link.js";
import type { MemoryResponseStore } from "./memory-response-store.js";
import type { ResponseStore, ResponseStoreLimits, StoredResponse, WireObject } from "./response-store.js";

/**
 * Keeps one record and its item index, then evicts the least recently used records while the
 * count or byte budget is exceeded, all in one step so that instances storing at once never
 * overshoot. KEYS: index (zset id→last use), sizes (hash id→bytes), total (bytes), record key.
 * ARGV: id, json, ttl ms, max responses, max bytes, record key prefix, item key prefix, item ids…
 */
const PUT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, json, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local maxCount, maxBytes = tonumber(ARGV[4]), tonumber(ARGV[5])
local old = tonumber(redis.call('HGET', KEYS[2], id) or '0')
redis.call('DECRBY', KEYS[3], old)
redis.call('SET', KEYS[4], json, 'PX', ttl)
redis.call('ZADD', KEYS[1], now, id)
redis.call('HSET', KEYS[2], id, string.len(json))
redis.call('INCRBY', KEYS[3], string.len(json))
for i = 8, #ARGV do redis.call('SET', ARGV[7] .. ARGV[i], id, 'PX', ttl) end
while true do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #oldest == 0 then break end
  local total = tonumber(redis.call('GET', KEYS[3]) or '0')
  local stale = tonumber(oldest[2]) <= now - ttl
  if not stale and redis.call('ZCARD', KEYS[1]) <= maxCount and total <= maxBytes then break end
  redis.call('ZREM', KEYS[1], oldest[1])
  redis.call('DECRBY', KEYS[3], tonumber(redis.call('HGET', KEYS[2], oldest[1]) or '0'))
  redis.call('HDEL', KEYS[2], oldest[1])
  redis.call('DEL', ARGV[6] .. oldest[1])
end
return 1
`;

/** Removes one record and gives its bytes back. Same KEYS as PUT_SCRIPT; ARGV: id. 1 if it existed. */
const DELETE_SCRIPT = `
local existed = redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DECRBY', KEYS[3], tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0'))
redis.call('HDEL', KEYS[2], ARGV[1])
return existed
`;

/**
 * Reads one record and renews it: its TTL, and its place in the least-recently-used order on
 * Redis' clock (the one PUT_SCRIPT uses, whatever this machine's says). KEYS: record, index. ARGV: id, ttl ms.
 */
const GET_SCRIPT = `
local json = redis.call('GET', KEYS[1])
if not json then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local t = redis.call('TIME')
redis.call('ZADD', KEYS[2], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return json
`;

/**
 * The Responses store shared by every instance through Redis (--redis-url), so that a client
 * whose next turn lands on another instance still finds its previous_response_id. The same
 * limits hold across all instances together. This instance's own memory store keeps a copy of
 * what it stored, which serves while Redis is unreachable.
 */
export class RedisResponseStore implements ResponseStore {
  private readonly writing = new Set<Promise<unknown>>();

  constructor(
    private readonly redis: RedisLink,
    private readonly local: MemoryResponseStore,
  ) {}

  get limits(): ResponseStoreLimits {
    return { ...this.local.limits, shared: true };
  }

  private key(kind: string, id = ""): string {
    return `${this.redis.prefix}responses:${kind}${id}`;
  }

  put(record: StoredResponse): void {
    this.local.put(record);
    const json = JSON.stringify(record);
    const { maxResponses, maxBytes, ttlMs } = this.limits;
    if (Buffer.byteLength(json) > maxBytes || maxResponses < 1) return;
    const itemIds = itemIdsOf(record);
    // In the background: the answer has been sent already and never waits on Redis.
    const write = this.redis.run((c) =>
      c.eval(
        PUT_SCRIPT,
        4,
        this.key("index"),
        this.key("sizes"),
        this.key("bytes"),
        this.key("record:", record.id),
        record.id,
        json,
        String(ttlMs),
        String(maxResponses),
        String(maxBytes),
        this.key("record:"),
        this.key("item:"),
        ...itemIds,
      ),
    );
    this.writing.add(write);
    void write.finally(() => this.writing.delete(write));
  }

  /** Settles once every background write has (tests read from another instance after it). */
  async idle(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const json = await this.redis.run((c) => c.eval(GET_SCRIPT, 2, this.key("record:", id), this.key("index"), id, String(this.limits.ttlMs)) as Promise<string | null>);
    if (json === undefined) return this.local.get(id);
    if (!json) return undefined;
    const record = JSON.parse(json) as StoredResponse;
    // Its items live as long as it does (as in memory): an item_reference works while the conversation goes on.
    const itemKeys = itemIdsOf(record).map((itemId) => this.key("item:", itemId));
    if (itemKeys.length > 0) {
      const renew = this.redis.run((c) => {
        const p = c.pipeline();
        for (const key of itemKeys) p.pexpire(key, this.limits.ttlMs);
        return p.exec();
      });
      this.writing.add(renew);
      void renew.finally(() => this.writing.delete(renew));
    }
    return record;
  }

  async item(id: string): Promise<WireObject | undefined> {
    const owner = await this.redis.run((c) => c.get(this.key("item:", id)));
    if (owner === undefined) return this.local.item(id);
    if (!owner) return undefined;
    const record = await this.get(owner);
    return record ? [...record.input, ...outputOf(record.response)].find((it) => it.id === id) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const local = await this.local.delete(id);
    const removed = await this.redis.run(
      async (c) => (await c.eval(DELETE_SCRIPT, 4, this.key("index"), this.key("sizes"), this.key("bytes"), this.key("record:", id), id)) === 1,
    );
    return removed ?? local;
  }
}

function itemIdsOf(record: StoredResponse): string[] {
  return [...record.input, ...outputOf(record.response)].map((it) => it.id).filter((id): id is string => typeof id === "string");
}

function outputOf(response: WireObject): WireObject[] {
  return Array.isArray(response.output) ? (response.output.filter((o) => o && typeof o === "object") as WireObject[]) : [];
}
