import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import type { RedisLink } from "../shared-state/redis-link.js";
import { clip } from "../text.js";
import { type ApprovalInfo, ApprovalQueue, ApprovalQueueFull, type Approver, PromptWithdrawn, type RequestOptions } from "./approval-queue.js";
import { describeRequest } from "./terminal-approver.js";

/**
 * Adds a request to the shared queue unless `max` wait already. Entries whose request is gone (its
 * instance stopped and the entry expired) are dropped first, so they never hold the bound.
 * KEYS: queue, request. ARGV: id, info, max, owner, request key prefix, ttl ms, "new" channel.
 */
const ENQUEUE = `
local max = tonumber(ARGV[3])
if redis.call('LLEN', KEYS[1]) >= max then
  for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    if redis.call('EXISTS', ARGV[5] .. id) == 0 then redis.call('LREM', KEYS[1], 0, id) end
  end
  if redis.call('LLEN', KEYS[1]) >= max then return -1 end
end
redis.call('HSET', KEYS[2], 'info', ARGV[2], 'owner', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[7], ARGV[1])
return n
`;

/**
 * Takes the oldest waiting request for this terminal, marking who asks about it.
 * KEYS: queue. ARGV: request key prefix, claimer. Returns {id, info, owner} or nil.
 */
const CLAIM = `
while true do
  local id = redis.call('LPOP', KEYS[1])
  if not id then return false end
  local key = ARGV[1] .. id
  local info = redis.call('HGET', key, 'info')
  if info then
    redis.call('HSET', key, 'claimer', ARGV[2])
    return {id, info, redis.call('HGET', key, 'owner')}
  end
end
`;

/** Puts a request back at the head of the queue when the terminal asking about it has stopped. KEYS: request, queue. ARGV: id, claimer, "new" channel. */
const REQUEUE = `
if redis.call('HGET', KEYS[1], 'claimer') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'claimer')
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`;

const MAX_STALE = 1024;

/** A request of this instance waiting in the shared queue. */
interface Waiting {
  info: ApprovalInfo;
  signal?: AbortSignal;
  resolve(approved: boolean): void;
  reject(reason: unknown): void;
  onAbort?: () => void;
}

export interface SharedApprovalOptions {
  /**
   * How often an instance renews its waiting requests in Redis (they expire after three times this
   * when it stops) and checks that the terminals asking about them still run.
   */
  checkMs?: number;
}

/**
 * --manual with --redis-url: one queue of waiting requests for every instance, in arrival order.
 * Each instance's terminal takes the oldest waiting request, whichever instance holds it, whenever
 * it has no prompt showing; the answer goes back to the holding instance over pub/sub (a channel of
 * its own). So two instances with two terminals work one queue, and the bound on waiting requests
 * counts them all.
 *
 * - A client that leaves takes its request out of the queue, or off the terminal asking about it.
 * - A request of an instance that has stopped is dropped unasked (its pub/sub channel has no
 *   subscriber: the kernel closed its connection to Redis); an answer that reaches no instance is
 *   logged, not waited on. A request whose terminal stopped goes back to the head of the queue.
 * - Without Redis (down, or its pub/sub connection lost), each instance asks about its own requests
 *   at its own terminal, those already waiting included: degraded, never stuck. RedisLink warns once.
 */
export class SharedApprovalQueue {
  /** This instance's name in Redis: its answers arrive on a channel named after it. */
  readonly instance = randomUUID();
  private readonly local: ApprovalQueue;
  private readonly sub: Redis;
  private subscribed = false;
  /** This instance's requests in the shared queue (or being asked about at some terminal). */
  private readonly mine = new Map<string, Waiting>();
  /** Prompts showing here for requests taken from the shared queue, to take down if their client leaves. */
  private readonly prompts = new Map<string, { withdraw: AbortController; owner: string }>();
  /** Requests that went to the local queue while they may still be in Redis: removed once it is back. */
  private readonly stale = new Set<string>();
  /** Other instances' requests whose prompt here was taken down when Redis went: put back once it is back. */
  private readonly withdrawn = new Map<string, string>();
  private pumping = false;
  private again = false;
  /** Settles when the pub/sub connection next subscribes, or fails to. */
  private subscription: { promise: Promise<void>; settle(): void };
  private readonly checkMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    approver: Approver,
    private readonly redis: RedisLink,
    private readonly log: Logger,
    options: SharedApprovalOptions = {},
  ) {
    this.checkMs = options.checkMs ?? 10_000;
    this.local = new ApprovalQueue(approver, () => this.pump());
    this.sub = redis.subscriber();
    this.subscription = settled();
    this.sub.on("ready", () => void this.subscribe().finally(() => this.subscriptionSettled()));
    this.sub.on("error", () => this.subscriptionSettled());
    this.sub.on("close", () => {
      this.subscriptionSettled();
      this.subscribed = false;
      if (!redis.closed) this.degrade(); // an orderly stop leaves requests to the drain
    });
    this.sub.on("message", (channel: string, message: string) => this.onMessage(channel, message));
    redis.onChange((up) => {
      if (!up) return this.degrade();
      void this.cleanup();
      this.pump();
    });
    void this.sub.connect().catch(() => {}); // "close" degrades; ioredis keeps reconnecting
    // A slow tick renews this instance's entries and catches a wake-up lost while pub/sub reconnected.
    this.timer = setInterval(() => {
      if (this.sub.status === "end") return clearInterval(this.timer);
      this.pump();
      void this.check();
    }, this.checkMs);
    this.timer.unref();
  }

  /** Resolves with the answer from whichever terminal asked; rejects if the client leaves or the queue is full. */
  async request(info: ApprovalInfo, signal?: AbortSignal, options: RequestOptions = {}): Promise<boolean> {
    // Requests that come while pub/sub is (re)connecting to a reachable Redis wait for it (a few ms)
    // rather than be asked about at this terminal only; a failed attempt lets them go on locally.
    if (!this.subscribed && this.redis.up) await this.subscription.promise;
    if (signal?.aborted) throw signal.reason;
    if (!this.shared) return this.local.request(info, signal, options);
    return new Promise<boolean>((resolve, reject) => {
      const id = randomUUID();
      const waiting: Waiting = { info, signal, resolve, reject };
      if (signal) {
        waiting.onAbort = () => this.leave(id);
        signal.addEventListener("abort", waiting.onAbort, { once: true });
      }
      this.mine.set(id, waiting);
      void this.enqueue(id, info, options.max).then((n) => {
        if (this.mine.get(id) !== waiting) return; // left, or already moved to the local queue
        if (n === undefined) return this.toLocal(id, waiting);
        if (n < 0) {
          this.forget(id, waiting);
          return reject(new ApprovalQueueFull(options.max!));
        }
        options.onQueued?.(n);
      });
    });
  }

  private subscriptionSettled(): void {
    this.subscription.settle();
    this.subscription = settled();
  }

  private get shared(): boolean {
    return this.redis.up && this.subscribed;
  }

  private key(id: string): string {
    return `${this.redis.prefix}approvals:request:${id}`;
  }

  private get queueKey(): string {
    return `${this.redis.prefix}approvals:queue`;
  }

  private channel(name: "new" | "cancel" | { instance: string }): string {
    return `${this.redis.prefix}approvals:${typeof name === "string" ? name : `to:${name.instance}`}`;
  }

  private async subscribe(): Promise<void> {
    try {
      await this.sub.subscribe(this.channel("new"), this.channel("cancel"), this.channel({ instance: this.instance }));
    } catch {
      return; // "close" follows, and "ready" again once it reconnects
    }
    this.subscribed = true;
    await this.cleanup();
    this.pump();
  }

  private enqueue(id: string, info: ApprovalInfo, max = 1e9): Promise<number | undefined> {
    return this.redis.run((c) =>
      c.eval(
        ENQUEUE,
        2,
        this.queueKey,
        this.key(id),
        id,
        encodeInfo(info),
        String(max),
        this.instance,
        this.key(""),
        String(this.checkMs * 3),
        this.channel("new"),
      ) as Promise<number>,
    );
  }

  private forget(id: string, waiting: Waiting): void {
    this.mine.delete(id);
    if (waiting.onAbort) waiting.signal?.removeEventListener("abort", waiting.onAbort);
  }

  /** The client left: out of the queue, and off the terminal asking about it. */
  private leave(id: string): void {
    const waiting = this.mine.get(id);
    if (!waiting) return;
    this.forget(id, waiting);
    waiting.reject(waiting.signal?.reason);
    this.prompts.get(id)?.withdraw.abort(waiting.signal?.reason); // asked about here: no need to wait for Redis
    void this.redis
      .run((c) => c.multi().lrem(this.queueKey, 0, id).del(this.key(id)).publish(this.channel("cancel"), id).exec())
      .then((done) => done === undefined && this.markStale(id));
  }

  /** Asked about at this instance's own terminal instead; the client's wait goes on. */
  private toLocal(id: string, waiting: Waiting): void {
    this.forget(id, waiting);
    this.markStale(id);
    this.local.request(waiting.info, waiting.signal).then(waiting.resolve, waiting.reject);
  }

  /**
   * Bounded: an entry not cleaned up expires anyway once this instance stops renewing it (three
   * check intervals), and a terminal skips an expired one; the set only saves asking in between.
   */
  private markStale(id: string): void {
    if (this.stale.size >= MAX_STALE) this.stale.delete(this.stale.values().next().value!);
    this.stale.add(id);
  }

  /** Redis or its pub/sub connection is gone: no answer can arrive that way, nor leave from here. */
  private degrade(): void {
    // A prompt showing here for a request of this instance stays: its answer needs no Redis.
    for (const [id, waiting] of this.mine) if (!this.prompts.has(id)) this.toLocal(id, waiting);
    for (const prompt of this.prompts.values()) {
      if (prompt.owner === this.instance) continue;
      prompt.withdraw.abort(new PromptWithdrawn("Redis is unreachable; the instance holding the request asks about it at its own terminal"));
    }
  }

  /**
   * Redis is back: entries of requests answered here meanwhile must not be asked about again, and
   * those withdrawn from this terminal are waiting again.
   */
  private async cleanup(): Promise<void> {
    for (const id of [...this.withdrawn.keys()]) {
      const back = await this.redis.run((c) => c.eval(REQUEUE, 2, this.key(id), this.queueKey, id, this.instance, this.channel("new")));
      if (back !== undefined) this.withdrawn.delete(id);
    }
    if (this.stale.size === 0) return;
    const ids = [...this.stale];
    const done = await this.redis.run((c) => {
      const m = c.multi();
      for (const id of ids) m.lrem(this.queueKey, 0, id).del(this.key(id));
      return m.exec();
    });
    if (done) for (const id of ids) this.stale.delete(id);
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.channel("new")) return this.pump();
    if (channel === this.channel("cancel")) {
      this.prompts.get(message)?.withdraw.abort(new Error("the client disconnected"));
      return;
    }
    let answer: { id?: unknown; approved?: unknown };
    try {
      answer = JSON.parse(message) as typeof answer;
    } catch {
      return;
    }
    if (typeof answer === "object" && answer !== null && typeof answer.id === "string") this.answered(answer.id, answer.approved === true);
  }

  private answered(id: string, approved: boolean): void {
    const waiting = this.mine.get(id);
    if (!waiting) return;
    this.forget(id, waiting);
    waiting.resolve(approved);
    void this.redis.run((c) => c.del(this.key(id))).then((done) => done === undefined && this.markStale(id));
  }

  /** While this terminal is free, asks about the oldest waiting request of any instance. */
  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.again = false;
          while (this.shared && this.local.idle) {
            const claimed = await this.redis.run((c) => c.eval(CLAIM, 1, this.queueKey, this.key(""), this.instance) as Promise<unknown>);
            if (!Array.isArray(claimed) || claimed.length !== 3) break;
            await this.ask(String(claimed[0]), String(claimed[1]), String(claimed[2]));
          }
        } while (this.again && this.shared && this.local.idle);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async ask(id: string, json: string, owner: string): Promise<void> {
    const withdraw = new AbortController();
    // Registered before anything is awaited, so that a client leaving meanwhile is not missed.
    this.prompts.set(id, { withdraw, owner });
    try {
      const info = decodeInfo(json);
      const alive = info && (await this.alive(owner));
      if (!info || alive === false) {
        await this.redis.run((c) => c.del(this.key(id)));
        if (info) this.log.info(`Not asking about ${describeRequest(info)}: the instance holding it has stopped`);
        return;
      }
      if (withdraw.signal.aborted) return;
      let approved: boolean;
      try {
        approved = await this.local.request(info, withdraw.signal);
      } catch {
        // Its client left, or Redis did: then it goes back to the queue once Redis is back.
        if (withdraw.signal.reason instanceof PromptWithdrawn) this.withdrawn.set(id, owner);
        return;
      }
      if (owner === this.instance) return this.answered(id, approved);
      const reached = await this.redis.run((c) => c.publish(this.channel({ instance: owner }), JSON.stringify({ id, approved })));
      if (!reached) {
        this.log.warn(`The answer (${approved ? "approved" : "refused"}) to ${describeRequest(info)} reached no instance: the one holding the request has stopped or lost Redis`);
      }
    } finally {
      this.prompts.delete(id);
    }
  }

  /** Whether an instance still runs: its answer channel has a subscriber. Undefined if Redis fails. */
  private async alive(instance: string): Promise<boolean | undefined> {
    if (instance === this.instance) return true;
    const reply = await this.redis.run((c) => c.pubsub("NUMSUB", this.channel({ instance })) as Promise<unknown[]>);
    return reply === undefined ? undefined : Number(reply[1]) > 0;
  }

  /** Renews this instance's entries; puts back those whose terminal stopped, or that Redis lost. */
  private async check(): Promise<void> {
    if (!this.shared || this.mine.size === 0) return;
    const ids = [...this.mine.keys()];
    const replies = await this.redis.run((c) => {
      const m = c.multi();
      for (const id of ids) m.pexpire(this.key(id), this.checkMs * 3).hget(this.key(id), "claimer");
      return m.exec();
    });
    if (!replies) return;
    for (const [i, id] of ids.entries()) {
      const waiting = this.mine.get(id);
      if (!waiting) continue;
      const [, renewed] = replies[2 * i] ?? [];
      const [, claimer] = replies[2 * i + 1] ?? [];
      if (renewed === 0) {
        await this.enqueue(id, waiting.info); // lost (a flushed or evicted key): queued again, at the back
      } else if (typeof claimer === "string" && (await this.alive(claimer)) === false) {
        const back = await this.redis.run((c) => c.eval(REQUEUE, 2, this.key(id), this.queueKey, id, claimer, this.channel("new")) as Promise<number>);
        if (back === 1) this.log.info(`The terminal asking about ${describeRequest(waiting.info)} has stopped: asked again at the next free one`);
      }
    }
  }
}

function settled(): { promise: Promise<void>; settle(): void } {
  let settle!: () => void;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  return { promise, settle };
}

/** At most a few hundred bytes per entry, whatever the client sent (the terminal shows 200 characters). */
function encodeInfo(info: ApprovalInfo): string {
  return JSON.stringify({ ...info, path: clip(info.path, 1000), model: info.model === undefined ? undefined : clip(info.model, 200) });
}

/** An entry read back from Redis, which any instance (or anyone with access) may have written. */
function decodeInfo(json: string): ApprovalInfo | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.method !== "string" || typeof o.path !== "string" || typeof o.api !== "string" || typeof o.bytes !== "number") return undefined;
  if (o.model !== undefined && typeof o.model !== "string") return undefined;
  const initiator = o.initiator === "user" || o.initiator === "agent" ? o.initiator : undefined;
  return {
    method: clip(o.method, 16),
    path: clip(o.path, 1000),
    api: clip(o.api, 32),
    model: o.model === undefined ? undefined : clip(o.model, 200),
    bytes: o.bytes,
    initiator,
  };
}
