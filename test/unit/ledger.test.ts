import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createConsola } from "consola";
import { Ledger } from "../../src/ledger/ledger.js";
import { SCHEMA_VERSION } from "../../src/ledger/migrations.js";
import { openSqlite } from "../../src/ledger/sqlite-driver.js";
import { createLogger } from "../../src/log.js";
import type { RequestRecord } from "../../src/observability/recorder.js";

const DAY = 86_400_000;

function capture(lines: string[]) {
  return createLogger(createConsola({ level: 5, reporters: [{ log: (o) => lines.push(o.args.map(String).join(" ")) }] }));
}

const record = (over: Partial<RequestRecord>): RequestRecord => ({
  id: 1,
  time: Date.now(),
  method: "POST",
  path: "/v1/messages",
  api: "messages",
  model: "claude-sonnet-4.6",
  endpoint: "/v1/messages",
  initiator: "user",
  status: 200,
  durationMs: 10,
  ttfbMs: 5,
  inputTokens: 100,
  cacheReadTokens: 60,
  outputTokens: 7,
  nanoAiu: 1000,
  costEstimated: false,
  ...over,
});

describe("the ledger file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "copilot-api-ledger-unit-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("rows are grouped by up to two dimensions; errors, estimates and uncached input are counted as such", async () => {
    const sub = join(dir, "group");
    const ledger = await Ledger.open({ dir: sub, retentionDays: 90, log: capture([]) });
    try {
      ledger.add(record({ kind: "user", client: "claude-code" }));
      ledger.add(record({ kind: "tool-follow-up", client: "claude-code", costEstimated: true, nanoAiu: 500 }));
      ledger.add(record({ kind: "user", client: "codex", status: 429, errorKind: "rate_limit", nanoAiu: undefined, inputTokens: undefined, cacheReadTokens: undefined, outputTokens: undefined }));
      ledger.add(record({ api: "models", path: "/v1/models" }));
      const h = ledger.history(Date.now() - DAY, Date.now() + DAY, ["client", "kind"]);
      assert.equal(h.totals.requests, 3, "model lists are not billed and not kept");
      assert.equal(h.totals.errors, 1);
      assert.equal(h.totals.estimatedRequests, 1);
      assert.equal(h.totals.nanoAiu, 1500);
      assert.equal(h.totals.inputTokens, 80, "input excludes cache reads");
      assert.equal(h.totals.cacheReadTokens, 120);
      assert.deepEqual(
        h.rows.map((r) => [r.client, r.kind, r.requests, r.nanoAiu]),
        [
          ["claude-code", "user", 1, 1000],
          ["claude-code", "tool-follow-up", 1, 500],
          ["codex", "user", 1, 0],
        ],
      );
    } finally {
      ledger.close();
    }
  });

  test("rows older than the retention are deleted", async () => {
    const sub = join(dir, "retention");
    let now = Date.now();
    const ledger = await Ledger.open({ dir: sub, retentionDays: 30, log: capture([]), now: () => now });
    try {
      ledger.add(record({ time: now - 40 * DAY }));
      ledger.add(record({ time: now - 20 * DAY }));
      ledger.flush();
      ledger.prune();
      assert.equal(ledger.history(0, now + DAY, ["day"]).totals.requests, 1);
      now += 15 * DAY;
      ledger.prune();
      assert.equal(ledger.history(0, now + DAY, ["day"]).totals.requests, 0);
    } finally {
      ledger.close();
    }
  });

  test("a file from a newer copilot-api is refused, not guessed at", async () => {
    const sub = join(dir, "newer");
    const first = await Ledger.open({ dir: sub, retentionDays: 90, log: capture([]) });
    first.close();
    const db = await openSqlite(join(sub, "usage.sqlite"));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await assert.rejects(Ledger.open({ dir: sub, retentionDays: 90, log: capture([]) }), /written by a newer copilot-api/);
  });

  test("writes that start failing give one warning, not one per batch; recovery is said too", async () => {
    const sub = join(dir, "failing");
    const lines: string[] = [];
    const ledger = await Ledger.open({ dir: sub, retentionDays: 90, log: capture(lines) });
    // The file's table disappears under the server (as if the disk went away): every insert fails.
    const db = await openSqlite(join(sub, "usage.sqlite"));
    db.exec("ALTER TABLE requests RENAME TO gone");
    try {
      for (let i = 0; i < 3; i++) {
        ledger.add(record({}));
        ledger.flush();
      }
      assert.equal(lines.filter((l) => /Cannot write the usage ledger/.test(l)).length, 1, lines.join("\n"));
      db.exec("ALTER TABLE gone RENAME TO requests");
      ledger.add(record({}));
      ledger.flush();
      assert.equal(lines.filter((l) => /writable again/.test(l)).length, 1);
    } finally {
      db.close();
      ledger.close();
    }
  });
});
