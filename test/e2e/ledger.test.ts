import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { runCli, runToEnd, type CliRun } from "../helpers/cli.js";

const GITHUB_TOKEN = "ghu_ledgerTestToken0123456789abcdefABCD";

interface Db {
  prepare(sql: string): { get(...p: unknown[]): Record<string, unknown>; all(...p: unknown[]): Record<string, unknown>[] };
  close(): void;
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string, opts?: object) => Db;

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

const chat = (url: string, n: number) => post(url, "/v1/chat/completions", { model: "gpt-4.1", messages: [{ role: "user", content: `request ${n}` }] });
const claudeStream = (url: string, n: number) =>
  post(url, "/v1/messages", { model: "claude-sonnet-4.6", stream: true, max_tokens: 50, messages: [{ role: "user", content: `stream ${n}` }] }, { "anthropic-version": "2023-06-01" });

describe("the ledger on disk: kill -9 mid-traffic, restart, the usage command, an unwritable data directory", () => {
  let fake: FakeUpstream;
  let home: string;
  const env = () => ({
    HOME: home,
    COPILOT_API_HOME: join(home, "data"),
    COPILOT_API_GITHUB_URL: fake.githubUrl,
    COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
    GH_TOKEN: GITHUB_TOKEN,
  });
  const start = async (extraEnv: Record<string, string> = {}): Promise<{ run: CliRun; url: string }> => {
    const run = runCli(["start", "--port", "0"], { ...env(), ...extraEnv });
    const [, url] = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    return { run, url: url! };
  };
  let committed = 0;

  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN });
    home = await mkdtemp(join(tmpdir(), "copilot-api-ledger-"));
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test("kill -9 during heavy traffic: the file opens, passes integrity_check, and keeps every committed row", { timeout: 120_000 }, async () => {
    const { run, url } = await start();
    try {
      let sent = 0;
      let done = 0;
      let stop = false;
      // Four clients in a loop, half of them streaming; bounded by count, whatever the machine's speed.
      const worker = async (w: number) => {
        while (!stop && sent < 2000) {
          const n = sent++;
          const res = await (w % 2 ? claudeStream(url, n) : chat(url, n)).catch(() => undefined);
          await res?.text().catch(() => undefined);
          if (res?.status === 200) done++;
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      // /usage writes what is queued before it reads: what it counts is committed.
      const waitFor = async (n: number) => {
        while (done < n) await new Promise((r) => setImmediate(r));
      };
      await waitFor(150);
      const usage = (await (await fetch(`${url}/usage?by=day`)).json()) as { history: { totals: { requests: number; nanoAiu: number } } };
      committed = usage.history.totals.requests;
      assert.ok(committed >= 150, `committed ${committed}`);
      assert.ok(usage.history.totals.nanoAiu > 0);
      // More traffic, then the kill while requests are in flight and rows are queued.
      await waitFor(committed + 100);
      run.child.kill("SIGKILL");
      await run.exited;
      stop = true;
      await Promise.all(workers);
    } finally {
      await run.stop();
    }
    const db = new Database(join(home, "data", "usage.sqlite"), { readonly: true });
    try {
      assert.deepEqual(db.prepare("PRAGMA integrity_check").all(), [{ integrity_check: "ok" }]);
      const count = Number(db.prepare("SELECT COUNT(*) AS n FROM requests").get().n);
      assert.ok(count >= committed, `${count} rows on disk, ${committed} committed before the kill`);
      const row = db.prepare("SELECT * FROM requests WHERE api = 'messages' LIMIT 1").get();
      assert.equal(row.model, "claude-sonnet-4.6");
      assert.equal(row.endpoint, "/v1/messages");
      assert.equal(row.cost_estimated, 0);
      assert.ok(Number(row.nano_aiu) > 0);
      // Never a prompt or an answer: no column holds text from the conversation.
      assert.equal(db.prepare("SELECT COUNT(*) AS n FROM requests WHERE model LIKE '%request%' OR client LIKE '%stream%'").get().n, 0);
    } finally {
      db.close();
    }
  });

  test("`copilot-api usage` reads the file with the server stopped: a table, JSON and CSV", { timeout: 60_000 }, async () => {
    const table = await runToEnd(["usage", "--by", "model"], env());
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /claude-sonnet-4\.6 +\d+/);
    assert.match(table.stdout, /gpt-4\.1 +\d+ .*█/);
    assert.match(table.stdout, /^total +\d+/m);
    const json = await runToEnd(["usage", "--since", "1d", "--by", "client,kind", "--json"], env());
    assert.equal(json.code, 0, json.stderr);
    const history = JSON.parse(json.stdout) as { by: string[]; totals: { requests: number }; rows: { client: string; kind: string }[] };
    assert.deepEqual(history.by, ["client", "kind"]);
    assert.ok(history.totals.requests >= committed);
    assert.ok(history.rows.every((r) => r.client === "other" && r.kind === "user"));
    const csv = await runToEnd(["usage", "--csv"], env());
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout.split("\n")[0]!, /^day,requests,errors,nanoAiu,credits,usd,/);
    const bad = await runToEnd(["usage", "--by", "colour"], env());
    assert.equal(bad.code, 1);
    assert.match(bad.stderr + bad.stdout, /by must be one or two of day, model/);
  });

  test("`copilot-api check-usage` shows the plan's allowance next to what the ledger counted this billing period", { timeout: 60_000 }, async () => {
    const out = await runToEnd(["check-usage"], env());
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /This server: +\d+\.\d{2} AI credits of the plan's 300 included \(\$\d+\.\d{2}\) in (\d+) requests since \d{4}-\d{2}-\d{2}/);
    const n = Number(/in (\d+) requests/.exec(out.stdout)?.[1]);
    assert.ok(n >= committed, `${n} >= ${committed}`);
  });

  test("a restart finds everything the killed server committed", { timeout: 60_000 }, async () => {
    const { run, url } = await start();
    try {
      const usage = (await (await fetch(`${url}/usage?by=day`)).json()) as { history: { totals: { requests: number } } };
      assert.ok(usage.history.totals.requests >= committed);
    } finally {
      assert.equal(await run.stop(), 0);
    }
  });

  test("a data directory that cannot be written: one clear warning, and the server keeps serving", { timeout: 60_000 }, async () => {
    // A regular file where the data directory must be: nothing can be created inside it, root included.
    const blocked = join(home, "not-a-directory");
    await writeFile(blocked, "");
    const { run, url } = await start({ COPILOT_API_HOME: blocked });
    try {
      const res = await chat(url, 1);
      assert.equal(res.status, 200);
      await res.text();
      const usage = (await (await fetch(`${url}/usage?by=day`)).json()) as { history: unknown; historyDisabled: string };
      assert.equal(usage.history, null);
      assert.match(usage.historyDisabled, /ledger could not be opened/);
      const warnings = run.output().match(/Cannot open the usage ledger/g) ?? [];
      assert.equal(warnings.length, 1, run.output());
    } finally {
      assert.equal(await run.stop(), 0);
    }
  });
});
