import assert from "node:assert/strict";
import { test } from "node:test";
import { colorFor, formatRequestLine, printRequestLines } from "../../src/observability/request-line.js";
import { Recorder, type RequestRecord } from "../../src/observability/recorder.js";

const base: RequestRecord = {
  id: 1,
  time: new Date(2026, 11, 1, 14, 2, 7).getTime(),
  method: "POST",
  path: "/v1/messages",
  api: "messages",
  model: "claude-sonnet-4.6",
  endpoint: "/v1/messages",
  initiator: "agent",
  status: 200,
  durationMs: 1843,
  ttfbMs: 120,
  inputTokens: 1520,
  outputTokens: 48,
  cacheReadTokens: 1024,
};

test("a line carries time (24-hour), client API, model → endpoint, initiator, status, duration and tokens", () => {
  assert.equal(
    formatRequestLine(base, { color: false }),
    "14:02:07  messages  claude-sonnet-4.6 → /v1/messages  agent  200  1.84 s  in 1520 (1024 cached) out 48",
  );
  assert.match(formatRequestLine({ ...base, durationMs: 12.4 }, { color: false }), /  200  12 ms  /);
});

test("cost, client and call kind appear only when the record has them; an estimate is marked", () => {
  const ledger = { ...base, client: "claude-code", kind: "subagent", nanoAiu: 330_000_000, costEstimated: false } as RequestRecord;
  assert.equal(
    formatRequestLine(ledger, { color: false }),
    "14:02:07  messages  claude-code  claude-sonnet-4.6 → /v1/messages  agent (subagent)  200  1.84 s  in 1520 (1024 cached) out 48  0.33 credits",
  );
  assert.match(formatRequestLine({ ...ledger, costEstimated: true } as RequestRecord, { color: false }), /  ~0\.33 credits$/);
  assert.doesNotMatch(formatRequestLine(base, { color: false }), /credits/);
});

test("errors are red and a client that left is yellow on a terminal; never a colour code without one", () => {
  const failed = { ...base, status: 429, error: "rate limited", inputTokens: undefined, outputTokens: undefined };
  const coloured = formatRequestLine(failed, { color: true });
  assert.match(coloured, /\u001b\[31m429\u001b\[0m/);
  assert.match(coloured, /\u001b\[31m- rate limited\u001b\[0m$/);
  assert.match(formatRequestLine({ ...base, status: 499, aborted: true }, { color: true }), /\u001b\[33m499\u001b\[0m.*\(client left\)/);
  assert.doesNotMatch(formatRequestLine(base, { color: true }), /\u001b\[3[13]m/, "a success is not coloured as an error");
  assert.doesNotMatch(formatRequestLine(failed, { color: false }), /\u001b/);
});

test("colour only on a terminal, and never with NO_COLOR or TERM=dumb", () => {
  assert.equal(colorFor({ isTTY: true }, {}), true);
  assert.equal(colorFor({ isTTY: false }, {}), false);
  assert.equal(colorFor({}, {}), false);
  assert.equal(colorFor({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(colorFor({ isTTY: true }, { NO_COLOR: "" }), true);
  assert.equal(colorFor({ isTTY: true }, { TERM: "dumb" }), false);
});

test("client-sent text is stripped of control characters and token-shaped strings", () => {
  const line = formatRequestLine(
    { ...base, model: undefined, status: 400, path: "/v1/messages\u001b[2J", error: 'bad "x\u0007\u009b\u2028y" with ghu_abcdefghijklmnop1234' },
    { color: false },
  );
  assert.equal(line.includes("\u001b"), false);
  assert.ok(line.includes("POST /v1/messages\\u001b[2J  agent  400 "), line);
  assert.ok(line.endsWith('- bad "x\\u0007\\u009b\u2028y" with [redacted]'), line);
});

test("the printer writes one line per API request, and failures only for other paths", () => {
  const recorder = new Recorder();
  const lines: string[] = [];
  const out = { write: (s: string) => lines.push(s), isTTY: false } as unknown as NodeJS.WritableStream;
  const stop = printRequestLines(recorder, out);
  recorder.record(base);
  recorder.record({ ...base, api: "other", path: "/v1/whatever", status: 200, model: undefined });
  recorder.record({ ...base, api: "other", path: "/v1/nowhere", status: 404, model: undefined });
  stop();
  recorder.record(base);
  // The lines of one event-loop turn go out in one write (flushed by stop() here).
  assert.equal(lines.length, 1);
  const printed = lines.join("").split(/(?<=\n)/);
  assert.equal(printed.length, 2);
  assert.ok(printed.every((l) => l.endsWith("\n")));
  assert.match(printed[1]!, /POST \/v1\/nowhere  404/);
});

test('"quiet" in the config file turns the lines off like --quiet; the flag wins over the file', async () => {
  const { parseConfigFile, resolveConfig } = await import("../../src/config.js");
  const file = parseConfigFile('{"quiet": true}', "f.json");
  assert.equal(resolveConfig({}, {}, file).quiet, true);
  assert.equal(resolveConfig({ quiet: false }, {}, file).quiet, false);
  assert.equal(resolveConfig({}, {}, {}).quiet, false);
  assert.throws(() => parseConfigFile('{"quiet": "yes"}', "f.json"), /"quiet" must be a boolean/);
});
