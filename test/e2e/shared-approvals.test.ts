import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { PassThrough } from "node:stream";
import { Redis } from "ioredis";
import { configureFlow, TerminalApprover } from "../../src/flow/index.js";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { startHarness } from "../helpers/harness.js";
import { startRedis, type StoreServer } from "../helpers/stores.js";
import { startTty, type TtyInstance } from "../helpers/tty-instance.js";

const GITHUB_TOKEN = "ghu_sharedApprovals0123456789abcdefAB";
const PROMPT = /Approve POST \/v1\/chat\/completions \(chat API\): model (\S+),[^?]*\? \[y\/N\] /;

/**
 * A chat request whose answer the test awaits later, after prompts and answers at the terminals.
 * Marked handled at once: a failure meanwhile is kept for that await (or for `unlessFailed`), not
 * left as an unhandled rejection that fails whichever test runs with a bare "fetch failed"; and it
 * says what failed, and why (fetch keeps the socket error in `cause`).
 */
function chat(url: string, model: string, signal?: AbortSignal): Promise<Response> {
  const answer = fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    signal,
  }).catch((error: Error) => {
    if (signal?.aborted) throw error; // the client's own abort, as some tests expect
    const cause = error.cause as { code?: string; message?: string } | undefined;
    throw new Error(`POST ${url}/v1/chat/completions (model ${model}) failed: ${error.message}${cause ? ` (${cause.code ?? ""} ${cause.message ?? ""})` : ""}`, { cause: error });
  });
  answer.catch(() => {});
  return answer;
}

/** `step`, cut short by the failure of any of `requests` (answered later): the test fails with it at once, not at its timeout. */
function unlessFailed<T>(requests: Promise<unknown>[], step: Promise<T>): Promise<T> {
  return Promise.race([step, ...requests.map((r) => r.then(() => new Promise<never>(() => {})))]);
}

/** Counts what the instances publish on the approval queue's channels: when a request joins it or leaves it. */
class QueueWatch {
  private counts = { new: 0, cancel: 0 };
  private waiters = new Set<() => void>();
  private constructor(readonly redis: Redis) {}

  static async open(url: string): Promise<QueueWatch> {
    const sub = new Redis(url, { maxRetriesPerRequest: 0 });
    sub.on("error", () => {}); // the test that kills Redis closes it first
    const watch = new QueueWatch(sub);
    sub.on("message", (channel: string) => {
      watch.counts[channel.endsWith(":new") ? "new" : "cancel"] += 1;
      for (const w of watch.waiters) w();
    });
    await sub.subscribe("copilot-api:approvals:new", "copilot-api:approvals:cancel");
    return watch;
  }

  /** Resolves once `n` more messages than `from` arrived on the channel. */
  until(channel: "new" | "cancel", n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.counts[channel] >= n) {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  get seen() {
    return { ...this.counts };
  }

  close() {
    this.redis.disconnect();
  }
}

/** The next prompt on either terminal (after what each showed already), with the terminal it showed on. */
async function nextPrompt(terminals: TtyInstance[], model?: string): Promise<{ at: TtyInstance; model: string }> {
  const pattern = model ? new RegExp(PROMPT.source.replace("(\\S+)", `(${model.replace(/[.]/g, "\\.")})`)) : PROMPT;
  return Promise.race(terminals.map((t) => t.waitFor(pattern, t.output().length).then((m) => ({ at: t, model: m[1]! }))));
}

describe("--manual with --redis-url: two instances on real terminals approve through one queue", () => {
  let fake: FakeUpstream;
  let home: string;
  const started: TtyInstance[] = [];
  const stores: StoreServer[] = [];
  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN });
    home = await mkdtemp(join(tmpdir(), "copilot-api-approvals-"));
  });
  after(async () => {
    await Promise.all(started.map((t) => t.kill()));
    await Promise.all(stores.map((s) => s.stop()));
    await fake?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function instances(redis: StoreServer, n = 2): Promise<TtyInstance[]> {
    const list = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        startTty(["start", "--manual", "--port", "0", "--redis-url", redis.url], {
          HOME: home,
          COPILOT_API_HOME: join(home, `data-${started.length + i}`),
          COPILOT_API_GITHUB_URL: fake.githubUrl,
          COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
          GH_TOKEN: GITHUB_TOKEN,
        }),
      ),
    );
    started.push(...list);
    return list;
  }

  async function redisServer(): Promise<StoreServer> {
    const s = await startRedis();
    stores.push(s);
    return s;
  }

  test("each terminal asks about the next waiting request, whichever instance holds it; the answer reaches that instance", { timeout: 90_000 }, async () => {
    const redis = await redisServer();
    const [a, b] = await instances(redis);
    const terminals = [a!, b!];
    for (const t of terminals) await t.waitFor(/this terminal asks y\/N about the next one whenever it is free/);

    // Both requests go to instance a: the second one can only be asked about at the other terminal.
    const calls = fake.callsTo("/chat/completions").length;
    const first = chat(a!.url, "gpt-4.1");
    const p1 = await nextPrompt(terminals, "gpt-4.1");
    const second = chat(a!.url, "claude-sonnet-4.5");
    const p2 = await nextPrompt(terminals, "claude-sonnet-4.5");
    assert.notEqual(p1.at, p2.at, "one prompt per terminal");
    p1.at.type("y");
    p2.at.type("n");
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r1.status, 200, await r1.clone().text());
    assert.match(((await r1.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, /fake Copilot/);
    assert.equal(r2.status, 403);
    assert.match(await r2.text(), /refused at the copilot-api terminal/);
    assert.deepEqual(
      fake.callsTo("/chat/completions").slice(calls).map((c) => (c.body as { model: string }).model),
      ["gpt-4.1"],
      "only the approved request reached Copilot",
    );

    // What a client sent reaches a terminal escaped: no escape sequence, no bell.
    const hostile = chat(b!.url, "gpt\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e");
    const p3 = await nextPrompt(terminals);
    assert.equal(p3.model, "gpt\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\\u202e");
    p3.at.type("n");
    assert.equal((await hostile).status, 403);
    for (const t of terminals) {
      assert.doesNotMatch(t.output(), /\u0007|\u001b\]0;owned|\u001b\[2J|\u009b|\u202e/, "nothing a client sent is printed raw");
    }
  });

  test("the bound on waiting requests holds across instances; a client that leaves leaves the queue, or the prompt", { timeout: 90_000 }, async () => {
    const redis = await redisServer();
    const watch = await QueueWatch.open(redis.url);
    const [a, b] = await instances(redis);
    const terminals = [a!, b!];
    try {
      // One prompt showing at each terminal.
      const held = [chat(a!.url, "claude-sonnet-4.5")];
      const h1 = await nextPrompt(terminals);
      held.push(chat(b!.url, "claude-sonnet-4.5"));
      const h2 = await nextPrompt(terminals.filter((t) => t !== h1.at));

      // 32 wait (the default bound), half sent to each instance.
      const leaving = Array.from({ length: 32 }, () => new AbortController());
      const waiting = leaving.map((c, i) => chat((i % 2 ? b! : a!).url, `waiting-${i}`, c.signal).catch((e: Error) => e));
      await watch.until("new", 34);
      for (const t of terminals) {
        const full = await chat(t.url, "gpt-4.1");
        assert.equal(full.status, 503);
        assert.match(await full.text(), /32 requests are already waiting for approval/);
      }

      // Every waiting client leaves: all 32 are out of the shared queue.
      for (const c of leaving) c.abort();
      for (const r of await Promise.all(waiting)) assert.ok(r instanceof Error, "the client's own abort");
      await watch.until("cancel", 32);
      const admin = watch.redis.duplicate();
      assert.equal(await admin.llen("copilot-api:approvals:queue"), 0);
      admin.disconnect();

      // A client leaving while its prompt shows takes the prompt down, whichever terminal shows it.
      const gone = new AbortController();
      const goneRequest = chat(a!.url, "gpt-4.1", gone.signal).catch((e: Error) => e);
      await watch.until("new", 35);
      const next = chat(b!.url, "gpt-4.1");
      await watch.until("new", 36);
      h1.at.type("n");
      const p = await nextPrompt([h1.at], "gpt-4.1");
      const before = h1.at.output().length;
      gone.abort();
      assert.ok((await goneRequest) instanceof Error);
      // The prompt is taken down, and the terminal goes on with the next waiting request.
      await h1.at.waitFor(/\(cancelled: the client disconnected\)[\s\S]*model gpt-4\.1,[^?]*\? \[y\/N\] /, before);
      p.at.type("y");
      h2.at.type("n");
      assert.equal((await next).status, 200);
      for (const r of await Promise.all(held)) assert.equal(r.status, 403);
      for (const t of terminals) assert.doesNotMatch(t.output(), /model waiting-/, "no prompt for a client that left");
    } finally {
      watch.close();
    }
  });

  test("an instance that dies: its waiting request is dropped unasked, an answer for it is not waited on, the others go on", { timeout: 90_000 }, async () => {
    const redis = await redisServer();
    const watch = await QueueWatch.open(redis.url);
    const [a, b] = await instances(redis);
    const terminals = [a!, b!];
    try {
      // Three requests of instance b: one asked about at each terminal, one waiting.
      const ofB = [chat(b!.url, "gpt-4.1").catch((e: Error) => e)];
      const first = await nextPrompt(terminals);
      ofB.push(chat(b!.url, "gpt-4.1").catch((e: Error) => e));
      await nextPrompt(terminals.filter((t) => t !== first.at));
      ofB.push(chat(b!.url, "claude-sonnet-4.5").catch((e: Error) => e));
      await watch.until("new", 3);

      await b!.kill();
      for (const r of await Promise.all(ofB)) assert.ok(r instanceof Error, "b's clients lose their connection");
      // Redis has dropped the dead instance's connections (its pub/sub channel with them).
      const admin = watch.redis.duplicate();
      while ((await admin.pubsub("CHANNELS", "copilot-api:approvals:to:*")).length !== 1) await new Promise((r) => setImmediate(r));
      admin.disconnect();

      // a's terminal answers b's request: nobody receives it, and a says so rather than waits.
      const before = a!.output().length;
      a!.type("y");
      await a!.waitFor(/reached no instance: the one holding the request has stopped/, before);
      // b's waiting request is dropped unasked.
      await a!.waitFor(/Not asking about POST \/v1\/chat\/completions \(chat API\): model claude-sonnet-4\.5.*the instance holding it has stopped/, before);
      assert.doesNotMatch(a!.output().slice(before), /model claude-sonnet-4\.5,[^?]*\? \[y\/N\]/);

      const mine = chat(a!.url, "gpt-4.1");
      await nextPrompt([a!], "gpt-4.1");
      a!.type("y");
      assert.equal((await mine).status, 200);
    } finally {
      watch.close();
    }
  });

  test("losing Redis: requests already waiting are asked at their own instance's terminal, with one warning each", { timeout: 90_000 }, async () => {
    const redis = await redisServer();
    const watch = await QueueWatch.open(redis.url);
    const [a, b] = await instances(redis);
    const terminals = [a!, b!];
    // Two of a's requests being asked about (one at b's terminal), one of b's waiting.
    const first = chat(a!.url, "gpt-4.1");
    const p1 = await nextPrompt(terminals);
    const second = chat(a!.url, "gpt-4.1");
    await nextPrompt(terminals.filter((t) => t !== p1.at));
    const third = chat(b!.url, "claude-sonnet-4.5");
    await watch.until("new", 3);
    watch.close();

    const offsets = terminals.map((t) => t.output().length);
    await redis.kill();
    // b's terminal takes down its prompt for a's request; a asks about it at its own terminal.
    await b!.waitFor(/\(cancelled: Redis is unreachable; the instance holding the request asks about it at its own terminal\)/, offsets[1]);
    // a's own prompt stays; answered, the other one follows there.
    a!.type("y");
    await a!.waitFor(/model gpt-4\.1,[^?]*\? \[y\/N\] /, a!.output().length);
    a!.type("y");
    // b's waiting request is asked about at b's own terminal.
    await b!.waitFor(/model claude-sonnet-4\.5,[^?]*\? \[y\/N\] /, offsets[1]);
    b!.type("n");
    assert.deepEqual(
      (await Promise.all([first, second, third])).map((r) => r.status),
      [200, 200, 403],
    );
    for (const [i, t] of terminals.entries()) {
      const warnings = t.output().slice(offsets[i]).match(/Redis unreachable \([^)]*\): rate limits, budgets and --manual approvals now work per instance/g);
      assert.equal(warnings?.length, 1, t.output());
    }
  });
});

/** A terminal made of two pipes, for an instance in this process. */
function pipeTerminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  const waiters = new Set<() => void>();
  output.on("data", (d: Buffer) => {
    shown += d.toString();
    for (const w of waiters) w();
  });
  return {
    approver: new TerminalApprover(input, output, () => {}),
    shown: () => shown,
    type: (text: string) => input.write(`${text}\n`),
    waitFor: (pattern: RegExp, from = 0) =>
      new Promise<void>((resolve) => {
        const check = () => pattern.test(shown.slice(from)) && (waiters.delete(check), resolve());
        waiters.add(check);
        check();
      }),
  };
}

describe("--manual with --redis-url: Redis back after an outage", () => {
  test("once Redis is back, the instances share one queue again", { timeout: 60_000 }, async () => {
    const fake = await startFakeUpstream();
    let redis = await startRedis();
    const config = { manual: true, redisUrl: redis.url };
    const [a, b] = await Promise.all([startHarness({ upstream: fake, config }), startHarness({ upstream: fake, config })]);
    try {
      const ta = pipeTerminal();
      const tb = pipeTerminal();
      configureFlow(a.runtime, { approver: ta.approver });
      configureFlow(b.runtime, { approver: tb.approver });
      const change = (up: boolean) => Promise.all([a, b].map((h) => new Promise<void>((resolve) => h.runtime.redis!.onChange((now) => now === up && resolve()))));
      const down = change(false);
      const back = change(true);
      await redis.kill();
      await down;
      // Meanwhile, each instance asks at its own terminal.
      const alone = chat(a.url, "gpt-4.1");
      await unlessFailed([alone], ta.waitFor(/\[y\/N\] /));
      ta.type("y");
      assert.equal((await alone).status, 200);

      redis = await startRedis(redis.port);
      await back;
      for (const h of [a, b]) assert.equal(h.logs.filter((l) => /Redis is back: .*approvals are shared again/.test(l)).length, 1);
      // Shared again: a's second request is asked about at b's terminal while a's shows the first.
      const fromA = ta.shown().length;
      const fromB = tb.shown().length;
      const first = chat(a.url, "gpt-4.1");
      const second = chat(a.url, "claude-sonnet-4.5");
      await unlessFailed([first, second], Promise.all([ta.waitFor(/\[y\/N\] /, fromA), tb.waitFor(/\[y\/N\] /, fromB)]));
      ta.type("y");
      tb.type("n");
      const statuses = [(await first).status, (await second).status].sort();
      assert.deepEqual(statuses, [200, 403], "one approved at a's terminal, one refused at b's");
    } finally {
      await a.close();
      await b.close();
      await redis.stop();
      await fake.close();
    }
  });
});

describe("--manual with --redis-url: a terminal that stops while asking", () => {
  test("the request it was asked about goes back to the queue and is asked about at the next free terminal", { timeout: 60_000 }, async () => {
    const [fake, redis] = await Promise.all([startFakeUpstream(), startRedis()]);
    const config = { manual: true, redisUrl: redis.url };
    const [a, b] = await Promise.all([startHarness({ upstream: fake, config }), startHarness({ upstream: fake, config })]);
    try {
      const ta = pipeTerminal();
      const tb = pipeTerminal();
      // a renews its waiting requests, and checks the terminals asking about them, every 50 ms.
      configureFlow(a.runtime, { approver: ta.approver, approvalCheckMs: 50 });
      configureFlow(b.runtime, { approver: tb.approver });
      // Two of a's requests: one asked about at each terminal.
      const first = chat(a.url, "gpt-4.1");
      const second = chat(a.url, "gpt-4.1");
      const requests = [first, second];
      await unlessFailed(requests, Promise.all([ta.waitFor(/\[y\/N\] /), tb.waitFor(/\[y\/N\] /)]));

      // b stops without answering: its connections to Redis close (as when its process dies).
      await b.runtime.redis!.close();
      const from = ta.shown().length;
      ta.type("y");
      // The request b was asking about is asked about again at a's terminal.
      await unlessFailed(requests, ta.waitFor(/Approve POST \/v1\/chat\/completions[^?]*\? \[y\/N\] /, from));
      assert.match(a.logs.join("\n"), /The terminal asking about POST \/v1\/chat\/completions .* has stopped: asked again at the next free one/);
      ta.type("y");
      assert.deepEqual(
        (await Promise.all([first, second])).map((r) => r.status),
        [200, 200],
      );
    } finally {
      await a.close();
      await b.close();
      await redis.stop();
      await fake.close();
    }
  });
});
