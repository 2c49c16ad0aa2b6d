import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { type BrowserContext, chromium } from "playwright-core";
import { cutOff, watch } from "../helpers/dashboard-checks.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { openaiFor } from "../helpers/sdk-clients.js";

const CHROMIUM = "/usr/bin/chromium";
/** The project root, from <outDir>/test/e2e/ whatever the outDir. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCREENSHOT = join(ROOT, "dist", "test-artifacts", "dashboard.png");
const NARROW = { width: 420, height: 900 };

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
    client = openaiFor(h, "dummy");
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
      // en-US writes times with am/pm by default: the page must still show a 24-hour clock.
      locale: "en-US",
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
    const problems = watch(page, h.url);

    const res = await page.goto(`${h.url}/`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('#quota[data-state="ready"] [data-quota="premium_interactions"] .fill');
    const premium = await page.locator('[data-quota="premium_interactions"]').innerText();
    // The fake's premium quota: 120 of 300 left. "40%" stands next to the word it means.
    assert.match(premium, /40% left \(120 of 300\)/);
    assert.equal(await page.locator('[data-quota="premium_interactions"] .fill').evaluate((e) => (e as HTMLElement).style.width), "60%");
    assert.match(await page.locator('[data-quota="chat"]').innerText(), /Unlimited/);
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForSelector('#recent tbody tr[data-model="gpt-4.1"]');

    // A new request while the page is open: its row arrives over the event stream, no reload.
    assert.equal(await page.locator('#recent tbody tr[data-model="gemini-2.5-pro"]').count(), 0);
    const { response } = await client.chat.completions.create({ model: "gemini-2.5-pro", messages: [{ role: "user", content: "live" }] }).withResponse();
    const cost = Number(response.headers.get("x-copilot-cost-credits"));
    assert.ok(cost > 0, "the answer says what it cost");
    const row = await page.waitForSelector('#recent tbody tr[data-model="gemini-2.5-pro"]:has-text("gemini-2.5-pro")');
    const cells = await row.$$eval("td", (tds) => tds.map((td) => td.textContent ?? ""));
    assert.equal(cells[1], "gemini-2.5-pro");
    assert.equal(cells[2], "chat");
    assert.equal(cells[3], "/chat/completions");
    assert.equal(cells[4], "user");
    assert.equal(cells[5], "200");
    assert.ok(Math.abs(Number(cells[9]) - cost) / cost < 0.05, `the row's cost ${cells[9]} is the answer's ${cost} credits`);
    assert.match(cells[0]!, /^\d{2}:\d{2}:\d{2}$/, "24-hour clock, no am/pm");
    assert.match(await row.$eval("td", (td) => td.title), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.match(await page.locator("#quota-meta").innerText(), /checked \d{2}:\d{2}:\d{2}$/);
    // …and the totals catch up from /usage (4 requests so far).
    await page.waitForSelector('#stat-requests:text-is("4")');
    // Today's credits, from the ledger, in the same answer.
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const today = (await (await fetch(`${h.url}/usage?from=${midnight.getTime()}&by=day`)).json()) as { history: { totals: { credits: number } } };
    const shown = Number(await page.locator("#stat-credits").innerText());
    assert.ok(today.history.totals.credits > 0 && Math.abs(shown - today.history.totals.credits) / today.history.totals.credits < 0.05, `${shown} vs ${today.history.totals.credits}`);
    await page.waitForSelector('#by-model tr[data-key="gemini-2.5-pro"]');

    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined, "no injected script ran");
    assert.equal(await page.locator("#recent img").count(), 0, "no markup from data");
    assert.deepEqual(problems, []);

    await mkdir(join(ROOT, "dist", "test-artifacts"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));
  });

  test("shows a loading state, not dashes, until /usage answers", { timeout: 60_000 }, async () => {
    const page = await browser!.newPage();
    const problems = watch(page, h.url);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const usageAsked = new Promise<void>((resolve) => (asked = resolve));
    await page.route(/\/usage(\?|$)/, async (route) => {
      asked();
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${h.url}/`);
      await usageAsked;
      assert.equal(await page.locator("#live-cards").getAttribute("data-state"), "loading");
      assert.equal(await page.locator("#main").getAttribute("aria-busy"), "true");
      const values = await page.locator("#live-cards .value").allInnerTexts();
      assert.equal(values.length, 6);
      for (const v of values) assert.ok(!/[–-]|\d/.test(v), `a placeholder, not a figure or a dash: ${JSON.stringify(v)}`);
      assert.match(await page.locator("#quota-bars").innerText(), /Loading…/);
      assert.match(await page.locator("#by-model tbody").innerText(), /Loading…/);
      release();
      await page.waitForSelector('#live-cards[data-state="ready"]');
      assert.match(await page.locator("#stat-requests").innerText(), /^\d+$/);
      assert.equal(await page.locator("#main").getAttribute("aria-busy"), "false");
      assert.deepEqual(problems, []);
    } finally {
      release();
      await page.close();
    }
  });

  test("rows name the model: embeddings with their tokens, an unknown model by the name asked for", { timeout: 60_000 }, async () => {
    const vectors = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha beta gamma", "delta"] });
    await assert.rejects(client.chat.completions.create({ model: "no-such-model-42", messages: [{ role: "user", content: "x" }] }));
    const page = await browser!.newPage();
    const problems = watch(page, h.url);
    try {
      await page.goto(`${h.url}/`);
      const embedding = await page.waitForSelector('#recent tbody tr[data-model="text-embedding-3-small"]');
      const cells = await embedding.$$eval("td", (tds) => tds.map((td) => td.textContent ?? ""));
      assert.equal(cells[1], "text-embedding-3-small");
      assert.equal(cells[2], "embeddings");
      assert.equal(cells[3], "/embeddings");
      assert.equal(cells[7], String(vectors.usage.prompt_tokens), "the tokens Copilot reported");
      assert.equal(cells[8], "0");
      const unknown = await page.waitForSelector('#recent tbody tr[data-model="no-such-model-42"]');
      const u = await unknown.$$eval("td", (tds) => tds.map((td) => td.textContent ?? ""));
      assert.equal(u[1], "no-such-model-42");
      assert.match(u[5]!, /^4\d\d$/);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test("at 420 px nothing is cut; the request table grows with the window", { timeout: 60_000 }, async () => {
    const page = await browser!.newPage();
    const problems = watch(page, h.url);
    try {
      await page.setViewportSize(NARROW);
      await page.goto(`${h.url}/`);
      await page.waitForSelector('#quota[data-state="ready"]');
      await page.waitForSelector("#recent tbody tr[data-id]");
      assert.deepEqual(await page.evaluate(cutOff), [], "live view at 420 px");
      await mkdir(join(ROOT, "dist", "test-artifacts"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "dist", "test-artifacts", "dashboard-420.png"), fullPage: true });

      // The table's box follows the window's height instead of a fixed 520 px.
      const maxHeight = async () => Number.parseFloat(await page.locator("#recent-box").evaluate((e) => getComputedStyle(e).maxHeight));
      await page.setViewportSize({ width: 1360, height: 800 });
      const short = await maxHeight();
      await page.setViewportSize({ width: 1360, height: 1600 });
      const tall = await maxHeight();
      assert.equal(tall - short, 800, `${short} → ${tall}`);
      assert.ok(tall > 1200);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
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
