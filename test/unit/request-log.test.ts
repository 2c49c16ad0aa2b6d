import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createLogger, registerSecret } from "../../src/log.js";
import { Recorder, type RequestRecord } from "../../src/observability/recorder.js";
import { logLine, openRequestLog } from "../../src/observability/request-log.js";

const SECRET = "sk-unit-request-log-registered-secret-42";
const record = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  id: 7,
  time: Date.UTC(2026, 0, 2, 3, 4, 5),
  method: "POST",
  path: "/v1/messages",
  api: "messages",
  model: "claude-sonnet-4.5",
  status: 200,
  durationMs: 12,
  ttfbMs: 3,
  ...over,
});

describe("request log", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "copilot-api-log-"));
    registerSecret(SECRET);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a line is the record's fields plus an ISO time; bodies only when asked for; secrets redacted", () => {
    const r = record({
      error: `upstream said Bearer abcdefgh12345678 and ghu_abcdefghijklmnop0123 and ${SECRET}`,
      bodies: { request: { messages: [{ role: "user", content: `my token is ghp_zyxwvutsrq9876543210` }] }, response: "ok" },
    });
    const plain = JSON.parse(logLine(r, false));
    assert.equal(plain.at, "2026-01-02T03:04:05.000Z");
    assert.equal(plain.id, 7);
    assert.equal(plain.model, "claude-sonnet-4.5");
    assert.equal(plain.bodies, undefined);
    const withBodies = logLine(r, true);
    assert.ok(withBodies.endsWith("\n") && withBodies.indexOf("\n") === withBodies.length - 1, "one line");
    const parsed = JSON.parse(withBodies);
    assert.equal(parsed.bodies.response, "ok");
    assert.match(parsed.bodies.request.messages[0].content, /\[redacted\]/);
    for (const leaked of ["abcdefgh12345678", "ghu_abcdefghijklmnop0123", "ghp_zyxwvutsrq9876543210", SECRET]) {
      assert.ok(!withBodies.includes(leaked), `${leaked} must not be written`);
    }
  });

  test("appends one line per record to an owner-only file and stops listening on close", async () => {
    const file = join(dir, "requests.jsonl");
    await writeFile(file, '{"earlier":true}\n', { mode: 0o600 });
    const recorder = new Recorder();
    const log = await openRequestLog({ file, bodies: false, recorder, log: createLogger() });
    assert.equal(recorder.listenerCount, 1);
    recorder.record(record({ id: 1 }));
    recorder.record(record({ id: 2, bodies: { request: "secret prompt" } }));
    await log.idle();
    await log.close();
    assert.equal(recorder.listenerCount, 0);
    recorder.record(record({ id: 3 }));
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id ?? "earlier"), ["earlier", 1, 2]);
    assert.ok(!JSON.stringify(lines).includes("secret prompt"));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test("a path that can't be opened fails at start, naming the file", async () => {
    const file = join(dir, "missing-dir", "x.jsonl");
    await assert.rejects(openRequestLog({ file, bodies: false, recorder: new Recorder(), log: createLogger() }), (e: Error) =>
      e.message.includes(file),
    );
  });
});
