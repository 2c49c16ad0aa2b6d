import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type ApprovalInfo, type Approver, configureFlow } from "../../src/flow/index.js";
import { DEFAULT_GITHUB_TOKEN } from "../fake-upstream/server.js";
import { runCli } from "../helpers/cli.js";
import { type Harness, type HarnessOptions, startHarness } from "../helpers/harness.js";

/** A hand-driven clock for the limiter: nothing in these tests really waits. */
class FakeClock {
  time = 5_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  private onSet: (() => void)[] = [];
  private onClear: (() => void)[] = [];
  readonly now = () => this.time;
  readonly setTimer = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    for (const f of this.onSet.splice(0)) f();
    return id;
  };
  readonly clearTimer = (handle: unknown) => {
    this.timers.delete(handle as number);
    for (const f of this.onClear.splice(0)) f();
  };
  whenTimerSet(): Promise<void> {
    return new Promise((resolve) => this.onSet.push(resolve));
  }
  whenTimerCleared(): Promise<void> {
    return new Promise((resolve) => this.onClear.push(resolve));
  }
  /** Moves time forward and fires the timers that fall due. */
  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.time) continue;
      this.timers.delete(id);
      t.fn();
    }
  }
}

const bodies: string[] = [];
const harnesses: Harness[] = [];

async function harness(options: HarnessOptions): Promise<Harness> {
  const h = await startHarness(options);
  harnesses.push(h);
  return h;
}

after(async () => {
  const secrets = [DEFAULT_GITHUB_TOKEN, ...harnesses.flatMap((h) => h.fake.issuedCopilotTokens)];
  for (const body of bodies) for (const secret of secrets) assert.ok(!body.includes(secret), "a response body contained a token");
  for (const h of harnesses) await h.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function post(h: Harness, path: string, payload: object, init: { signal?: AbortSignal } = {}): Promise<Answer> {
  const res = await fetch(`${h.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(payload),
    signal: init.signal,
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const chat = (content = "hi") => ({ model: "gpt-4.1", messages: [{ role: "user", content }] });
const message = (content = "hi") => ({ model: "claude-sonnet-4.5", max_tokens: 50, messages: [{ role: "user", content }] });
const lastUserText = (call: { body: any }) => String(call.body.messages.at(-1).content);

describe("--rate-limit without --wait", () => {
  test("one request per interval; the next gets 429 with retry-after in each dialect", async () => {
    const h = await harness({ config: { rateLimitSeconds: 2 } });
    const clock = new FakeClock();
    configureFlow(h.runtime, clock);

    assert.equal((await post(h, "/v1/chat/completions", chat())).status, 200);

    const limited = await post(h, "/v1/chat/completions", chat());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "2");
    assert.equal(limited.body.error.type, "rate_limit_error");
    assert.equal(limited.body.error.code, "rate_limited");
    assert.match(limited.body.error.message, /Try again in 2 s \(at \d{4}-\d\d-\d\dT/);

    const anthropic = await post(h, "/v1/messages?beta=true", message());
    assert.equal(anthropic.status, 429);
    assert.equal(anthropic.headers.get("retry-after"), "2");
    assert.equal(anthropic.body.type, "error");
    assert.equal(anthropic.body.error.type, "rate_limit_error");

    for (const path of ["/responses", "/embeddings", "/chat/completions"]) {
      const body = path === "/responses" ? { model: "gpt-4.1", input: "hi" } : path === "/embeddings" ? { model: "text-embedding-3-small", input: "hi" } : chat();
      assert.equal((await post(h, path, body)).status, 429, `unprefixed ${path} is limited too`);
    }

    // Exempt: count_tokens and GET routes never spend Copilot quota.
    assert.equal((await post(h, "/v1/messages/count_tokens", message())).status, 200);
    assert.equal((await fetch(`${h.url}/v1/models`)).status, 200);

    clock.advance(1_500);
    const rounded = await post(h, "/v1/chat/completions", chat());
    assert.equal(rounded.headers.get("retry-after"), "1", "0.5 s left is rounded up to 1 s");

    clock.advance(500);
    assert.equal((await post(h, "/v1/chat/completions", chat())).status, 200);
    assert.equal(h.fake.callsTo("/chat/completions").length, 2, "only the admitted requests reached Copilot");
  });

  test("concurrent requests do not slip through together (R6)", async () => {
    const h = await harness({ config: { rateLimitSeconds: 1 } });
    configureFlow(h.runtime, new FakeClock());
    const answers = await Promise.all([1, 2, 3, 4].map((i) => post(h, "/v1/chat/completions", chat(`n${i}`))));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 429, 429, 429]);
    assert.equal(h.fake.callsTo("/chat/completions").length, 1);
  });
});

describe("--rate-limit with --wait", () => {
  test("a request that finds the queue full but the slot free takes that one slot, not a second", async () => {
    const h = await harness({ config: { rateLimitSeconds: 1, wait: true } });
    const clock = new FakeClock();
    // No room to wait: every request goes through tryAcquire, as when the queue is full.
    configureFlow(h.runtime, { ...clock, maxRateLimitWaiting: 0 });
    const queued = clock.whenTimerSet().then(() => "queued for a second slot" as const);
    const first = await Promise.race([post(h, "/v1/chat/completions", chat()), queued]);
    assert.notEqual(first, "queued for a second slot");
    assert.equal((first as Answer).status, 200);
    const second = await post(h, "/v1/chat/completions", chat());
    assert.equal(second.status, 429);
    assert.equal(second.body.error.code, "rate_limit_queue_full");
    assert.equal(second.headers.get("retry-after"), "1", "one interval: the first request took one slot");
  });

  test("the second of two concurrent requests is admitted only after the first, one interval later", async () => {
    const h = await harness({ config: { rateLimitSeconds: 1, wait: true } });
    const clock = new FakeClock();
    let queued = 0;
    const waiting = new Promise<void>((resolve) =>
      configureFlow(h.runtime, {
        now: clock.now,
        setTimer: clock.setTimer,
        clearTimer: clock.clearTimer,
        onQueued: (queue) => {
          assert.equal(queue, "rate-limit");
          queued++;
          resolve();
        },
      }),
    );
    const a = post(h, "/v1/chat/completions", chat("first"));
    const b = post(h, "/v1/messages", message("second"));
    await waiting;
    // Time is frozen: the admitted request completes, the queued one cannot.
    const first = await Promise.race([a.then(() => "a"), b.then(() => "b")]);
    // fake.calls is in arrival order.
    const upstream = () => h.fake.calls.filter((c) => c.route === "/chat/completions" || c.route === "/v1/messages");
    assert.equal(upstream().length, 1, "one request went upstream, the other waits");
    assert.equal(queued, 1);

    clock.advance(999);
    assert.equal(upstream().length, 1, "not a millisecond early");
    clock.advance(1);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200);
    assert.equal(rb.body.type, "message", "the queued request got a normal answer");
    const calls = upstream();
    assert.equal(calls.length, 2);
    assert.equal(lastUserText(calls[0]!), first === "a" ? "first" : "second", "upstream saw them in admission order");
  });

  test("a waiting request whose client disconnects leaves the queue", async () => {
    const h = await harness({ config: { rateLimitSeconds: 1, wait: true } });
    const clock = new FakeClock();
    const flow = configureFlow(h.runtime, clock);
    assert.equal((await post(h, "/v1/chat/completions", chat("first"))).status, 200);

    const client = new AbortController();
    const queuedTimer = clock.whenTimerSet();
    const gone = post(h, "/v1/chat/completions", chat("gone"), { signal: client.signal });
    await queuedTimer;
    assert.equal(flow.limiter?.waiting, 1);

    const cleared = clock.whenTimerCleared();
    client.abort();
    await assert.rejects(gone);
    await cleared;
    assert.equal(flow.limiter?.waiting, 0, "no waiter is left behind");

    clock.advance(1000);
    assert.equal((await post(h, "/v1/chat/completions", chat("next"))).status, 200);
    assert.deepEqual(h.fake.callsTo("/chat/completions").map(lastUserText), ["first", "next"], "the abandoned request never went upstream");
  });
});

/** Answers prompts as the test tells it to; each prompt waits for the test. */
class ScriptedApprover implements Approver {
  readonly asked: { info: ApprovalInfo; signal: AbortSignal; answer(ok: boolean): void }[] = [];
  private waiters: (() => void)[] = [];
  ask(info: ApprovalInfo, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason));
      this.asked.push({ info, signal, answer: resolve });
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async prompt(index: number) {
    while (!this.asked[index]) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.asked[index]!;
  }
}

describe("--manual", () => {
  test("an approved request goes through; the prompt shows model, API, size and initiator", async () => {
    const h = await harness({ config: { manual: true } });
    const approver = new ScriptedApprover();
    configureFlow(h.runtime, { approver });
    const payload = { model: "gpt-4.1", messages: [{ role: "user", content: "approve me" }] };
    const answer = post(h, "/v1/chat/completions", payload);
    const prompt = await approver.prompt(0);
    assert.deepEqual(prompt.info, {
      method: "POST",
      path: "/v1/chat/completions",
      api: "chat",
      model: "gpt-4.1",
      bytes: Buffer.byteLength(JSON.stringify(payload)),
      initiator: "user",
    });
    assert.equal(h.fake.callsTo("/chat/completions").length, 0, "nothing goes upstream before approval");
    prompt.answer(true);
    const res = await answer;
    assert.equal(res.status, 200);
    assert.match(res.body.choices[0].message.content, /fake Copilot/, "the route still read the body after the prompt did");
    assert.equal(lastUserText(h.fake.callsTo("/chat/completions")[0]!), "approve me");

    // A tool-result follow-up is shown as agent-initiated.
    const followUp = post(h, "/v1/messages", {
      model: "claude-sonnet-4.5",
      max_tokens: 50,
      messages: [
        { role: "user", content: "run it" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
      ],
    });
    const second = await approver.prompt(1);
    assert.equal(second.info.api, "messages");
    assert.equal(second.info.initiator, "agent");
    second.answer(true);
    assert.equal((await followUp).status, 200);
  });

  test("a refused request is 403 in the client's dialect and never reaches Copilot", async () => {
    const h = await harness({ config: { manual: true } });
    const approver = new ScriptedApprover();
    configureFlow(h.runtime, { approver });

    const openai = post(h, "/v1/chat/completions", chat());
    (await approver.prompt(0)).answer(false);
    const o = await openai;
    assert.equal(o.status, 403);
    assert.equal(o.body.error.type, "permission_error");
    assert.match(o.body.error.message, /refused/);

    const anthropic = post(h, "/v1/messages?beta=true", message());
    (await approver.prompt(1)).answer(false);
    const a = await anthropic;
    assert.equal(a.status, 403);
    assert.equal(a.body.type, "error");
    assert.equal(a.body.error.type, "permission_error");

    assert.equal(h.fake.callsTo("/chat/completions").length + h.fake.callsTo("/v1/messages").length, 0);
    assert.equal((await post(h, "/v1/messages/count_tokens", message())).status, 200, "count_tokens needs no approval");
  });

  test("requests are asked about one at a time, in order", async () => {
    const h = await harness({ config: { manual: true } });
    const approver = new ScriptedApprover();
    let arrived = 0;
    let bothArrived!: () => void;
    const both = new Promise<void>((resolve) => (bothArrived = resolve));
    configureFlow(h.runtime, { approver, onQueued: () => ++arrived === 2 && bothArrived() });
    const a = post(h, "/v1/chat/completions", chat("a"));
    const first = await approver.prompt(0);
    const b = post(h, "/v1/chat/completions", chat("b"));
    await both;
    assert.equal(approver.asked.length, 1, "b waits while a's prompt shows");
    first.answer(true);
    const second = await approver.prompt(1);
    assert.equal(second.info.bytes, Buffer.byteLength(JSON.stringify(chat("b"))));
    second.answer(true);
    assert.deepEqual([(await a).status, (await b).status], [200, 200]);
    assert.deepEqual(h.fake.callsTo("/chat/completions").map(lastUserText), ["a", "b"]);
  });

  test("a client that disconnects while asked about has its prompt cancelled; the next one follows", async () => {
    const h = await harness({ config: { manual: true } });
    const approver = new ScriptedApprover();
    configureFlow(h.runtime, { approver });
    const client = new AbortController();
    const gone = post(h, "/v1/chat/completions", chat("gone"), { signal: client.signal });
    const prompt = await approver.prompt(0);
    const cancelled = once(prompt.signal, "abort");
    client.abort();
    await assert.rejects(gone);
    await cancelled;

    const next = post(h, "/v1/chat/completions", chat("next"));
    (await approver.prompt(1)).answer(true);
    assert.equal((await next).status, 200);
    assert.deepEqual(h.fake.callsTo("/chat/completions").map(lastUserText), ["next"]);
  });

  test("with --rate-limit too: approval first, then the limit", async () => {
    const h = await harness({ config: { manual: true, rateLimitSeconds: 10 } });
    const approver = new ScriptedApprover();
    configureFlow(h.runtime, { approver, ...new FakeClock() });
    const a = post(h, "/v1/chat/completions", chat("a"));
    (await approver.prompt(0)).answer(true);
    assert.equal((await a).status, 200);
    const b = post(h, "/v1/chat/completions", chat("b"));
    (await approver.prompt(1)).answer(true);
    const rb = await b;
    assert.equal(rb.status, 429);
    assert.equal(rb.headers.get("retry-after"), "10");
  });
});

describe("start --manual", () => {
  test("is refused without a TTY, with a clear message and exit code 2", async () => {
    const home = await mkdtemp(join(tmpdir(), "copilot-api-manual-"));
    try {
      // stdin is ignored and stdout a pipe: no terminal to ask at.
      const run = runCli(["start", "--manual", "--port", "0"], { HOME: home, COPILOT_API_HOME: join(home, "data") });
      assert.equal(await run.exited, 2, run.output());
      assert.match(run.output(), /--manual approves each request at the terminal, but stdin\/stdout is not a terminal/);
      assert.doesNotMatch(run.output(), /listening on/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe("bounded queues", () => {
  test("--manual: once the approval queue is full, the next request gets 503 at once, saying why", async () => {
    const h = await harness({ config: { manual: true } });
    const approver = new ScriptedApprover();
    let queued = 0;
    let onThird!: () => void;
    const third = new Promise<void>((resolve) => (onThird = resolve));
    configureFlow(h.runtime, {
      approver,
      maxApprovalWaiting: 2,
      onQueued: () => {
        if (++queued === 3) onThird();
      },
    });
    // One being asked about, two waiting: the queue is full.
    const held = [post(h, "/v1/chat/completions", chat("a")), post(h, "/v1/chat/completions", chat("b")), post(h, "/v1/chat/completions", chat("c"))];
    await third;
    const refused = await post(h, "/v1/messages", message("d"));
    assert.equal(refused.status, 503);
    assert.equal(refused.body.type, "error", "in the client's own dialect");
    assert.match(refused.body.error.message, /2 requests are already waiting for approval at the copilot-api terminal \(--manual\)/);
    for (let i = 0; i < 3; i++) (await approver.prompt(i)).answer(true);
    for (const r of await Promise.all(held)) assert.equal(r.status, 200);
    assert.equal(h.fake.callsTo("/v1/messages").length, 0, "the refused one never went upstream");
  });

  test("--rate-limit --wait: once the queue is full, the next request gets 429 with retry-after", async () => {
    const h = await harness({ config: { rateLimitSeconds: 1, wait: true } });
    const clock = new FakeClock();
    let onQueued!: () => void;
    const queued = new Promise<void>((resolve) => (onQueued = resolve));
    configureFlow(h.runtime, { now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer, maxRateLimitWaiting: 1, onQueued: () => onQueued() });
    const first = post(h, "/v1/chat/completions", chat("first"));
    const second = post(h, "/v1/chat/completions", chat("second"));
    await queued;
    const refused = await post(h, "/v1/chat/completions", chat("third"));
    assert.equal(refused.status, 429);
    assert.match(refused.body.error.message, /1 requests are already queued under --rate-limit 1 s with --wait/);
    assert.equal(refused.headers.get("retry-after"), "2");
    clock.advance(1000);
    for (const r of await Promise.all([first, second])) assert.equal(r.status, 200);
  });
});
