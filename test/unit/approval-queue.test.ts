import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { type ApprovalInfo, ApprovalQueue, type Approver } from "../../src/flow/approval-queue.js";
import { describeRequest, TerminalApprover } from "../../src/flow/terminal-approver.js";

interface Ask {
  info: ApprovalInfo;
  signal: AbortSignal;
  answer(approved: boolean): void;
}

/** An approver driven by the test: each prompt waits until the test answers it. */
class ScriptedApprover implements Approver {
  readonly asks: Ask[] = [];
  /** Prompts showing right now: never more than one. */
  showing = 0;
  maxShowing = 0;
  private waiters: ((ask: Ask) => void)[] = [];

  ask(info: ApprovalInfo, signal: AbortSignal): Promise<boolean> {
    this.showing++;
    this.maxShowing = Math.max(this.maxShowing, this.showing);
    return new Promise<boolean>((resolve, reject) => {
      const done = () => this.showing--;
      const ask: Ask = {
        info,
        signal,
        answer: (approved) => {
          done();
          resolve(approved);
        },
      };
      signal.addEventListener("abort", () => {
        done();
        reject(signal.reason);
      });
      this.asks.push(ask);
      this.waiters.shift()?.(ask);
    });
  }

  /** The next prompt, whether already shown or still to come. */
  nextAsk(index: number): Promise<Ask> {
    const existing = this.asks[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const info = (model: string): ApprovalInfo => ({ method: "POST", path: "/v1/messages", api: "messages", model, bytes: 10, initiator: "user" });

describe("ApprovalQueue", () => {
  test("asks one prompt at a time, in arrival order", async () => {
    const approver = new ScriptedApprover();
    const queue = new ApprovalQueue(approver);
    const a = queue.request(info("a"));
    const b = queue.request(info("b"));
    const c = queue.request(info("c"));

    const first = await approver.nextAsk(0);
    assert.equal(first.info.model, "a");
    assert.equal(approver.asks.length, 1, "b and c wait while a is being asked about");
    assert.equal(queue.waiting, 2);

    first.answer(true);
    assert.equal(await a, true);
    const second = await approver.nextAsk(1);
    assert.equal(second.info.model, "b");
    second.answer(false);
    assert.equal(await b, false);
    const third = await approver.nextAsk(2);
    assert.equal(third.info.model, "c");
    third.answer(true);
    assert.equal(await c, true);

    assert.equal(approver.maxShowing, 1, "prompts never overlap");
    assert.equal(queue.asking, false);
  });

  test("a refusal resolves false and the queue moves on", async () => {
    const approver = new ScriptedApprover();
    const queue = new ApprovalQueue(approver);
    const a = queue.request(info("a"));
    (await approver.nextAsk(0)).answer(false);
    assert.equal(await a, false);
    const b = queue.request(info("b"));
    (await approver.nextAsk(1)).answer(true);
    assert.equal(await b, true);
  });

  test("a waiting request whose client leaves is dropped without being asked about", async () => {
    const approver = new ScriptedApprover();
    const queue = new ApprovalQueue(approver);
    const a = queue.request(info("a"));
    const gone = new AbortController();
    const b = queue.request(info("b"), gone.signal);
    const c = queue.request(info("c"));
    await approver.nextAsk(0);

    gone.abort(new Error("client went away"));
    await assert.rejects(b, /client went away/);
    assert.equal(queue.waiting, 1);

    approver.asks[0]!.answer(true);
    await a;
    const next = await approver.nextAsk(1);
    assert.equal(next.info.model, "c", "b was never prompted");
    next.answer(true);
    assert.equal(await c, true);
    assert.deepEqual(approver.asks.map((x) => x.info.model), ["a", "c"]);
  });

  test("the prompt being shown is cancelled when its client leaves, and the next one follows", async () => {
    const approver = new ScriptedApprover();
    const queue = new ApprovalQueue(approver);
    const gone = new AbortController();
    const a = queue.request(info("a"), gone.signal);
    const b = queue.request(info("b"));
    const first = await approver.nextAsk(0);

    gone.abort(new Error("client went away"));
    await assert.rejects(a, /client went away/);
    assert.equal(first.signal.aborted, true, "the approver was told to take its prompt down");

    const second = await approver.nextAsk(1);
    assert.equal(second.info.model, "b");
    second.answer(true);
    assert.equal(await b, true);
    assert.equal(approver.maxShowing, 1);
  });

  test("an approver that fails counts as a refusal (fail closed)", async () => {
    const queue = new ApprovalQueue({ ask: async () => Promise.reject(new Error("terminal gone")) });
    assert.equal(await queue.request(info("a")), false);
    const throwing = new ApprovalQueue({
      ask: () => {
        throw new Error("sync failure");
      },
    });
    assert.equal(await throwing.request(info("b")), false);
  });

  test("an already aborted request is refused without a prompt", async () => {
    const approver = new ScriptedApprover();
    const queue = new ApprovalQueue(approver);
    const gone = new AbortController();
    gone.abort(new Error("gone"));
    await assert.rejects(queue.request(info("a"), gone.signal), /gone/);
    assert.equal(approver.asks.length, 0);
  });
});

describe("TerminalApprover", () => {
  function terminal() {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (d: Buffer) => (printed += d.toString()));
    let interrupted = 0;
    const approver = new TerminalApprover(input, output, () => interrupted++);
    return { input, approver, printed: () => printed, interrupted: () => interrupted };
  }

  test("shows model, API, size and initiator, and y approves", async () => {
    const t = terminal();
    const answer = t.approver.ask({ ...info("claude-sonnet-4.6"), bytes: 2048 }, new AbortController().signal);
    t.input.write("y\n");
    assert.equal(await answer, true);
    assert.match(t.printed(), /POST \/v1\/messages \(messages API\): model claude-sonnet-4\.6, 2\.0 KB \(2048 bytes\), initiator user\? \[y\/N\]/);
  });

  test("anything but y/yes refuses, including an empty answer", async () => {
    for (const typed of ["n\n", "\n", "maybe\n", "YES\n"]) {
      const t = terminal();
      const answer = t.approver.ask(info("m"), new AbortController().signal);
      t.input.write(typed);
      assert.equal(await answer, typed === "YES\n", `answer ${JSON.stringify(typed)}`);
    }
  });

  test("end of input refuses", async () => {
    const t = terminal();
    const answer = t.approver.ask(info("m"), new AbortController().signal);
    t.input.end();
    assert.equal(await answer, false);
  });

  test("a cancelled prompt says so and rejects", async () => {
    const t = terminal();
    const controller = new AbortController();
    const answer = t.approver.ask(info("m"), controller.signal);
    controller.abort(new Error("client went away"));
    await assert.rejects(answer, /client went away/);
    assert.match(t.printed(), /cancelled: the client disconnected/);
    // The next prompt reads the next line, not a leftover one.
    const next = t.approver.ask(info("m"), new AbortController().signal);
    t.input.write("y\n");
    assert.equal(await next, true);
  });

  test("describeRequest leaves out an unknown initiator and names a missing model", () => {
    assert.equal(
      describeRequest({ method: "POST", path: "/v1/embeddings", api: "embeddings", bytes: 12 }),
      "POST /v1/embeddings (embeddings API): model (none), 12 bytes",
    );
  });
});

describe("what a client sent is printed without control characters", () => {
  test("the --manual prompt shows an escape sequence or newline in the model or path escaped, on one line", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (d: Buffer) => (printed += d.toString()));
    const approver = new TerminalApprover(input, output, () => {});
    const evil = "gpt\u001b]0;pwned\u0007\u001b[2J\nApprove POST /v1/x? [y/N] y\u009b31m\u202e";
    const answer = approver.ask({ method: "POST", path: "/v1/chat/completions\u001b[1A", api: "chat", model: evil, bytes: 10 }, new AbortController().signal);
    input.write("n\n");
    assert.equal(await answer, false);
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/.test(printed), JSON.stringify(printed));
    assert.equal(printed.split("\n").filter(Boolean).length, 1, "one line: no forged prompt");
    assert.match(describeRequest({ method: "POST", path: "/x", api: "chat", model: evil, bytes: 1 }), /model gpt\\u001b\]0;pwned\\u0007\\u001b\[2J\\u000aApprove/);
    assert.ok(!describeRequest({ method: "POST", path: "/x", api: "chat", model: evil, bytes: 1 }).includes("\n"));
  });

  test("every field is escaped: with --redis-url the prompt is read back from Redis, which any instance may have written", () => {
    const line = describeRequest({ method: "PO\u001b[2JST", path: "/x", api: "ch\u0007at", bytes: 1, initiator: "us\u009ber" as "user" });
    assert.equal(line, "PO\\u001b[2JST /x (ch\\u0007at API): model (none), 1 bytes, initiator us\\u009ber");
  });
});
