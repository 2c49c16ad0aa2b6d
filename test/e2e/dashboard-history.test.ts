import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, mock, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Harness, startHarness } from "../helpers/harness.js";
import { cutOff, watch } from "../helpers/dashboard-checks.js";
import { openaiFor } from "../helpers/sdk-clients.js";

const CHROMIUM = "/usr/bin/chromium";
/** The project root, from <outDir>/test/e2e/ whatever the outDir. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ARTIFACTS = join(ROOT, "dist", "test-artifacts");
const DAY_MS = 86_400_000;

// The server (this process) and the browser run in a time zone where it is now around noon, so that
// no calendar day ends while the test runs. Node applies a change of TZ at once (SQLite's
// 'localtime' included); each test file has its own process.
const OFFSET = 12 - new Date().getUTCHours(); // -11 … +12 hours
const TZ = OFFSET === 0 ? "Etc/GMT" : `Etc/GMT${OFFSET > 0 ? "-" : "+"}${Math.abs(OFFSET)}`; // Etc/GMT-5 is UTC+5
process.env.TZ = TZ;

interface Sums {
  requests: number;
  credits: number;
}
interface UsageAnswer {
  history: { rows: (Sums & Record<string, unknown>)[]; totals: Sums } | null;
  historyDisabled?: string;
}

const BASH: Anthropic.Tool = {
  name: "Bash",
  description: "Run a shell command",
  input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};
const CLAUDE_CODE_SYSTEM = "You are Claude Code, Anthropic's official CLI for Claude.";

/** A local calendar day as YYYY-MM-DD, as the ledger groups them. */
const dayKey = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/**
 * A day of demo traffic, as the clients would send it to the demo server: Claude Code's main loop
 * (a typed turn that runs a tool, the tool's follow-up, another typed turn on the same conversation,
 * which Copilot's prompt cache partly serves), its background title call, now and then a subagent
 * and a compaction; and an SDK app on the openai SDK. The Anthropic SDK stands in for Claude Code
 * with Claude Code's own headers, as in test/routes/anthropic-sdk.test.ts.
 */
async function demoDay(h: Harness, day: number): Promise<void> {
  const claudeCode = new Anthropic({
    baseURL: h.url,
    apiKey: "dummy",
    maxRetries: 0,
    timeout: 10_000,
    defaultHeaders: { "x-app": "cli", "user-agent": "claude-cli/2.1.197 (external, cli)" },
  });
  const sdk = openaiFor(h, "dummy");
  const sessions = [2, 3, 1, 4, 2, 3, 2][day % 7]!;
  for (let s = 0; s < sessions; s++) {
    const model = day % 3 === 1 && s === 0 ? "claude-opus-4.6" : "claude-sonnet-4.6";
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: `fix the build, day ${day} session ${s}: run make test` }];
    for (const next of ["run git diff", "run make lint"]) {
      const call = await claudeCode.messages.create({ model, max_tokens: 256, system: CLAUDE_CODE_SYSTEM, tools: [BASH], messages });
      const use = call.content.find((b) => b.type === "tool_use");
      assert.ok(use, "the fake answers `run …` with a tool call");
      messages.push({ role: "assistant", content: call.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "ok" }] });
      const followUp = await claudeCode.messages.create({ model, max_tokens: 256, system: CLAUDE_CODE_SYSTEM, tools: [BASH], messages });
      messages.push({ role: "assistant", content: followUp.content }, { role: "user", content: next });
    }
    await claudeCode.messages.create({ model: "claude-haiku-4.5", max_tokens: 32, system: "Write a 5-word title for this conversation.", messages: messages.slice(0, 1) });
  }
  if (day % 2 === 0) {
    await claudeCode.messages.create({
      model: "claude-sonnet-4.6",
      max_tokens: 256,
      system: "You are an agent for Claude Code, Anthropic's official CLI for Claude. Given the user's message, use the tools available.",
      tools: [BASH],
      messages: [{ role: "user", content: "find where the config is read" }],
    });
  }
  if (day === 3) {
    await claudeCode.messages.create({
      model: "claude-sonnet-4.6",
      max_tokens: 256,
      system: CLAUDE_CODE_SYSTEM,
      tools: [BASH],
      messages: [
        { role: "user", content: "fix the failing test" },
        { role: "assistant", content: "done" },
        { role: "user", content: "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests." },
      ],
    });
  }
  for (let i = 0; i < 1 + (day % 3); i++) {
    await sdk.responses.create({ model: "gpt-5.4", input: `summarise ticket ${day}-${i}` });
    await sdk.chat.completions.create({ model: "gpt-5-mini", messages: [{ role: "user", content: `classify ticket ${day}-${i}` }] });
  }
}

describe("the dashboard's History view on the real ledger, in headless Chromium", () => {
  let home: string;
  let h: Harness;
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[];
  const weekStart = dayKey(new Date(Date.now() - 6 * DAY_MS));

  const usage = async (query: string) => {
    const res = await fetch(`${h.url}/usage?${query}`);
    assert.equal(res.status, 200);
    return (await res.json()) as UsageAnswer;
  };

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y chromium\` (CI does)`);
    }
    home = await mkdtemp(join(tmpdir(), "copilot-api-history-"));

    // A week of demo traffic: the six days before today with the process's clock set back to the
    // middle of each (the ledger keeps each request's own start time), then today's at the real time.
    const first = await startHarness({ home, fake: { promptCache: true } });
    try {
      const today = new Date();
      mock.timers.enable({ apis: ["Date"], now: new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6, 12).getTime() });
      try {
        for (let back = 6; back >= 1; back--) {
          if (back === 4) continue; // a day off: an empty day keeps its place on the axis
          mock.timers.setTime(new Date(today.getFullYear(), today.getMonth(), today.getDate() - back, 12).getTime());
          await demoDay(first, 6 - back);
        }
      } finally {
        mock.timers.reset();
      }
      await demoDay(first, 6);
    } finally {
      await first.close();
    }

    // The server again on the same data directory (what it shows comes from the file), with budgets
    // set so that today's spending is at 90% of the daily one and past the monthly one.
    const ledgerView = await startHarness({ home });
    const spentToday = (await (await fetch(`${ledgerView.url}/usage?from=${dayKey(new Date())}&by=day`)).json()) as UsageAnswer;
    const monthStart = new Date();
    const spentMonth = (await (await fetch(`${ledgerView.url}/usage?from=${dayKey(new Date(monthStart.getFullYear(), monthStart.getMonth(), 1))}&by=day`)).json()) as UsageAnswer;
    await ledgerView.close();
    const today = spentToday.history!.totals.credits;
    const month = spentMonth.history!.totals.credits;
    assert.ok(today > 0 && month >= today);
    h = await startHarness({ home, config: { budgets: [`${(today / 0.9).toFixed(9)}/day`, `${(month / 2).toFixed(9)}/month`] } });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: "light", locale: "en-US", timezoneId: TZ });
    page = await context.newPage();
    problems = watch(page, h.url);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test("draws the week from the ledger: credits per day by model, the cache-hit rate, what spent the most", { timeout: 90_000 }, async () => {
    const res = await page.goto(`${h.url}/#history`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('#history[data-state="ready"]');
    assert.equal(await page.locator('#range button[aria-pressed="true"]').innerText(), "7 days", "a week by default");
    assert.equal(await page.locator("#view-live").isHidden(), true);
    assert.equal(await page.locator('#tabs a[aria-current="page"]').innerText(), "History");

    // The figures are the ledger's: the page asked for the same range as this query.
    const week = await usage(`from=${weekStart}&by=model`);
    const totals = week.history!.totals;
    assert.ok(totals.requests > 50, `${totals.requests} requests`);
    assert.equal(await page.locator("#hist-requests").innerText(), totals.requests.toLocaleString("en-US"));
    assert.match(await page.locator("#hist-credits").innerText(), /^\d+(\.\d+)?$/);
    assert.match(await page.locator("#hist-cache").innerText(), /^\d+(\.\d)?%$/, "the prompt cache served part of the follow-ups");
    assert.notEqual(await page.locator("#hist-cache").innerText(), "0%");

    // Seven days on the axis, one of them empty, one series per model; the bars are on the canvas.
    const chart = page.locator("#chart-credits");
    assert.equal(await chart.getAttribute("data-days"), "7");
    const series = (await chart.getAttribute("data-series"))!.split("\n");
    const models = week.history!.rows.map((r) => r.model as string);
    assert.deepEqual(series, models.filter((m) => m !== null).slice(0, 7), "the costliest models, in the ledger's order");
    for (const m of ["claude-sonnet-4.6", "claude-opus-4.6", "gpt-5.4"]) assert.ok(series.includes(m), m);
    const painted = await chart.locator("canvas").evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const colour = getComputedStyle(document.documentElement).getPropertyValue("--c1").trim(); // #3b6ff5
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) n++;
      return n;
    });
    assert.ok(painted > 500, `the costliest model's bars are drawn (${painted} px)`);
    assert.equal(await page.locator("#legend-credits [data-model]").count(), series.length);
    // The daily budget is drawn across the bars.
    assert.match(await page.locator("#legend-credits [data-budget]").innerText(), /^daily budget [\d.]+$/);

    // Hovering a day tells its figures: today's bar is the last one.
    const box = (await chart.locator(".u-over").boundingBox())!;
    await page.mouse.move(box.x + box.width - 8, box.y + box.height / 2);
    const today = new Date().toLocaleDateString("en-US", { month: "short", day: "numeric" });
    assert.equal(new Date().getHours(), await page.evaluate(() => new Date().getHours()), "one time zone for the server and the page");
    assert.match(await page.locator("#hover-credits").innerText(), new RegExp(`^${today}: [\\d.]+ credits · `));

    // What spent the most: every client, kind of call and model the traffic had.
    for (const c of ["claude-code", "openai-sdk"]) await page.waitForSelector(`#top-client [data-key="${c}"]`);
    for (const k of ["user", "tool-follow-up", "subagent", "compaction", "background"]) await page.waitForSelector(`#top-kind [data-key="${k}"]`);
    assert.equal(await page.locator("#top-model .quota-row").first().getAttribute("data-key"), models[0], "the costliest model first");
    assert.match(await page.locator('#top-kind [data-key="tool-follow-up"]').innerText(), /tool follow-up/);

    // Budgets: today's spending is 90% of the daily one, and the month's is past its budget.
    assert.equal(await page.locator('#budgets [data-budget="global/day"]').getAttribute("data-state"), "warning");
    assert.equal(await page.locator('#budgets [data-budget="global/month"]').getAttribute("data-state"), "exceeded");
    assert.equal(await page.locator("#budgets").getAttribute("data-state"), "exceeded");
    assert.match(await page.locator('#budgets [data-budget="global/day"]').innerText(), /\(90%\) · warning: over 80%, resets .*\d\d:\d\d$/);
    assert.match(await page.locator('#budgets [data-budget="global/month"]').innerText(), /exceeded: requests are refused until/);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.mouse.move(0, 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    // docs/dashboard-history.png (in the README) is this picture.
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-history.png"), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test("the range picker: today only, and a range of dates with nothing in it", { timeout: 60_000 }, async () => {
    await page.goto(`${h.url}/#history`);
    await page.waitForSelector('#history[data-state="ready"]');
    // While the ledger's answer is on its way: placeholders, not the last range's figures.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/usage\?/, async (route) => {
      await held;
      await route.continue();
    });
    await page.click('#range button[data-days="1"]');
    await page.waitForSelector('#history[data-state="loading"]');
    assert.equal(await page.locator("#hist-cards .value.loading").count(), 4);
    assert.match(await page.locator("#chart-credits").innerText(), /Loading…/);
    release(); // the route stays, and lets every later request through at once
    await page.waitForSelector('#chart-credits[data-days="1"]');
    await page.waitForSelector('#history[data-state="ready"]');
    const today = await usage(`from=${dayKey(new Date())}&by=day`);
    assert.equal(await page.locator("#hist-requests").innerText(), today.history!.totals.requests.toLocaleString("en-US"));
    assert.equal(await page.locator("#range-from").inputValue(), dayKey(new Date()));

    // A start over a year before the end moves the end: a week from the new start.
    await page.fill("#range-from", "2020-01-01");
    await page.waitForSelector('#chart-credits[data-days="7"]');
    assert.equal(await page.locator("#range-to").inputValue(), "2020-01-07");
    await page.fill("#range-to", "2020-01-03");
    await page.waitForSelector('#chart-credits[data-days="3"]');
    await page.waitForSelector('#history[data-state="empty"]');
    assert.equal(await page.locator("#hist-meta").innerText(), "2020-01-01 to 2020-01-03 · from the ledger");
    assert.equal(await page.locator("#hist-requests").innerText(), "0");
    assert.match(await page.locator("#chart-credits").innerText(), /No credits spent in this range/);
    assert.match(await page.locator("#top-model").innerText(), /No requests in this range/);
    assert.equal(await page.locator('#range button[aria-pressed="true"]').count(), 0, "a custom range is no preset");

    // Back to Live and again to History by the tabs.
    await page.click('#tabs a[data-view="live"]');
    await page.waitForSelector("#view-live:not([hidden])");
    assert.equal(await page.locator("#view-history").isHidden(), true);
    await page.click('#tabs a[data-view="history"]');
    await page.waitForSelector("#view-history:not([hidden])");
    assert.deepEqual(problems, []);
  });

  test("at 420 px the History view cuts nothing and its charts fit the width", { timeout: 60_000 }, async () => {
    const narrow = await browser!.newPage({ viewport: { width: 420, height: 900 }, locale: "en-US", timezoneId: TZ });
    const trouble = watch(narrow, h.url);
    try {
      await narrow.goto(`${h.url}/#history`);
      await narrow.waitForSelector('#history[data-state="ready"]');
      assert.deepEqual(await narrow.evaluate(cutOff), []);
      const width = await narrow.locator("#chart-credits canvas").evaluate((c) => c.getBoundingClientRect().right);
      assert.ok(width <= 420, `the chart ends at ${width}`);
      await narrow.evaluate(() => window.scrollTo(0, 0));
      await narrow.screenshot({ path: join(ARTIFACTS, "dashboard-history-420.png"), fullPage: true });
      assert.deepEqual(trouble, []);
    } finally {
      await narrow.close();
    }
  });
});

describe("the History view with --no-ledger", () => {
  let h: Harness;
  let browser: Browser | undefined;
  before(async () => {
    h = await startHarness({ config: { ledger: false } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test("says that the ledger is off instead of drawing empty charts", { timeout: 60_000 }, async () => {
    const page = await browser!.newPage();
    const problems = watch(page, h.url);
    await page.goto(`${h.url}/#history`);
    await page.waitForSelector('#history[data-state="disabled"]');
    assert.match(await page.locator("#chart-credits").innerText(), /--no-ledger/);
    assert.deepEqual(problems, []);
  });
});

describe("the History view's spend per person, with named API keys", () => {
  const ALICE = "alice-key-0123456789";
  const BOB = "bob-key-0123456789";
  const UNNAMED = "an-unnamed-key-0123456789";
  let h: Harness;
  let browser: Browser | undefined;
  before(async () => {
    h = await startHarness({
      config: {
        apiKeys: [
          // Alice's budget is spent by her first request; Carol has a budget and sends nothing.
          { key: ALICE, name: "alice", budget: "0.001/day" },
          { key: BOB, name: "bob", budget: "1000/month" },
          { key: "carol-key-0123456789", name: "carol", budget: "50/day" },
          { key: UNNAMED },
        ],
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test("one row per key from the ledger, costliest first, with each one's budget as it stands", { timeout: 60_000 }, async () => {
    const send = async (key: string, model: string) => {
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      });
      await res.text();
      return res.status;
    };
    assert.equal(await send(ALICE, "claude-opus-4.6"), 200);
    await h.runtime.budgets.idle();
    assert.equal(await send(ALICE, "gpt-4.1"), 429, "alice's budget is spent");
    for (let i = 0; i < 3; i++) assert.equal(await send(BOB, "gpt-4.1"), 200);
    assert.equal(await send(UNNAMED, "gpt-4.1"), 200);

    const res = await fetch(`${h.url}/usage?by=key`, { headers: { authorization: `Bearer ${BOB}` } });
    const ledger = ((await res.json()) as UsageAnswer).history!.rows;
    assert.deepEqual(
      ledger.map((r) => [r.key, r.requests]),
      [
        ["alice", 2],
        ["bob", 3],
        [ledger[2]!.key, 1],
      ],
    );
    const unnamed = ledger[2]!.key as string;
    assert.match(unnamed, /^key-/, "an unnamed key is shown by its fingerprint, never the key itself");

    for (const width of [1360, 420]) {
      const page = await browser!.newPage({ viewport: { width, height: 900 }, locale: "en-US", timezoneId: TZ });
      const problems = watch(page, h.url);
      try {
        await page.goto(`${h.url}/?key=${BOB}#history`);
        await page.waitForSelector('#history[data-state="ready"]');
        await page.waitForSelector("#people:not([hidden])");
        const rows = page.locator("#people-rows tr");
        assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.key)), ["alice", "bob", unnamed, "carol"]);
        const cells = async (key: string) => (await page.locator(`#people-rows tr[data-key="${key}"] td`).allInnerTexts()).map((t) => t.trim());
        const alice = await cells("alice");
        assert.deepEqual(alice.slice(0, 3), ["alice", "2", "1"], "two requests, one refused by her budget");
        assert.equal(Number(alice[3]), Number(ledger[0]!.credits.toPrecision(2)), "her credits, as the ledger has them");
        assert.match(alice[4]!, /^\d+(\.\d)?%$/);
        assert.match(alice[5]!, /^[\d.]+ of 0\.0010 today \(exceeded\)$/);
        assert.equal(await page.locator('#people-rows tr[data-key="alice"] td[data-state="exceeded"]').count(), 1);
        const bob = await cells("bob");
        assert.deepEqual(bob.slice(0, 3), ["bob", "3", "0"]);
        assert.match(bob[5]!, /^[\d.]+ of 1,000 this month$/);
        assert.deepEqual((await cells(unnamed)).slice(0, 3), [unnamed, "1", "0"]);
        assert.equal((await cells(unnamed))[5], "—");
        assert.deepEqual(await cells("carol"), ["carol", "0", "0", "0", "—", "0 of 50.00 today"], "a budget with no requests has its row");
        assert.doesNotMatch(await page.locator("#people").innerText(), /key-0123456789/, "no key itself is shown");
        if (width === 420) assert.deepEqual(await page.evaluate(cutOff), []);
        await mkdir(ARTIFACTS, { recursive: true });
        await page.locator("#people").screenshot({ path: join(ARTIFACTS, `dashboard-people-${width}.png`) });
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
      }
    }
  });

  test("without API keys the panel stays hidden", { timeout: 60_000 }, async () => {
    const plain = await startHarness();
    try {
      await send(plain.url);
      const page = await browser!.newPage();
      await page.goto(`${plain.url}/#history`);
      await page.waitForSelector('#history[data-state="ready"]');
      assert.equal(await page.locator("#people").isHidden(), true);
      await page.close();
    } finally {
      await plain.close();
    }
  });
});

async function send(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
}
