import assert from "node:assert/strict";
import { after, afterEach, before, describe, test, type TestContext } from "node:test";
import type { Fault } from "../fake-upstream/server.js";
import { type Cell, CELLS, cellModels } from "../helpers/cells.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { type ClientDialect, type Outcome, postJson, readOutcome, streamRequest, within } from "../helpers/stream-check.js";

/**
 * Every upstream fault × every streaming client path. In every cell the client gets either its
 * dialect's normal ending, a well-formed error event and a close, or an HTTP error in its own
 * dialect: never a garbled frame, never a cut connection, never a hang. Retries happen only before
 * the first byte reached the client (counted on the fake), and no upstream request is left running.
 *
 */

/** What the client must see for one fault. */
interface Expect {
  kind: Outcome["kind"];
  /** HTTP status, for http-error. */
  status?: number;
  /** Upstream calls to the cell's endpoint (retries included). */
  calls: number;
  /** The error type (OpenAI type/code or Anthropic error.type), when it matters. */
  errorType?: Partial<Record<ClientDialect, RegExp>>;
}

interface FaultCase {
  name: string;
  faults: Omit<Fault, "path">[];
  /** Instead of (or besides) queued faults, e.g. revoke the session token. */
  arrange?: (h: Harness) => void;
  expect: Expect;
  check?: (h: Harness, o: Outcome, before: { tokens: number }) => void;
}

const STREAM_END_WITH_ERROR: Expect = { kind: "stream-error", calls: 1 };

const CASES: FaultCase[] = [
  {
    name: "connection reset before the first byte, once: retried, the answer completes",
    faults: [{ kind: "drop-before-headers" }],
    expect: { kind: "complete", calls: 2 },
  },
  {
    name: "connection reset before the first byte, twice: 502 in the client's dialect",
    faults: [{ kind: "drop-before-headers" }, { kind: "drop-before-headers" }],
    expect: { kind: "http-error", status: 502, calls: 2, errorType: { messages: /api_error/, chat: /server_error/, responses: /server_error/ } },
  },
  {
    name: "connection reset after the first byte: an error event and a close, never a retry",
    faults: [{ kind: "drop-after-first-chunk" }],
    expect: STREAM_END_WITH_ERROR,
  },
  { name: "500 once: retried before any byte was sent", faults: [{ status: 500 }], expect: { kind: "complete", calls: 2 } },
  {
    name: "500 twice: 500 in the client's dialect",
    faults: [{ status: 500 }, { status: 500 }],
    expect: { kind: "http-error", status: 500, calls: 2, errorType: { messages: /api_error/, chat: /server_error/, responses: /server_error/ } },
  },
  { name: "502 once: retried", faults: [{ status: 502 }], expect: { kind: "complete", calls: 2 } },
  {
    name: "502 twice: 502 in the client's dialect",
    faults: [{ status: 502 }, { status: 502 }],
    expect: { kind: "http-error", status: 502, calls: 2 },
  },
  {
    name: "503: relayed at once (an overload is not retried into)",
    faults: [{ status: 503, body: "upstream provider rate limit" }],
    expect: { kind: "http-error", status: 503, calls: 1, errorType: { messages: /overloaded_error/ } },
  },
  {
    name: "401 mid-session (the session token expired): renewed and replayed once",
    faults: [],
    arrange: (h) => h.fake.revokeCopilotTokens(),
    expect: { kind: "complete", calls: 2 },
    check: (h, _o, before) => assert.equal(h.fake.issuedCopilotTokens.length, before.tokens + 1),
  },
  {
    name: "401 twice: surfaces as 401 in the client's dialect",
    faults: [
      { status: 401, body: { error: { message: "unauthorized: token expired" } } },
      { status: 401, body: { error: { message: "unauthorized: token expired" } } },
    ],
    expect: { kind: "http-error", status: 401, calls: 2, errorType: { messages: /authentication_error/, chat: /authentication_error/ } },
  },
  {
    name: "429 with retry-after: relayed with its status, header and message, not retried",
    faults: [
      {
        status: 429,
        headers: { "retry-after": "42" },
        body: { error: { message: "Sorry, you've hit a rate limit.", code: "user_global_rate_limited:pro", type: "rate_limit_error" } },
      },
    ],
    expect: { kind: "http-error", status: 429, calls: 1, errorType: { messages: /rate_limit_error/, chat: /rate_limit_error/ } },
    check: (_h, o) => {
      assert.equal(o.headers.get("retry-after"), "42");
      assert.match(o.error!.message, /hit a rate limit/);
    },
  },
  { name: "an event that is not JSON: an error event and a close, no garbled frame", faults: [{ kind: "invalid-json" }], expect: STREAM_END_WITH_ERROR },
  { name: "a stream truncated before its ending: an error event, not a silent stop", faults: [{ kind: "truncate" }], expect: STREAM_END_WITH_ERROR },
  { name: "an error event inside the stream: relayed as an error event and a close", faults: [{ kind: "error-in-stream" }], expect: STREAM_END_WITH_ERROR },
];

/** Bound for one request: a hang fails the test instead of stalling the run. */
const BOUND_MS = 10_000;

describe("upstream faults × client stream paths", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ fake: { models: cellModels() } });
  });
  afterEach(async () => {
    // No upstream request may outlive the client's answer.
    await within(BOUND_MS, "upstream idle", h.fake.whenIdle());
    assert.equal(h.fake.activeRequests, 0);
    assert.equal(h.fake.pendingFaults, 0, "every queued fault was used");
    h.fake.reset();
  });
  after(async () => {
    await h.close();
  });


  for (const cell of CELLS) {
    describe(cell.name, () => {
      const send = (text: string, signal?: AbortSignal) => {
        const { path, body } = streamRequest(cell.dialect, cell.model, text);
        return postJson(`${h.url}${path}`, body, signal ? { signal } : {});
      };

      test("baseline: no fault, a complete stream from the expected endpoint", async (t) => {
        const o = await within(BOUND_MS, "baseline", send("x [[chunks:20]]").then((r) => readOutcome(r, cell.dialect)));
        assert.equal(o.kind, "complete");
        assert.equal(o.text.trim().split(/\s+/).length, 20);
        assert.equal(h.fake.callsTo(cell.upstream).length, 1);
      });

      for (const fc of CASES) {
        test(fc.name, async (t) => {
          for (const f of fc.faults) h.fake.fault({ ...f, path: cell.upstream } as Fault);
          fc.arrange?.(h);
          const before = { tokens: h.fake.issuedCopilotTokens.length };
          const o = await within(BOUND_MS, fc.name, send("x [[chunks:20]]").then((r) => readOutcome(r, cell.dialect)));
          assert.equal(o.kind, fc.expect.kind, `outcome ${o.kind} (HTTP ${o.status}): ${o.error?.message ?? o.text.slice(0, 200)}`);
          if (fc.expect.status !== undefined) assert.equal(o.status, fc.expect.status);
          const pattern = fc.expect.errorType?.[cell.dialect];
          if (pattern) assert.match(o.error!.type, pattern);
          if (o.kind === "complete") assert.equal(o.text.trim().split(/\s+/).length, 20, "the retried answer is whole and not duplicated");
          if (o.kind === "stream-error") {
            // What reached the client before the break is a prefix of the answer, never a repeat.
            const words = o.text.trim() ? o.text.trim().split(/\s+/) : [];
            assert.deepEqual(words, words.map((_, i) => `w${i + 1}`));
          }
          assert.equal(h.fake.callsTo(cell.upstream).length, fc.expect.calls, "upstream calls (retries only before the first byte)");
          fc.check?.(h, o, before);
        });
      }

      test("a stall mid-stream: the first bytes arrive, and when the client gives up the upstream request is aborted", async (t) => {
        h.fake.fault({ path: cell.upstream, kind: "stall-after-first-chunk" });
        const controller = new AbortController();
        const res = await within(BOUND_MS, "stall headers", send("x [[chunks:20]]", controller.signal));
        assert.equal(res.status, 200);
        const reader = res.body!.getReader();
        const first = await within(BOUND_MS, "first bytes before the stall", reader.read());
        assert.equal(first.done, false);
        const aborted = h.fake.nextAbort();
        controller.abort();
        const call = await within(BOUND_MS, "upstream abort", aborted);
        assert.equal(call.route, cell.upstream);
        assert.equal(h.fake.callsTo(cell.upstream).length, 1, "no retry after the client left");
      });
    });
  }
});

describe("an upstream that goes silent mid-stream past the idle limit (upstreamIdleTimeoutMs)", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { upstreamIdleTimeoutMs: 300 }, fake: { models: cellModels() } });
  });
  after(async () => {
    await h.close();
  });

  for (const cell of CELLS) {
    test(`${cell.name}: an error event and a close, the upstream request given up`, async (t) => {
      h.fake.fault({ path: cell.upstream, kind: "stall-after-first-chunk" });
      const { path, body } = streamRequest(cell.dialect, cell.model, "x [[chunks:20]]");
      const aborted = h.fake.nextAbort();
      const o = await within(BOUND_MS, "stalled stream", postJson(`${h.url}${path}`, body).then((r) => readOutcome(r, cell.dialect)));
      assert.equal(o.kind, "stream-error", `outcome ${o.kind}: ${o.text.slice(0, 200)}`);
      assert.equal((await within(BOUND_MS, "upstream abort", aborted)).route, cell.upstream);
      await within(BOUND_MS, "upstream idle", h.fake.whenIdle());
      assert.equal(h.fake.callsTo(cell.upstream).length, 1, "not retried after the first byte");
      h.fake.reset();
    });
  }
});
