import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { RequestRecord } from "../../src/observability/recorder.js";
import type { PgLedger } from "../../src/ledger/pg-ledger.js";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.js";
import { runToEnd } from "../helpers/cli.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startPostgres, startRedis, type StoreServer } from "../helpers/stores.js";

const ALICE = "alice-key-0123456789";
const BOB = "bob-key-0123456789";

const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });

/** Resolves with the next request this instance records (its cost is then counted). */
function nextRecord(h: Harness): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const off = h.runtime.recorder.subscribe((r) => {
      off();
      resolve(r);
    });
  });
}

interface Usage {
  history: { rows: { key: string | null; requests: number; errors: number; nanoAiu: number }[]; totals: { requests: number } };
  budgets: { scope: string; state: string }[];
}

describe("a team gateway: two instances, one Redis, one PostgreSQL, a key per person", () => {
  let fake: FakeUpstream;
  let redis: StoreServer;
  let postgres: StoreServer;
  let a: Harness;
  let b: Harness;
  before(async () => {
    [fake, redis, postgres] = await Promise.all([startFakeUpstream(), startRedis(), startPostgres()]);
    const config = {
      redisUrl: redis.url,
      databaseUrl: postgres.url,
      // A budget so small that one request spends it.
      apiKeys: [{ key: ALICE, name: "alice", budget: "0.000001/day" }, { key: BOB, name: "bob" }],
    };
    // Both start at once: the schema is created once (an advisory lock orders the migrations).
    [a, b] = await Promise.all([startHarness({ upstream: fake, config }), startHarness({ upstream: fake, config })]);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    await fake?.close();
  });

  test("a per-key budget spent on one instance refuses that person on the other, in their dialect, while others go on", { timeout: 60_000 }, async () => {
    const recorded = nextRecord(a);
    const first = await chat(a.url, ALICE);
    assert.equal(first.status, 200, await first.text());
    assert.equal((await recorded).keyName, "alice");
    await a.runtime.budgets.idle();

    const refused = await chat(b.url, ALICE);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get("retry-after")) > 0);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "budget_exceeded");
    assert.match(body.error.message, /API key "alice"'s budget/);

    // Claude Code's dialect: the Anthropic SDK gets an Anthropic error naming the budget.
    const anthropic = new Anthropic({ baseURL: b.url, apiKey: ALICE, maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({ model: "claude-sonnet-4.5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
      (e: InstanceType<typeof Anthropic.APIError>) => e.status === 429 && /alice/.test(e.message) && (e.error as { type?: string }).type === "error",
    );

    const bob = await chat(b.url, BOB);
    assert.equal(bob.status, 200, "bob has no budget and goes on");
    await bob.text();
  });

  test("ledger rows of both instances land in PostgreSQL; /usage?by=key on either shows them", { timeout: 60_000 }, async () => {
    const seen = nextRecord(b);
    const res = await chat(b.url, BOB);
    assert.equal(res.status, 200);
    await res.text();
    await seen;
    await Promise.all([(a.runtime.ledger as PgLedger).flush(), (b.runtime.ledger as PgLedger).flush()]);
    for (const h of [a, b]) {
      const usage = await fetch(`${h.url}/usage?by=key`, { headers: { authorization: `Bearer ${BOB}` } });
      assert.equal(usage.status, 200);
      const u = (await usage.json()) as Usage;
      const byKey = Object.fromEntries(u.history.rows.map((r) => [r.key, r]));
      // One answered, two refused by the budget (refusals are rows too, costing nothing).
      assert.equal(byKey.alice?.requests, 3, JSON.stringify(u.history));
      assert.equal(byKey.alice?.errors, 2);
      assert.equal(byKey.bob?.requests, 2);
      assert.ok(byKey.alice!.nanoAiu > 0 && byKey.bob!.nanoAiu > 0);
      assert.deepEqual(
        u.budgets.map((x) => [x.scope, x.state]),
        [["key:alice", "exceeded"]],
      );
    }
    const health = await fetch(`${a.url}/health`, { headers: { authorization: `Bearer ${BOB}` } });
    assert.equal(health.status, 200);
    assert.deepEqual(((await health.json()) as { stores: unknown }).stores, { redis: "ok", postgres: "ok" });
  });

  test("`copilot-api usage --database-url` (or the config file's databaseUrl) reads the team's ledger from PostgreSQL", { timeout: 60_000 }, async () => {
    await Promise.all([(a.runtime.ledger as PgLedger).flush(), (b.runtime.ledger as PgLedger).flush()]);
    const served = (await (await fetch(`${a.url}/usage?by=key`, { headers: { authorization: `Bearer ${BOB}` } })).json()) as Usage;
    const home = await mkdtemp(join(tmpdir(), "copilot-api-pg-usage-"));
    // Its own data directory has no ledger file: what it prints can only come from PostgreSQL.
    const env = { HOME: home, COPILOT_API_HOME: join(home, "data") };
    try {
      const json = await runToEnd(["usage", "--database-url", postgres.url, "--by", "key", "--json"], env);
      assert.equal(json.code, 0, json.stderr);
      const history = JSON.parse(json.stdout) as Usage["history"] & { by: string[] };
      assert.deepEqual(history.by, ["key"]);
      assert.deepEqual(
        history.rows.map((r) => [r.key, r.requests, r.errors, r.nanoAiu]),
        served.history.rows.map((r) => [r.key, r.requests, r.errors, r.nanoAiu]),
        "the same rows as /usage?by=key on the servers",
      );
      assert.ok(history.rows.some((r) => r.key === "alice") && history.rows.some((r) => r.key === "bob"));

      const config = join(home, "team.json");
      await writeFile(config, JSON.stringify({ databaseUrl: postgres.url }));
      const table = await runToEnd(["usage", "--config", config, "--by", "key"], env);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^alice +3 /m);
      assert.match(table.stdout, /^bob +\d+ /m);
      assert.match(table.stdout, /^total +\d+/m);

      // A database the servers never wrote to: said plainly, and nothing is created in it.
      const empty = await runToEnd(["usage", "--database-url", postgres.url.replace(/\/postgres$/, "/template1")], env);
      assert.equal(empty.code, 1);
      assert.match(empty.stderr + empty.stdout, /No usage ledger in postgres:\/\/postgres@127\.0\.0\.1:\d+\/template1 yet/);
      const unreachable = await runToEnd(["usage", "--database-url", "postgres://postgres:hunter2secret@127.0.0.1:1/x"], env);
      assert.equal(unreachable.code, 1);
      assert.doesNotMatch(unreachable.stderr + unreachable.stdout, /hunter2secret/, "the password is never printed");
      // PostgreSQL's client also takes the password as a query parameter.
      const inQuery = await runToEnd(["usage", "--database-url", "postgres://postgres@127.0.0.1:1/x?password=hunter3secret"], env);
      assert.equal(inQuery.code, 1);
      assert.match(inQuery.stderr + inQuery.stdout, /Cannot read the usage ledger in postgres:\/\/postgres@127\.0\.0\.1:1\/x/);
      assert.doesNotMatch(inQuery.stderr + inQuery.stdout, /hunter3secret/, "nor one in the query");
      const bad = await runToEnd(["usage", "--database-url", "mysql://x"], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr + bad.stdout, /--database-url/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test("a third instance started later sees the team's spend (seeded from PostgreSQL and Redis)", { timeout: 60_000 }, async () => {
    const c = await startHarness({
      upstream: fake,
      config: { redisUrl: redis.url, databaseUrl: postgres.url, apiKeys: [{ key: ALICE, name: "alice", budget: "0.000001/day" }, { key: BOB, name: "bob" }] },
    });
    try {
      const res = await chat(c.url, ALICE);
      assert.equal(res.status, 429);
      await res.text();
    } finally {
      await c.close();
    }
  });
});

describe("PostgreSQL going away under a running instance", () => {
  test("/health fails readiness naming PostgreSQL; requests go on being served", { timeout: 60_000 }, async () => {
    const [fake, postgres] = await Promise.all([startFakeUpstream(), startPostgres()]);
    const h = await startHarness({ upstream: fake, config: { databaseUrl: postgres.url, apiKeys: [{ key: BOB, name: "bob" }] } });
    try {
      const healthy = await fetch(`${h.url}/health`, { headers: { authorization: `Bearer ${BOB}` } });
      assert.equal(healthy.status, 200);
      assert.deepEqual(((await healthy.json()) as { stores: unknown }).stores, { postgres: "ok" });

      await postgres.kill();
      const health = await fetch(`${h.url}/health`, { headers: { authorization: `Bearer ${BOB}` } });
      assert.equal(health.status, 503, "readiness fails while the ledger's database is down");
      const body = (await health.json()) as { problem: string; message: string; stores: { postgres: string } };
      assert.equal(body.problem, "store_down");
      assert.match(body.stores.postgres, /^down: /);
      assert.match(body.message, /^postgres: down: /);

      const recorded = nextRecord(h);
      const res = await chat(h.url, BOB);
      assert.equal(res.status, 200, "no request waits on or fails for the ledger");
      await res.text();
      assert.equal((await recorded).keyName, "bob");
    } finally {
      await h.close();
      await postgres.stop();
      await fake.close();
    }
  });
});

describe("PostgreSQL that stops answering", () => {
  test("/health fails readiness within a few seconds rather than hang; requests are served", { timeout: 60_000 }, async () => {
    const [fake, postgres] = await Promise.all([startFakeUpstream(), startPostgres()]);
    const h = await startHarness({ upstream: fake, config: { databaseUrl: postgres.url, apiKeys: [{ key: BOB, name: "bob" }] } });
    let resume = () => {};
    try {
      // A pooled connection is open and idle: the next query would go to it.
      assert.equal((await fetch(`${h.url}/health`, { headers: { authorization: `Bearer ${BOB}` } })).status, 200);
      resume = await postgres.pause();
      // The signal only bounds a failure (a hang), so that the server is resumed and stopped.
      const health = await fetch(`${h.url}/health`, { headers: { authorization: `Bearer ${BOB}` }, signal: AbortSignal.timeout(40_000) });
      assert.equal(health.status, 503);
      const body = (await health.json()) as { stores: { postgres: string } };
      assert.match(body.stores.postgres, /^down: .*timeout/i);
      const res = await chat(h.url, BOB);
      assert.equal(res.status, 200, "no request waits on the ledger");
      await res.text();
    } finally {
      resume();
      await h.close();
      await postgres.stop();
      await fake.close();
    }
  });
});
