import type { DashboardHelpers } from "./page-helpers.js";

/**
 * The dashboard's browser code. Written as one self-contained function so that it is type-checked
 * with the rest of the project, then inlined into the page with Function.prototype.toString: it
 * must not use anything from outside its own body (no imports, no module constants) but `h`, the
 * helpers it shares with the history view (page-helpers.ts).
 *
 * Every value from the server is put on the page with textContent or a property, never as HTML
 * (known-failures S5: the original's usage viewer was an XSS).
 */
export function dashboardClient(h: DashboardHelpers): void {
  type Tally = { requests: number; errors: number; inputTokens: number; outputTokens: number };
  type Latency = { sample: number; p50: number | null; p95: number | null; p99: number | null };
  type Quota = {
    entitlement: number;
    remaining: number;
    percent_remaining: number;
    unlimited: boolean;
    overage_count: number;
    overage_permitted: boolean;
    has_quota?: boolean;
  };
  type Budget = {
    scope: string;
    period: string;
    limitCredits: number;
    spentCredits: number;
    resetsAt?: string;
    state: "ok" | "warning" | "exceeded";
  };
  type Usage = {
    budgets?: Budget[];
    /** Today's totals from the ledger (asked with ?from=<midnight>&by=day); null with --no-ledger. */
    history?: null | { totals: { requests: number; credits: number; usd: number; estimatedRequests: number } };
    historyDisabled?: string;
    quota: null | {
      login?: string;
      plan?: string;
      sku?: string;
      resetDate?: string;
      fetchedAt: string;
      premium_interactions: Quota | null;
      chat: Quota | null;
      completions: Quota | null;
    };
    quotaError?: string;
    server: {
      startedAt: string;
      uptimeSeconds: number;
      requests: number;
      errors: number;
      inputTokens: number;
      outputTokens: number;
      byModel: Record<string, Tally>;
      byApi: Record<string, Tally>;
      latencyMs: Latency;
      ttfbMs: Latency;
    };
  };
  type Row = {
    id: number;
    time: number;
    api: string;
    model?: string;
    requestedModel?: string;
    endpoint?: string;
    initiator?: string;
    stream?: boolean;
    status: number;
    durationMs: number;
    ttfbMs: number;
    inputTokens?: number;
    outputTokens?: number;
    cacheReadTokens?: number;
    nanoAiu?: number;
    costEstimated?: boolean;
    client?: string;
    error?: string;
    aborted?: boolean;
  };

  const MAX_ROWS = 200;
  const QUOTAS: [keyof NonNullable<Usage["quota"]>, string][] = [
    ["premium_interactions", "Premium"],
    ["chat", "Chat"],
    ["completions", "Completions"],
  ];

  const { $, el, set, count, credits, two } = h;
  const ms = (v: number | null | undefined) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    if (v < 1000) return `${Math.round(v)} ms`;
    if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
    const s = Math.round(v / 1000);
    return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  };
  const duration = (seconds: number) => {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    return m ? `${m}m ${Math.floor(seconds % 60)}s` : `${Math.floor(seconds)}s`;
  };
  const dateOnly = (iso?: string) => {
    if (!iso) return undefined;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  };
  // One clock everywhere: 24-hour local time, written out by hand so that no locale brings am/pm back.
  const clock = (d: Date) => `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const stamp = (d: Date) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock(d)}`;
  /** "14:05", or "Dec 2 00:00" when not today. */
  const when = (iso?: string) => {
    if (!iso) return undefined;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
    return d.toDateString() === new Date().toDateString() ? hm : `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${hm}`;
  };

  // With API keys set, the page is opened once as /?key=… and access control answers with a session
  // cookie, which same-origin fetches carry by themselves: no key in this script or in storage.
  const notice = (text: string | null, kind: "warn" | "error" = "warn") => {
    const n = $("notice");
    n.hidden = text === null;
    n.textContent = text ?? "";
    n.dataset.kind = kind;
  };
  // A 401 here means the dashboard session ended (the server restarted, or the key was removed).
  const needKey = () => notice("This server requires an API key: open this page as /?key=YOUR_KEY to sign in again.", "error");

  // ---- usage: cards, quota bars, per-model and per-API tables ----

  let uptimeBase: { seconds: number; at: number } | null = null;
  const tickUptime = () => {
    if (!uptimeBase) return;
    const seconds = uptimeBase.seconds + (performance.now() - uptimeBase.at) / 1000;
    set("stat-uptime", `since start · up ${duration(seconds)}`);
  };

  const quotaRow = (key: string, label: string, q: Quota | null): HTMLElement => {
    const row = el("div", undefined, "quota-row");
    row.dataset.quota = key;
    row.append(el("div", label, "quota-name"));
    const track = el("div", undefined, "track");
    const fill = el("div", undefined, "fill");
    track.append(fill);
    row.append(track);
    const text = el("div", undefined, "quota-text num");
    row.append(text);
    if (!q) {
      text.append(el("span", "not reported", "muted"));
      return row;
    }
    if (q.unlimited && q.has_quota === false) {
      // Pooled enterprise entitlement shown as unlimited but used up (copilot-upstream.md 9).
      fill.dataset.level = "bad";
      fill.style.width = "100%";
      text.append(el("span", "Pooled quota used up", "bad"));
      return row;
    }
    if (q.unlimited) {
      fill.dataset.level = "unlimited";
      fill.style.width = "100%";
      text.append(el("span", "Unlimited"));
      return row;
    }
    const pct = Number.isFinite(q.percent_remaining) ? q.percent_remaining : 0;
    const usedPct = Math.min(100, Math.max(0, 100 - pct));
    fill.style.width = `${usedPct}%`;
    fill.dataset.level = pct <= 10 ? "bad" : pct <= 25 ? "warn" : "ok";
    const used = q.entitlement - q.remaining;
    // The bar shows what is used; the text says "left" in words next to its percentage, so that
    // the two figures can't be read as one another.
    if (q.remaining < 0 || pct < 0) {
      text.append(el("span", `overdrawn by ${count(-q.remaining)} (${count(used)} used of ${count(q.entitlement)})`, "bad"));
    } else {
      text.append(el("span", `${pct.toFixed(pct % 1 ? 1 : 0)}% left (${count(q.remaining)} of ${count(q.entitlement)})`));
    }
    if (q.overage_count > 0) text.append(el("span", `+${count(q.overage_count)} overage`, "pct"));
    return row;
  };

  const renderQuota = (u: Usage) => {
    const box = $("quota-bars");
    const rows: HTMLElement[] = [];
    if (u.quota) {
      for (const [key, label] of QUOTAS) rows.push(quotaRow(key, label, u.quota[key] as Quota | null));
      const q = u.quota;
      set("who", [q.login, q.plan ? `${q.plan} plan` : undefined].filter(Boolean).join(" · ") || "Copilot");
      const reset = dateOnly(q.resetDate);
      set("quota-meta", [reset ? `resets ${reset}` : undefined, `checked ${clock(new Date(q.fetchedAt))}`].filter(Boolean).join(" · "));
    } else {
      rows.push(el("div", `Quota unavailable: ${u.quotaError ?? "unknown error"}`, "muted"));
      set("quota-meta", "");
    }
    box.replaceChildren(...rows);
    $("quota").dataset.state = u.quota ? "ready" : "error";
  };

  const renderTally = (tableId: string, data: Record<string, Tally>, firstClass: string) => {
    const body = $(tableId).querySelector("tbody");
    if (!body) return;
    const entries = Object.entries(data).sort(([, a], [, b]) => b.requests - a.requests);
    if (entries.length === 0) {
      const td = el("td", "No requests yet", "empty");
      (td as HTMLTableCellElement).colSpan = 5;
      const tr = el("tr");
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(
      ...entries.map(([name, t]) => {
        const tr = el("tr");
        tr.dataset.key = name;
        tr.append(el("td", name, firstClass), el("td", count(t.requests), "n"), el("td", count(t.errors), t.errors ? "n bad" : "n muted"));
        tr.append(el("td", count(t.inputTokens), "n"), el("td", count(t.outputTokens), "n"));
        return tr;
      }),
    );
  };

  const PERIODS: Record<string, string> = { day: "Daily", week: "Weekly", month: "Monthly" };
  const renderBudgets = (budgets: Budget[] | undefined) => {
    const panel = $("budgets");
    panel.hidden = !budgets || budgets.length === 0;
    if (!budgets || budgets.length === 0) return;
    const rows = budgets.map((b) => {
      const row = el("div", undefined, "quota-row");
      row.dataset.budget = `${b.scope}/${b.period}`;
      row.dataset.state = b.state;
      const who = b.scope === "global" ? "all keys" : b.scope.replace(/^key:/, "key ");
      row.append(el("div", `${PERIODS[b.period] ?? b.period} · ${who}`, "quota-name"));
      const track = el("div", undefined, "track");
      const fill = el("div", undefined, "fill");
      const share = b.limitCredits > 0 ? (100 * b.spentCredits) / b.limitCredits : 100;
      fill.style.width = `${Math.min(100, Math.max(0, share))}%`;
      fill.dataset.level = b.state === "exceeded" ? "bad" : b.state === "warning" ? "warn" : "ok";
      track.append(fill);
      const text = el("div", undefined, "quota-text num");
      text.append(el("span", `${credits(b.spentCredits)} of ${credits(b.limitCredits)} credits (${Math.round(share)}%)`));
      const reset = when(b.resetsAt);
      if (b.state === "exceeded") text.append(el("span", ` · exceeded: requests are refused${reset ? ` until ${reset}` : ""}`, "bad"));
      else if (b.state === "warning") text.append(el("span", ` · warning: over 80%${reset ? `, resets ${reset}` : ""}`, "warn"));
      else if (reset) text.append(el("span", `resets ${reset}`, "pct"));
      row.append(track, text);
      return row;
    });
    $("budget-bars").replaceChildren(...rows);
    const worst = budgets.some((b) => b.state === "exceeded") ? "exceeded" : budgets.some((b) => b.state === "warning") ? "warning" : "ok";
    panel.dataset.state = worst;
    set("budget-meta", worst === "exceeded" ? "a budget is spent" : worst === "warning" ? "a budget is over 80%" : "in credits (1 credit = $0.01)");
  };

  const renderUsage = (u: Usage) => {
    const s = u.server;
    $("live-cards").dataset.state = "ready";
    $("main").setAttribute("aria-busy", "false");
    renderBudgets(u.budgets);
    const today = u.history?.totals;
    set("stat-credits", today ? credits(today.credits) : "n/a");
    set(
      "stat-credits-sub",
      today
        ? `$${today.usd.toFixed(today.usd >= 1 ? 2 : 4)} · ${count(today.requests)} requests${today.estimatedRequests ? ` · ${count(today.estimatedRequests)} estimated` : ""}`
        : (u.historyDisabled ?? "no ledger"),
    );
    set("stat-requests", count(s.requests));
    set("stat-errors", count(s.errors));
    $("stat-errors").classList.toggle("bad", s.errors > 0);
    set("stat-error-rate", s.requests ? `${((100 * s.errors) / s.requests).toFixed(1)}% of requests` : "no requests yet");
    set("stat-in", count(s.inputTokens));
    set("stat-out", count(s.outputTokens));
    set("stat-p50", ms(s.latencyMs.p50));
    set("stat-latency", `p95 ${ms(s.latencyMs.p95)} · p99 ${ms(s.latencyMs.p99)}`);
    uptimeBase = { seconds: s.uptimeSeconds, at: performance.now() };
    tickUptime();
    renderQuota(u);
    renderTally("by-model", s.byModel, "model");
    renderTally("by-api", s.byApi, "mono");
  };

  let usageTimer: ReturnType<typeof setTimeout> | undefined;
  let loading = false;
  const refreshUsage = async () => {
    if (loading) return;
    loading = true;
    try {
      // Today's spending comes in the same answer, from the ledger: since local midnight.
      const midnight = new Date();
      midnight.setHours(0, 0, 0, 0);
      const query = new URLSearchParams({ from: midnight.toISOString(), by: "day" });
      const res = await fetch(`/usage?${query}`, { headers: { accept: "application/json" }, cache: "no-store" });
      if (res.status === 401 || res.status === 403) return needKey();
      if (!res.ok) throw new Error(`/usage answered ${res.status}`);
      renderUsage((await res.json()) as Usage);
      if ($("notice").dataset.kind === "error") notice(null);
    } catch (error) {
      notice(`Could not load usage: ${(error as Error).message}`, "error");
    } finally {
      loading = false;
    }
  };
  /** After a new request, refresh the totals soon, at most once a second however busy the server is. */
  const scheduleUsage = () => {
    if (usageTimer !== undefined) return;
    usageTimer = setTimeout(() => {
      usageTimer = undefined;
      void refreshUsage();
    }, 1000);
  };

  // ---- the live table ----

  const statusLevel = (r: Row) => (r.status >= 500 || r.error ? "bad" : r.status >= 400 ? "warn" : "ok");
  const tokens = (n?: number) => (n === undefined ? "–" : count(n));

  const rowFor = (r: Row, fresh: boolean): HTMLElement => {
    const tr = el("tr", undefined, fresh ? "new" : undefined);
    tr.dataset.id = String(r.id);
    if (r.model ?? r.requestedModel) tr.dataset.model = r.model ?? r.requestedModel;
    const time = new Date(r.time);
    const t = el("td", clock(time), "num muted");
    t.title = stamp(time);
    // A model that wasn't found shows the name that was asked for; an alias shows what it meant.
    const model = el("td", r.model ?? r.requestedModel ?? "–", r.model ? "model" : "muted");
    if (!r.model && r.requestedModel) model.title = "not a model of this Copilot account";
    if (r.model && r.requestedModel) model.append(el("span", `as ${r.requestedModel}`, "tag"));
    const api = el("td", r.api, "mono");
    if (r.stream) {
      const tag = el("span", "stream", "tag");
      tag.dataset.kind = "stream";
      api.append(tag);
    }
    const status = el("td");
    const pill = el("span", r.status, "pill");
    pill.dataset.level = statusLevel(r);
    status.append(pill);
    if (r.aborted) {
      const tag = el("span", "client left", "tag");
      tag.dataset.kind = "left";
      status.append(tag);
    }
    if (r.error) status.title = r.error;
    const dur = el("td", ms(r.durationMs), "n");
    dur.title = `first byte after ${ms(r.ttfbMs)}`;
    const input = el("td", tokens(r.inputTokens), "n");
    if (r.cacheReadTokens) input.title = `${count(r.cacheReadTokens)} from cache`;
    if (r.client) api.title = `from ${r.client}`;
    // Copilot's own figure, or "~" before an estimate from the catalog's prices.
    const cost = el("td", r.nanoAiu === undefined ? "–" : `${r.costEstimated ? "~" : ""}${credits(r.nanoAiu / 1e9)}`, "n");
    if (r.costEstimated) cost.title = "estimated from the model's list prices";
    tr.append(t, model, api, el("td", r.endpoint ?? "–", "mono muted"), el("td", r.initiator ?? "–", "muted"), status, dur, input, el("td", tokens(r.outputTokens), "n"), cost);
    return tr;
  };

  const table = () => {
    const body = $("recent").querySelector("tbody");
    if (!body) throw new Error("#recent tbody is missing");
    return body;
  };
  const emptyRow = () => {
    const td = el("td", "Waiting for requests…", "empty");
    (td as HTMLTableCellElement).colSpan = 10;
    const tr = el("tr", undefined, "placeholder");
    tr.append(td);
    return tr;
  };
  let backlog = true;
  const addRecord = (r: Row) => {
    const body = table();
    body.querySelector("tr.placeholder")?.remove();
    if (body.querySelector(`tr[data-id="${Number(r.id)}"]`)) return;
    body.prepend(rowFor(r, !backlog));
    while (body.rows.length > MAX_ROWS) body.lastElementChild?.remove();
    set("live-count", `last ${body.rows.length}`);
    if (!backlog) scheduleUsage();
  };

  const setConn = (state: "connecting" | "live" | "reconnecting" | "offline", text: string) => {
    const c = $("conn");
    c.dataset.state = state;
    set("conn-text", text);
  };

  // SSE read with fetch rather than EventSource: EventSource hides the status, and a 401 (a server
  // restart ends the dashboard session) must be explained rather than retried for ever.
  const handle = (block: string) => {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (event === "hello") {
      // A (re)connect: the backlog follows, so start the table again.
      backlog = true;
      table().replaceChildren(emptyRow());
    } else if (event === "ready") {
      // The backlog is done: rows from now on are new requests.
      backlog = false;
    } else if (event === "record" && data.length) {
      addRecord(JSON.parse(data.join("\n")) as Row);
    }
  };

  const live = async () => {
    let wait = 1000;
    for (;;) {
      try {
        const res = await fetch("/dashboard/events", { headers: { accept: "text/event-stream" }, cache: "no-store" });
        if (res.status === 401 || res.status === 403) {
          needKey();
          setConn("offline", "locked");
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events answered ${res.status}`);
        setConn("live", "live");
        wait = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer = (buffer + value).replace(/\r\n?/g, "\n");
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            handle(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // the server went away or restarted: retry below
      }
      setConn("reconnecting", "reconnecting…");
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 15_000);
      void refreshUsage();
    }
  };

  table().replaceChildren(emptyRow());
  setInterval(tickUptime, 1000);
  setInterval(() => void refreshUsage(), 30_000);
  void refreshUsage();
  void live();
}
