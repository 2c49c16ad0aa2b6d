import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type BrowserContext, chromium } from "playwright-core";
import { type Harness, startHarness } from "../helpers/harness.js";

const CHROMIUM = "/usr/bin/chromium";
/** The project root, from <outDir>/test/e2e/ whatever the outDir. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCREENSHOT = join(ROOT, "dist", "test-artifacts", "dashboard.png");

describe("the dashboard in headless Chromium", () => {
  let h: Harness;
  let client: OpenAI;
  let profile: string;
  let browser: BrowserContext | undefined;

  before(async () => {
    // Not a skip: CI installs Chromium, so a missing one is a broken machine and must show as a failure.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y chromium\` (CI does)`);
    }
    h = await startHarness();
    client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "dummy", maxRetries: 0, timeout: 10_000 });
    profile = await mkdtemp(join(tmpdir(), "copilot-api-chromium-"));
    // A persistent context is how Playwright takes a user-data-dir of our choosing: a fresh one each run.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1360, height: 1000 },
      colorScheme: "light",
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test("renders the quota, then shows a new request live, with no CSP violation or script error", { timeout: 90_000 }, async () => {
    // Some traffic first, so that the tables have something in them.
    await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hello" }] });
    const stream = await client.chat.completions.create({
      model: "claude-sonnet-4.5",
      messages: [{ role: "user", content: "stream [[chunks:8]]" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream);
    // A hostile model name ends up in an error message: it must show as text, never run.
    await assert.rejects(
      client.chat.completions.create({ model: `<img src=x onerror="window.__xss=1">`, messages: [{ role: "user", content: "x" }] }),
    );

    const page = browser!.pages()[0] ?? (await browser!.newPage());
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("request", (r) => {
      if (!r.url().startsWith(h.url) && !r.url().startsWith("data:")) problems.push(`external request: ${r.url()}`);
    });

    const res = await page.goto(`${h.url}/`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('#quota[data-state="ready"] [data-quota="premium_interactions"] .fill');
    const premium = await page.locator('[data-quota="premium_interactions"]').innerText();
    assert.match(premium, /180 \/ 300 used · 120 left/);
    assert.equal(await page.locator('[data-quota="premium_interactions"] .fill').evaluate((e) => (e as HTMLElement).style.width), "60%");
    assert.match(await page.locator('[data-quota="chat"]').innerText(), /Unlimited/);
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForSelector('#recent tbody tr[data-model="gpt-4.1"]');

    // A new request while the page is open: its row arrives over the event stream, no reload.
    assert.equal(await page.locator('#recent tbody tr[data-model="gemini-2.5-pro"]').count(), 0);
    await client.chat.completions.create({ model: "gemini-2.5-pro", messages: [{ role: "user", content: "live" }] });
    const row = await page.waitForSelector('#recent tbody tr[data-model="gemini-2.5-pro"]:has-text("gemini-2.5-pro")');
    const cells = await row.$$eval("td", (tds) => tds.map((td) => td.textContent ?? ""));
    assert.equal(cells[1], "gemini-2.5-pro");
    assert.equal(cells[2], "chat");
    assert.equal(cells[3], "/chat/completions");
    assert.equal(cells[4], "user");
    assert.equal(cells[5], "200");
    // …and the totals catch up from /usage (4 requests so far).
    await page.waitForSelector('#stat-requests:text-is("4")');
    await page.waitForSelector('#by-model tr[data-key="gemini-2.5-pro"]');

    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined, "no injected script ran");
    assert.equal(await page.locator("#recent img").count(), 0, "no markup from data");
    assert.deepEqual(problems, []);

    await mkdir(join(ROOT, "dist", "test-artifacts"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));
  });

  test("with API keys, /?key= opens the dashboard and its data streams over the session cookie", { timeout: 60_000 }, async () => {
    const key = "dashboard-e2e-key-0123456789";
    const keyed = await startHarness({ config: { apiKeys: [key] } });
    const page = await browser!.newPage();
    try {
      const locked = await page.goto(`${keyed.url}/`);
      assert.equal(locked?.status(), 401);
      const res = await page.goto(`${keyed.url}/?key=${key}`);
      assert.equal(res?.status(), 200);
      assert.ok(!page.url().includes(key), "the key leaves the address bar");
      await page.waitForSelector('#quota[data-state="ready"] [data-quota="premium_interactions"] .fill');
      await page.waitForSelector('#conn[data-state="live"]');
      const keyedClient = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
      await keyedClient.chat.completions.create({ model: "gpt-5-mini", messages: [{ role: "user", content: "keyed" }] });
      await page.waitForSelector('#recent tbody tr[data-model="gpt-5-mini"]');
      assert.ok(!(await page.content()).includes(key), "the key is nowhere on the page");
    } finally {
      await page.close();
      await keyed.close();
    }
  });
});
