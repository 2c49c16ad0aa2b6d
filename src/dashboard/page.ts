import { dashboardClient } from "./client.js";
import { DASHBOARD_CSS } from "./styles.js";

/** A fresh random nonce for one response's CSP (base64 of 16 random bytes). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString("base64");
}

/**
 * Only our own origin, and only the inline script and style that carry this response's nonce: no
 * inline event handlers, no eval, no external anything. connect-src covers /usage and the events.
 */
export function dashboardCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function dashboardHeaders(nonce: string): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": dashboardCsp(nonce),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
}

/** `</script` inside the inlined code would end the script element early. */
const inlineScript = (code: string) => code.replace(/<\/(script)/gi, "<\\/$1");

const SCRIPT = inlineScript(`(${dashboardClient.toString()})();`);

/**
 * The page holds no data at all: it is the same bytes (but the nonce) for everyone, and the script
 * fills it from /usage and /dashboard/events with textContent. Nothing to escape server-side, nothing
 * to inject.
 */
export function dashboardHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>copilot-api</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${DASHBOARD_CSS}</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo"></span><h1>copilot-api</h1></div>
  <div class="who" id="who">Copilot</div>
  <div class="conn" id="conn" data-state="connecting"><span class="dot"></span><span id="conn-text">connecting…</span></div>
</header>
<main>
  <div class="notice" id="notice" hidden></div>
  <section class="cards">
    <div class="card"><div class="label">Requests</div><div class="value num" id="stat-requests">–</div><div class="sub" id="stat-uptime">since start</div></div>
    <div class="card"><div class="label">Errors</div><div class="value num" id="stat-errors">–</div><div class="sub" id="stat-error-rate">&nbsp;</div></div>
    <div class="card"><div class="label">Tokens in</div><div class="value num" id="stat-in">–</div><div class="sub">prompt, cache reads included</div></div>
    <div class="card"><div class="label">Tokens out</div><div class="value num" id="stat-out">–</div><div class="sub">completion</div></div>
    <div class="card"><div class="label">Latency p50</div><div class="value num" id="stat-p50">–</div><div class="sub" id="stat-latency">p95 – · p99 –</div></div>
  </section>
  <section class="panel" id="quota" data-state="loading">
    <div class="panel-head"><h2>Copilot quota</h2><span class="meta" id="quota-meta"></span></div>
    <div id="quota-bars"><div class="muted">Loading…</div></div>
  </section>
  <div class="grid2">
    <section class="panel">
      <h2>By model</h2>
      <table id="by-model"><thead><tr><th>Model</th><th class="n">Requests</th><th class="n">Errors</th><th class="n">In</th><th class="n">Out</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="panel">
      <h2>By client API</h2>
      <table id="by-api"><thead><tr><th>API</th><th class="n">Requests</th><th class="n">Errors</th><th class="n">In</th><th class="n">Out</th></tr></thead><tbody></tbody></table>
    </section>
  </div>
  <section class="panel">
    <div class="panel-head"><h2>Recent requests</h2><span class="meta" id="live-count"></span></div>
    <div class="scroll">
      <table id="recent">
        <thead><tr><th>Time</th><th>Model</th><th>Client API</th><th>Endpoint</th><th>Initiator</th><th>Status</th><th class="n">Duration</th><th class="n">Tokens in</th><th class="n">Tokens out</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
</main>
<footer>Live over server-sent events · totals since the server started · latency over the last requests · quota cached for a minute · <a href="/usage">/usage</a> · <a href="/metrics">/metrics</a> · <a href="/health">/health</a></footer>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
