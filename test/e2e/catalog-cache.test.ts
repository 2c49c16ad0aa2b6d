import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { runCli } from "../helpers/cli.js";
import { CATALOG_CACHE_FILE, readCatalogCache, writeCatalogCache } from "../../src/upstream/catalog-cache.js";

const GITHUB_TOKEN = "ghu_catalogCacheToken0123456789abcdefAB";

describe("the model list saved for the next start", () => {
  let fake: FakeUpstream;
  let home: string;
  let env: Record<string, string>;
  let file: string;

  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN });
    home = await mkdtemp(join(tmpdir(), "copilot-api-catalog-"));
    env = {
      HOME: home,
      COPILOT_API_HOME: join(home, "data"),
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
      GH_TOKEN: GITHUB_TOKEN,
    };
    file = join(home, "data", "cache", CATALOG_CACHE_FILE);
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  async function modelIds(url: string): Promise<string[]> {
    const r = await fetch(`${url}/v1/models`);
    assert.equal(r.status, 200);
    return ((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  }

  test("a start saves Copilot's list (0600, no token in it); the next serves it while Copilot's /models fails", async () => {
    const first = runCli(["start", "--port", "0", "--verbose"], env);
    try {
      const [, url] = await first.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      assert.ok((await modelIds(url!)).includes("gpt-4.1"));
      // Written in the background once the list came in.
      await first.waitFor(/Model list from Copilot \(\d+ models\) saved to /);
    } finally {
      await first.stop();
    }
    assert.equal(((await stat(file)).mode & 0o777).toString(8), "600");
    const saved = await readFile(file, "utf8");
    assert.ok(!saved.includes(GITHUB_TOKEN), "the GitHub token is not in the saved list");
    for (const t of fake.issuedCopilotTokens) assert.ok(!saved.includes(t), "no Copilot token is in the saved list");
    assert.equal((JSON.parse(saved) as { apiBase: string }).apiBase, fake.capiUrl);

    // Copilot's /models now fails: without the saved list, start would fail; with it, the server
    // listens, serves the saved list and says the fresh one could not be had.
    for (let i = 0; i < 8; i++) fake.fault({ path: "/models", status: 500 });
    const second = runCli(["start", "--port", "0"], env);
    try {
      const [, url] = await second.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      assert.ok((await modelIds(url!)).includes("gpt-4.1"), "the saved list is served");
      await second.waitFor(/Could not load the model list from Copilot, serving the one saved by the last run/);
    } finally {
      await second.stop();
      fake.reset();
    }

    // Copilot's list, the same as the saved one, is not written again.
    const before = (await stat(file)).mtimeMs;
    const third = runCli(["start", "--port", "0", "--verbose"], env);
    try {
      const [, url] = await third.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      assert.ok((await modelIds(url!)).includes("gpt-4.1"));
      await third.waitFor(/Model list from Copilot \(\d+ models\): the same as the saved one/);
    } finally {
      await third.stop();
    }
    assert.equal((await stat(file)).mtimeMs, before, "the unchanged list was not rewritten");
  });

  test("a saved list is used only for the Copilot host it came from, when young, and whole", async () => {
    const dir = await mkdtemp(join(tmpdir(), "copilot-api-catalog-unit-"));
    try {
      const f = join(dir, "cache", CATALOG_CACHE_FILE);
      const now = Date.parse("2026-06-01T12:00:00Z");
      await writeCatalogCache(f, "https://api.individual.githubcopilot.com", [{ id: "gpt-4.1" }, { id: "claude-sonnet-4.6" }], now);
      assert.deepEqual(
        readCatalogCache(f, "https://api.individual.githubcopilot.com", now + 60_000)?.models.map((m) => m.id),
        ["gpt-4.1", "claude-sonnet-4.6"],
      );
      assert.equal(readCatalogCache(f, "https://api.business.githubcopilot.com", now + 60_000), undefined, "another host");
      assert.equal(readCatalogCache(f, "https://api.individual.githubcopilot.com", now + 8 * 24 * 3600_000), undefined, "older than a week");
      assert.equal(readCatalogCache(f, "https://api.individual.githubcopilot.com", now - 60_000), undefined, "saved in the future");
      await writeFile(f, '{"apiBase":"https://api.individual.githubcopilot.com","savedAt":1,"mod');
      assert.equal(readCatalogCache(f, "https://api.individual.githubcopilot.com", now), undefined, "cut short");
      assert.equal(readCatalogCache(join(dir, "none.json"), "https://api.individual.githubcopilot.com", now), undefined, "no file");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
