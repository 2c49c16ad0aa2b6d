import type uPlot from "uplot";
import type { HistoryTotals } from "../ledger/query-history.js";
import type { DashboardHelpers } from "./page-helpers.js";

/**
 * The dashboard's history view and its Live/History tabs: credits per day stacked by model, the
 * cache-hit rate per day, and what spent the most, from the ledger through
 * `GET /usage?from=&to=&by=`. Like client.ts, one self-contained function inlined into the page
 * (no imports but types, nothing from outside its body but `h`, page-helpers.ts); uPlot is the `window.uPlot` that the
 * page's first script defines.
 *
 * Every value from the server reaches the page through textContent or a canvas, never as HTML.
 */
export function dashboardHistory(h: DashboardHelpers): void {
  /** What the server sums (query-history.ts), less the raw nano-AIU: the page shows credits. */
  type Sums = Omit<HistoryTotals, "nanoAiu">;
  type HistoryRow = Sums & { day?: string; model?: string | null; client?: string | null; kind?: string | null; key?: string | null };
  type History = { from: string; to: string; by: string[]; rows: HistoryRow[]; totals: Sums };
  type Budget = { scope: string; period: string; limitCredits: number; spentCredits: number; state: string };
  type Answer = { history?: History | null; historyDisabled?: string; budgets?: Budget[] };
  type Range = { from: Date; to: Date; days: number | null };

  const UPlot = (window as unknown as { uPlot: typeof uPlot }).uPlot;
  const DAY_S = 86_400;
  /** Series beyond these many models are drawn as one "other models". */
  const TOP_MODELS = 7;
  const TOP_ROWS = 8;
  const MAX_DAYS = 366;
  const KINDS: Record<string, string> = {
    user: "typed turn",
    "tool-follow-up": "tool follow-up",
    subagent: "subagent",
    compaction: "compaction",
    background: "background",
  };

  const { $, el, set, count, credits, two } = h;
  const usd = (n: number) => (n >= 1 ? `$${n.toFixed(2)}` : n === 0 ? "$0" : `$${n.toPrecision(2)}`);
  const percent = (n: number) => `${n >= 10 || n === 0 ? Math.round(n) : n.toFixed(1)}%`;
  /** A calendar day in local time as YYYY-MM-DD, as the server groups them. */
  const dayKey = (d: Date) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const dayStart = (key: string) => {
    const [y, m, d] = key.split("-").map(Number);
    return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  };
  const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  const dayLabel = (d: Date) => d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  /** Cache-hit rate as the ledger defines it: reads over every prompt token. */
  const hitRate = (s: Pick<Sums, "inputTokens" | "cacheReadTokens" | "cacheWriteTokens">) => {
    const prompt = s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens;
    return prompt > 0 ? (100 * s.cacheReadTokens) / prompt : null;
  };
  const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  // ---- Live / History tabs, from the address's hash (so a reload or a link keeps the view) ----

  let historyShown = false;
  const showView = () => {
    const view = location.hash === "#history" ? "history" : "live";
    $("view-live").hidden = view !== "live";
    $("view-history").hidden = view !== "history";
    for (const a of $("tabs").querySelectorAll("a")) {
      if (a.dataset.view === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    historyShown = view === "history";
    if (historyShown) void load();
  };

  // ---- the range picker ----

  const today = () => dayStart(dayKey(new Date()));
  let range: Range = { from: addDays(today(), -6), to: new Date(), days: 7 };
  const presetRange = (days: number): Range => ({ from: addDays(today(), 1 - days), to: new Date(), days });

  const syncPicker = () => {
    for (const b of $("range").querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(range.days !== null && b.dataset.days === String(range.days)));
    }
    const from = $("range-from") as HTMLInputElement;
    const to = $("range-to") as HTMLInputElement;
    from.value = dayKey(range.from);
    // `to` is exclusive (the next midnight) unless it is now.
    to.value = dayKey(range.to.getTime() === dayStart(dayKey(range.to)).getTime() ? addDays(range.to, -1) : range.to);
    from.max = to.max = dayKey(new Date());
  };

  /** A range of dates from the two inputs; the one just changed wins when they disagree. */
  const customRange = (changed: "from" | "to") => {
    const a = ($("range-from") as HTMLInputElement).value;
    const b = ($("range-to") as HTMLInputElement).value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(a) || !/^\d{4}-\d{2}-\d{2}$/.test(b)) return;
    let first = dayStart(a);
    let last = dayStart(b);
    // A bar a day stays readable up to a year: past that, or backwards, the other end follows.
    if (changed === "from" && (last < first || last >= addDays(first, MAX_DAYS))) last = addDays(first, Math.min(MAX_DAYS - 1, 6));
    if (changed === "to" && (first > last || first <= addDays(last, -MAX_DAYS))) first = addDays(last, -Math.min(MAX_DAYS - 1, 6));
    const end = addDays(last, 1);
    range = { from: first, to: end.getTime() > Date.now() ? new Date() : end, days: null };
    void load();
  };

  // ---- loading ----

  let seq = 0;
  const query = async (by: string): Promise<Answer> => {
    const params = new URLSearchParams({ from: range.from.toISOString(), to: range.to.toISOString(), by });
    const res = await fetch(`/usage?${params}`, { headers: { accept: "application/json" }, cache: "no-store" });
    if (res.status === 401 || res.status === 403) throw new Error("this server needs an API key: open the page as /?key=YOUR_KEY");
    if (!res.ok) throw new Error(`/usage answered ${res.status}`);
    return (await res.json()) as Answer;
  };

  const setState = (state: "loading" | "ready" | "empty" | "disabled" | "error", text?: string) => {
    $("history").dataset.state = state;
    for (const id of ["hist-credits", "hist-requests", "hist-cache", "hist-tokens"]) $(id).classList.toggle("loading", state === "loading");
    if (text !== undefined) set("hist-meta", text);
  };

  /** `quiet`: a periodic refresh, which keeps what is shown until the new figures are there. */
  const load = async (quiet = false) => {
    const mine = ++seq;
    if (range.days !== null) range = presetRange(range.days); // a preset always ends now
    syncPicker();
    if (!quiet) {
      setState("loading", "loading…");
      clearCharts();
      chartMessage("Loading…");
    }
    try {
      const [daily, clients, kinds, keys] = await Promise.all([query("day,model"), query("client"), query("kind"), query("key")]);
      if (mine !== seq) return; // a newer range was picked meanwhile
      if (!daily.history || !clients.history || !kinds.history || !keys.history) {
        $("people").hidden = true;
        clearCharts();
        chartMessage(daily.historyDisabled ?? "No history on this server.");
        return setState("disabled", daily.historyDisabled ?? "no history");
      }
      // The daily budget for all keys, if one is set, is drawn across the bars.
      const budget = daily.budgets?.find((b) => b.scope === "global" && b.period === "day")?.limitCredits;
      render(daily.history, clients.history, kinds.history, budget);
      renderPeople(keys.history, keys.budgets ?? []);
    } catch (error) {
      if (mine !== seq) return;
      if (!quiet) chartMessage(`Could not load the history: ${(error as Error).message}`);
      setState("error", `could not load: ${(error as Error).message}`);
    }
  };

  // ---- rendering ----

  const render = (daily: History, clients: History, kinds: History, dailyBudget: number | undefined) => {
    const t = daily.totals;
    set("hist-credits", credits(t.credits));
    set("hist-usd", `${usd(t.usd)}${t.estimatedRequests ? ` · ${count(t.estimatedRequests)} estimated` : ""}`);
    set("hist-requests", count(t.requests));
    set("hist-errors", t.errors ? `${count(t.errors)} errors` : "no errors");
    const rate = hitRate(t);
    set("hist-cache", rate === null ? "n/a" : percent(rate));
    set("hist-cache-sub", `${count(t.cacheReadTokens)} of ${count(t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens)} prompt tokens`);
    set("hist-tokens", count(t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens + t.outputTokens));
    set("hist-tokens-sub", `${count(t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens)} in · ${count(t.outputTokens)} out`);
    const first = new Date(daily.from);
    const last = new Date(daily.to);
    set("hist-meta", `${dayKey(first)} to ${dayKey(new Date(last.getTime() - 1))} · from the ledger`);

    // Days of the range, each one present even without traffic, so that the bars keep their places.
    const days: string[] = [];
    for (let d = dayStart(dayKey(first)); d < last && days.length < MAX_DAYS + 1; d = addDays(d, 1)) days.push(dayKey(d));
    if (days.length === 0) days.push(dayKey(first));
    const index = new Map(days.map((d, i) => [d, i]));

    const byModel = new Map<string, Sums>();
    const addTo = (map: Map<string, Sums>, key: string, r: Sums) => {
      const s = map.get(key) ?? { requests: 0, errors: 0, credits: 0, usd: 0, estimatedRequests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
      for (const k of Object.keys(s) as (keyof Sums)[]) s[k] += Number(r[k]) || 0;
      map.set(key, s);
    };
    for (const r of daily.rows) addTo(byModel, r.model ?? "unknown", r);
    const ranked = [...byModel.entries()].sort(([, a], [, b]) => b.credits - a.credits || b.requests - a.requests).map(([m]) => m);
    const shown = ranked.slice(0, TOP_MODELS);
    const groupOf = (model: string) => (shown.includes(model) ? model : "other models");
    const groups = ranked.length > TOP_MODELS ? [...shown, "other models"] : shown;

    const perGroup = groups.map(() => days.map(() => 0));
    const perDay = days.map(() => ({ inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }));
    for (const r of daily.rows) {
      const i = index.get(r.day ?? "");
      if (i === undefined) continue;
      perGroup[groups.indexOf(groupOf(r.model ?? "unknown"))]![i]! += r.credits;
      const p = perDay[i]!;
      p.inputTokens += r.inputTokens;
      p.cacheReadTokens += r.cacheReadTokens;
      p.cacheWriteTokens += r.cacheWriteTokens;
    }
    const colors = groups.map((g, i) => css(g === "other models" ? "--c8" : `--c${(i % 7) + 1}`));
    drawCharts(days, groups, perGroup, colors, perDay, dailyBudget);

    const legend = $("legend-credits");
    legend.replaceChildren(
      ...groups.map((g, i) => {
        const item = el("span");
        item.dataset.model = g;
        const swatch = el("i");
        swatch.style.background = colors[i]!;
        const total = perGroup[i]!.reduce((a, b) => a + b, 0);
        item.append(swatch, el("span", `${g} ${credits(total)}`));
        return item;
      }),
    );
    if (dailyBudget !== undefined) {
      const item = el("span");
      item.dataset.budget = String(dailyBudget);
      item.append(el("i", undefined, "budget-swatch"), el("span", `daily budget ${credits(dailyBudget)}`));
      legend.append(item);
    }

    renderTop("top-model", [...byModel.entries()], (m) => m);
    renderTop("top-client", clients.rows.map((r) => [r.client ?? "unknown", r] as [string, Sums]), (c) => c);
    renderTop("top-kind", kinds.rows.map((r) => [r.kind ?? "unknown", r] as [string, Sums]), (k) => KINDS[k] ?? k);
    setState(t.requests ? "ready" : "empty");
  };

  /** One list of "what spent the most": the largest first, the rest summed into one line. */
  const renderTop = (id: string, entries: [string, Sums][], label: (key: string) => string) => {
    const box = $(id);
    const sorted = entries.filter(([, s]) => s.requests > 0).sort(([, a], [, b]) => b.credits - a.credits || b.requests - a.requests);
    if (sorted.length === 0) {
      box.replaceChildren(el("div", "No requests in this range", "muted"));
      return;
    }
    const total = sorted.reduce((a, [, s]) => a + s.credits, 0);
    const head = sorted.slice(0, TOP_ROWS).map(([k, s]) => [label(k), s.credits, s.requests, k] as const);
    const rest = sorted.slice(TOP_ROWS);
    if (rest.length) head.push([`${rest.length} more`, rest.reduce((a, [, s]) => a + s.credits, 0), rest.reduce((a, [, s]) => a + s.requests, 0), ""] as const);
    const max = Math.max(...head.map(([, c]) => c), 0);
    box.replaceChildren(
      ...head.map(([name, c, n, key]) => {
        const row = el("div", undefined, "quota-row");
        if (key) row.dataset.key = key;
        row.append(el("div", name, "quota-name"));
        const track = el("div", undefined, "track");
        const fill = el("div", undefined, "fill");
        fill.dataset.level = "accent";
        fill.style.width = `${max > 0 ? Math.max(1, (100 * c) / max) : 0}%`;
        track.append(fill);
        const text = el("div", undefined, "quota-text num");
        text.append(el("span", `${credits(c)} cr`), el("span", total > 0 ? percent((100 * c) / total) : `${count(n)} req`, "pct"));
        text.title = `${count(n)} requests`;
        row.append(track, text);
        return row;
      }),
    );
  };

  const PER: Record<string, string> = { day: "today", week: "this week", month: "this month" };
  /**
   * Spend per person: the ledger's key names (a named key's name, else its fingerprint label) with
   * each one's budgets as they stand now. Shown only where clients use API keys.
   */
  const renderPeople = (keys: History, budgets: Budget[]) => {
    const rows = keys.rows.filter((r) => r.requests > 0);
    const keyBudgets = budgets.filter((b) => b.scope.startsWith("key:"));
    $("people").hidden = !rows.some((r) => r.key) && keyBudgets.length === 0;
    const total = rows.reduce((a, r) => a + r.credits, 0);
    set("people-meta", `${rows.length} ${rows.length === 1 ? "key" : "keys"} in this range · credits from the ledger`);
    const cells = (tr: HTMLElement, ...values: (string | HTMLElement)[]) => {
      for (const [i, v] of values.entries()) {
        const td = typeof v === "string" ? el("td", v) : v;
        if (i > 0 && i < 5) td.className = "n num";
        tr.append(td);
      }
      return tr;
    };
    const budgetCell = (name: string | null | undefined) => {
      const td = el("td");
      const mine = keyBudgets.filter((b) => b.scope === `key:${name ?? ""}`);
      td.textContent = mine.length
        ? mine.map((b) => `${credits(b.spentCredits)} of ${credits(b.limitCredits)} ${PER[b.period] ?? `per ${b.period}`}${b.state === "ok" ? "" : ` (${b.state})`}`).join(" · ")
        : "—";
      const worst = mine.find((b) => b.state === "exceeded") ?? mine.find((b) => b.state === "warning");
      if (worst) td.dataset.state = worst.state;
      return td;
    };
    const body = rows.map((r) => {
      const tr = el("tr");
      if (r.key) tr.dataset.key = r.key;
      return cells(tr, r.key ?? "(no key)", count(r.requests), count(r.errors), credits(r.credits), total > 0 ? percent((100 * r.credits) / total) : "—", budgetCell(r.key));
    });
    // A key with a budget and no request in the range still has a row: its budget is news too.
    for (const b of keyBudgets) {
      const name = b.scope.slice(4);
      if (rows.some((r) => r.key === name) || body.some((tr) => tr.dataset.key === name)) continue;
      const tr = el("tr");
      tr.dataset.key = name;
      body.push(cells(tr, name, "0", "0", "0", "—", budgetCell(name)));
    }
    if (body.length === 0) {
      const td = el("td", "No requests in this range", "empty");
      td.setAttribute("colspan", "6");
      body.push(el("tr"));
      body[0]!.append(td);
    }
    $("people-rows").replaceChildren(...body);
  };

  // ---- charts ----

  let charts: { chart: uPlot; box: HTMLElement }[] = [];
  const clearCharts = () => {
    for (const { chart } of charts) chart.destroy();
    charts = [];
  };
  const chartMessage = (text: string) => {
    for (const id of ["chart-credits", "chart-cache"]) $(id).replaceChildren(el("div", text, "empty-chart"));
  };
  const sizeOf = (box: HTMLElement) => ({ width: Math.max(200, Math.floor(box.clientWidth)), height: Math.max(120, Math.floor(box.clientHeight)) });
  const resize = new ResizeObserver(() => {
    for (const { chart, box } of charts) {
      if (box.clientWidth === 0) continue; // hidden behind the Live tab
      const size = sizeOf(box);
      if (size.width !== chart.width || size.height !== chart.height) chart.setSize(size);
    }
  });
  resize.observe($("chart-credits"));
  resize.observe($("chart-cache"));

  const axis = (values: uPlot.Axis["values"], size?: number): uPlot.Axis => ({
    stroke: css("--muted"),
    grid: { stroke: css("--line"), width: 1 },
    ticks: { show: false },
    font: "12px system-ui, sans-serif",
    values,
    ...(size ? { size } : {}),
  });
  const dayAxis = (): uPlot.Axis => ({
    ...axis((_u, splits) => splits.map((s) => dayLabel(new Date(s * 1000)))),
    grid: { show: false },
    size: 30,
    // Whole days only: the x values are midnights, and no clock is ever drawn.
    incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S],
    space: 56,
  });
  const xScale = (): uPlot.Scale => ({ time: true, range: (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2] });

  const drawCharts = (
    days: string[],
    groups: string[],
    perGroup: number[][],
    colors: string[],
    perDay: { inputTokens: number; cacheReadTokens: number; cacheWriteTokens: number }[],
    dailyBudget: number | undefined,
  ) => {
    clearCharts();
    const xs = days.map((d) => dayStart(d).getTime() / 1000);
    const creditsBox = $("chart-credits");
    const cacheBox = $("chart-cache");
    creditsBox.replaceChildren();
    cacheBox.replaceChildren();

    // Stacked bars drawn as overlapping bars: series k is the sum of groups 0..n-1-k, drawn tallest
    // first, so that each visible band is one model (the biggest at the bottom).
    const n = groups.length;
    const stacked: number[][] = [];
    for (let k = 0; k < n; k++) stacked.push(xs.map((_, i) => perGroup.slice(0, n - k).reduce((a, g) => a + g[i]!, 0)));
    const bars = UPlot.paths.bars!({ size: [0.7, 56], align: 0 });
    const creditSeries: uPlot.Series[] = stacked.map((_, k) => ({
      label: groups[n - 1 - k],
      fill: colors[n - 1 - k],
      stroke: colors[n - 1 - k],
      width: 0,
      paths: bars,
      points: { show: false },
    }));
    const showCredits = (idx: number | null | undefined) => {
      if (idx === null || idx === undefined) return set("hover-credits", "");
      const parts = groups.map((g, i) => [g, perGroup[i]![idx]!] as const).filter(([, c]) => c > 0);
      const sum = parts.reduce((a, [, c]) => a + c, 0);
      set("hover-credits", `${dayLabel(dayStart(days[idx]!))}: ${credits(sum)} credits${parts.length ? ` · ${parts.map(([g, c]) => `${g} ${credits(c)}`).join(" · ")}` : ""}`);
    };
    const creditsChart = new UPlot(
      {
        ...sizeOf(creditsBox),
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        scales: { x: xScale(), y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
        axes: [dayAxis(), axis((_u, splits) => splits.map((v) => credits(v)), 56)],
        series: [
          {},
          ...creditSeries,
          ...(dailyBudget === undefined ? [] : [{ label: "daily budget", stroke: css("--bad"), width: 1.5, dash: [6, 4], points: { show: false } }]),
        ],
        hooks: { setCursor: [(u) => showCredits(u.cursor.idx)] },
      },
      [xs, ...stacked, ...(dailyBudget === undefined ? [] : [xs.map(() => dailyBudget)])],
      creditsBox,
    );

    const rates = perDay.map((p) => hitRate(p));
    const showCache = (idx: number | null | undefined) => {
      if (idx === null || idx === undefined) return set("hover-cache", "");
      const p = perDay[idx]!;
      const r = rates[idx];
      set("hover-cache", `${dayLabel(dayStart(days[idx]!))}: ${r === null || r === undefined ? "no prompts" : `${percent(r)} · ${count(p.cacheReadTokens)} of ${count(p.inputTokens + p.cacheReadTokens + p.cacheWriteTokens)} prompt tokens`}`);
    };
    const cacheChart = new UPlot(
      {
        ...sizeOf(cacheBox),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: xScale(), y: { range: [0, 100] } },
        axes: [dayAxis(), axis((_u, splits) => splits.map((v) => `${v}%`), 56)],
        series: [
          {},
          { label: "cache-hit rate", stroke: css("--c3"), width: 2, fill: `${css("--c3")}22`, points: { show: true, size: 6, fill: css("--c3") }, spanGaps: false },
        ],
        hooks: { setCursor: [(u) => showCache(u.cursor.idx)] },
      },
      [xs, rates],
      cacheBox,
    );
    charts = [
      { chart: creditsChart, box: creditsBox },
      { chart: cacheChart, box: cacheBox },
    ];
    creditsBox.dataset.days = String(days.length);
    creditsBox.dataset.series = groups.join("\n");
    if (!perGroup.some((g) => g.some((c) => c > 0))) creditsBox.append(el("div", "No credits spent in this range", "empty-chart"));
    if (!rates.some((r) => r !== null)) cacheBox.append(el("div", "No prompts in this range", "empty-chart"));
  };

  // ---- wiring ----

  for (const b of $("range").querySelectorAll("button")) {
    b.addEventListener("click", () => {
      range = presetRange(Number(b.dataset.days));
      void load();
    });
  }
  $("range-from").addEventListener("change", () => customRange("from"));
  $("range-to").addEventListener("change", () => customRange("to"));
  window.addEventListener("hashchange", showView);
  // While the view is open, today's bar keeps up with the traffic.
  setInterval(() => {
    if (historyShown && range.days !== null) void load(true);
  }, 60_000);
  syncPicker();
  showView();
}
