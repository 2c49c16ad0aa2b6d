import { dashboardClient } from "./client.js";
import { dashboardHistory } from "./history-client.js";
import { inlineWithHelpers } from "./page-helpers.js";
import { DASHBOARD_CSS } from "./styles.js";
import { readUplot } from "./uplot-asset.js";

/** `</script` inside the inlined code would end the script element early. */
const inlineScript = (code: string) => code.replace(/<\/(script)/gi, "<\\/$1");

/** Where each response's nonce goes; not a string any of the inlined code contains. */
const NONCE = "\u0000nonce\u0000";

export interface DashboardPage {
  /** The page for one response, with that response's CSP nonce. */
  html(nonce: string): string;
}

/**
 * Builds the page once, on the first visit (the server imports this module only then): with uPlot
 * inlined it is ~80 KB of text that a server nobody opens the dashboard of never holds.
 *
 * The page holds no data at all: it is the same bytes (but the nonce) for everyone, and the scripts
 * fill it from /usage and /dashboard/events with textContent. Nothing to escape server-side,
 * nothing to inject.
 */
export function buildDashboardPage(): DashboardPage {
  const uplot = readUplot();
  const parts = pageTemplate({
    css: `${uplot.css}\n${DASHBOARD_CSS}`,
    scripts: [uplot.script, inlineWithHelpers(dashboardClient), inlineWithHelpers(dashboardHistory)].map(inlineScript),
  }).split(NONCE);
  return { html: (nonce) => parts.join(nonce) };
}

function pageTemplate({ css, scripts }: { css: string; scripts: string[] }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>copilot-api</title>
<link rel="icon" href="data:,">
<style nonce="${NONCE}">${css}</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo"></span><h1>copilot-api</h1></div>
  <nav class="tabs" id="tabs">
    <a href="#live" data-view="live" aria-current="page">Live</a>
    <a href="#history" data-view="history">History</a>
  </nav>
  <div class="who" id="who">Copilot</div>
  <div class="conn" id="conn" data-state="connecting"><span class="dot"></span><span id="conn-text">connecting…</span></div>
</header>
<main aria-busy="true" id="main">
  <div class="notice" id="notice" hidden></div>
  <section class="panel" id="budgets" hidden>
    <div class="panel-head"><h2>Budgets</h2><span class="meta" id="budget-meta"></span></div>
    <div class="bars" id="budget-bars"></div>
  </section>
  <div class="view" id="view-live">
    <section class="cards" id="live-cards" data-state="loading">
      <div class="card"><div class="label">Credits today</div><div class="value num" id="stat-credits">&nbsp;</div><div class="sub" id="stat-credits-sub">&nbsp;</div></div>
      <div class="card"><div class="label">Requests</div><div class="value num" id="stat-requests">&nbsp;</div><div class="sub" id="stat-uptime">since start</div></div>
      <div class="card"><div class="label">Errors</div><div class="value num" id="stat-errors">&nbsp;</div><div class="sub" id="stat-error-rate">&nbsp;</div></div>
      <div class="card"><div class="label">Tokens in</div><div class="value num" id="stat-in">&nbsp;</div><div class="sub">prompt, cache reads included</div></div>
      <div class="card"><div class="label">Tokens out</div><div class="value num" id="stat-out">&nbsp;</div><div class="sub">completion</div></div>
      <div class="card"><div class="label">Latency p50</div><div class="value num" id="stat-p50">&nbsp;</div><div class="sub" id="stat-latency">&nbsp;</div></div>
    </section>
    <section class="panel" id="quota" data-state="loading">
      <div class="panel-head"><h2>Copilot quota</h2><span class="meta" id="quota-meta"></span></div>
      <div class="bars" id="quota-bars"><div class="muted loading-text">Loading…</div></div>
    </section>
    <div class="grid2">
      <section class="panel">
        <h2>By model</h2>
        <div class="scroll-x"><table id="by-model"><thead><tr><th>Model</th><th class="n">Requests</th><th class="n">Errors</th><th class="n">In</th><th class="n">Out</th></tr></thead><tbody><tr><td class="empty" colspan="5">Loading…</td></tr></tbody></table></div>
      </section>
      <section class="panel">
        <h2>By client API</h2>
        <div class="scroll-x"><table id="by-api"><thead><tr><th>API</th><th class="n">Requests</th><th class="n">Errors</th><th class="n">In</th><th class="n">Out</th></tr></thead><tbody><tr><td class="empty" colspan="5">Loading…</td></tr></tbody></table></div>
      </section>
    </div>
    <section class="panel">
      <div class="panel-head"><h2>Recent requests</h2><span class="meta" id="live-count"></span></div>
      <div class="scroll" id="recent-box">
        <table id="recent">
          <thead><tr><th>Time</th><th>Model</th><th>Client API</th><th>Endpoint</th><th>Initiator</th><th>Status</th><th class="n">Duration</th><th class="n">Tokens in</th><th class="n">Tokens out</th><th class="n">Credits</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
  </div>
  <div class="view" id="view-history" hidden>
    <section class="panel" id="history" data-state="idle">
      <div class="panel-head"><h2>History</h2><span class="meta" id="hist-meta"></span></div>
      <div class="range" id="range">
        <div class="seg" role="group" aria-label="Range">
          <button type="button" data-days="1">Today</button>
          <button type="button" data-days="7">7 days</button>
          <button type="button" data-days="30">30 days</button>
          <button type="button" data-days="90">90 days</button>
        </div>
        <label>From <input type="date" id="range-from"></label>
        <label>To <input type="date" id="range-to"></label>
      </div>
    </section>
    <section class="cards cards4" id="hist-cards">
      <div class="card"><div class="label">Credits</div><div class="value num" id="hist-credits">&nbsp;</div><div class="sub" id="hist-usd">&nbsp;</div></div>
      <div class="card"><div class="label">Requests</div><div class="value num" id="hist-requests">&nbsp;</div><div class="sub" id="hist-errors">&nbsp;</div></div>
      <div class="card"><div class="label">Cache-hit rate</div><div class="value num" id="hist-cache">&nbsp;</div><div class="sub" id="hist-cache-sub">&nbsp;</div></div>
      <div class="card"><div class="label">Tokens</div><div class="value num" id="hist-tokens">&nbsp;</div><div class="sub" id="hist-tokens-sub">&nbsp;</div></div>
    </section>
    <section class="panel">
      <div class="panel-head"><h2>Credits per day, by model</h2><span class="meta" id="hover-credits"></span></div>
      <div class="chart" id="chart-credits"></div>
      <div class="legend" id="legend-credits"></div>
    </section>
    <section class="panel">
      <div class="panel-head"><h2>Cache-hit rate per day</h2><span class="meta" id="hover-cache"></span></div>
      <div class="chart short" id="chart-cache"></div>
    </section>
    <section class="panel">
      <h2>What spent the most</h2>
      <div class="tops">
        <div><h3>Model</h3><div class="bars top" id="top-model"></div></div>
        <div><h3>Client</h3><div class="bars top" id="top-client"></div></div>
        <div><h3>Kind of call</h3><div class="bars top" id="top-kind"></div></div>
      </div>
    </section>
    <section class="panel" id="people" hidden>
      <div class="panel-head"><h2>Spend per person (API key)</h2><span class="meta" id="people-meta"></span></div>
      <div class="scroll-x"><table id="people-table"><thead><tr><th>Key</th><th class="n">Requests</th><th class="n">Errors</th><th class="n">Credits</th><th class="n">Share</th><th>Budget now</th></tr></thead><tbody id="people-rows"></tbody></table></div>
    </section>
  </div>
</main>
<footer>Live over server-sent events · live totals since the server started, history from the ledger · quota cached for a minute · times in 24-hour local time · <a href="/usage">/usage</a> · <a href="/metrics">/metrics</a> · <a href="/health">/health</a></footer>
${scripts.map((code) => `<script nonce="${NONCE}">${code}</script>`).join("\n")}
</body>
</html>
`;
}
