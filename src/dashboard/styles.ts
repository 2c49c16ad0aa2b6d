/** The dashboard's stylesheet, inlined under the page's CSP nonce: no external fonts or files. */
export const DASHBOARD_CSS = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --ink: #1c2430; --muted: #667085; --line: #e4e7ec;
  --track: #eef0f3; --accent: #3b6ff5; --ok: #16a34a; --warn: #d97706; --bad: #dc2626;
  --ok-bg: #dcfce7; --warn-bg: #fef3c7; --bad-bg: #fee2e2; --new: #eef4ff;
  /* Chart series, in order; the last is "other models". */
  --c1: #3b6ff5; --c2: #f59e0b; --c3: #10b981; --c4: #8b5cf6; --c5: #ef4444; --c6: #06b6d4; --c7: #ec4899; --c8: #94a3b8;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419; --panel: #171d25; --ink: #e6e9ee; --muted: #8b95a5; --line: #262e3a;
    --track: #222a35; --accent: #6b93ff; --ok: #4ade80; --warn: #fbbf24; --bad: #f87171;
    --ok-bg: #14301f; --warn-bg: #3a2c0d; --bad-bg: #3b1717; --new: #1b2740;
    --c1: #6b93ff; --c2: #fbbf24; --c3: #34d399; --c4: #a78bfa; --c5: #f87171; --c6: #22d3ee; --c7: #f472b6; --c8: #64748b;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  -webkit-font-smoothing: antialiased;
}
.num, td.n, th.n, .mono { font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
header.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 14px 28px;
  background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 1;
}
.brand { display: flex; align-items: center; gap: 10px; }
.logo { width: 22px; height: 22px; border-radius: 6px; background: linear-gradient(135deg, var(--accent), #8b5cf6); }
h1 { font-size: 16px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
.tabs { display: flex; gap: 4px; }
.tabs a { color: var(--muted); text-decoration: none; padding: 4px 12px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.tabs a:hover { color: var(--ink); }
.tabs a[aria-current="page"] { background: var(--track); color: var(--ink); }
.who { color: var(--muted); flex: 1; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.conn { display: flex; align-items: center; gap: 7px; color: var(--muted); font-size: 13px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.conn[data-state="live"] .dot { background: var(--ok); box-shadow: 0 0 0 3px var(--ok-bg); }
.conn[data-state="reconnecting"] .dot, .conn[data-state="connecting"] .dot { background: var(--warn); }
.conn[data-state="offline"] .dot { background: var(--bad); }
main { max-width: 1280px; margin: 0 auto; padding: 22px 28px 8px; display: grid; gap: 18px; }
.notice { padding: 10px 14px; border-radius: 8px; background: var(--warn-bg); color: var(--ink); border: 1px solid var(--line); }
.notice[data-kind="error"] { background: var(--bad-bg); }
.view { display: grid; gap: 18px; min-width: 0; }
.view[hidden] { display: none; }
.cards { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; }
.card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; }
.card { padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; }
.card .value { font-size: 26px; font-weight: 650; margin-top: 4px; letter-spacing: -0.02em; }
.card .sub { color: var(--muted); font-size: 12.5px; margin-top: 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .value.bad { color: var(--bad); }
/* Before the first answer: grey placeholders rather than dashes that look like real zeros. */
[data-state="loading"] .card .value, .card .value.loading {
  color: transparent; width: 60%; border-radius: 6px; background: var(--track);
  animation: pulse 1.2s ease-in-out infinite alternate;
}
@keyframes pulse { from { opacity: 1; } to { opacity: 0.45; } }
.loading-text { animation: pulse 1.2s ease-in-out infinite alternate; }
.panel { padding: 16px 18px; min-width: 0; }
.panel-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 12px; margin-bottom: 10px; }
h2 { font-size: 13px; margin: 0 0 10px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); font-weight: 600; }
.panel-head h2 { margin: 0; }
.meta { color: var(--muted); font-size: 12.5px; }
/* One grid for all rows (subgrid), so that every bar has the same length whatever its text. */
.bars { display: grid; grid-template-columns: minmax(120px, max-content) minmax(0, 1fr) minmax(240px, max-content); column-gap: 14px; }
.bars > :not(.quota-row) { grid-column: 1 / -1; }
.bars.top { grid-template-columns: minmax(0, max-content) minmax(40px, 1fr) max-content; }
.bars.top .quota-name { font-weight: 550; overflow-wrap: anywhere; }
.quota-row { grid-column: 1 / -1; display: grid; grid-template-columns: subgrid; align-items: center; padding: 7px 0; }
.quota-row + .quota-row { border-top: 1px dashed var(--line); }
.quota-name { font-weight: 600; }
.track { height: 10px; border-radius: 999px; background: var(--track); overflow: hidden; }
.fill { height: 100%; width: 0; border-radius: 999px; background: var(--ok); transition: width 0.4s ease; }
.fill[data-level="warn"] { background: var(--warn); }
.fill[data-level="bad"] { background: var(--bad); }
.fill[data-level="accent"] { background: var(--accent); }
.fill[data-level="unlimited"] {
  background: repeating-linear-gradient(45deg, var(--accent) 0 8px, color-mix(in srgb, var(--accent) 70%, transparent) 8px 16px);
  opacity: 0.55;
}
.quota-text { text-align: right; font-size: 13px; white-space: nowrap; }
.quota-text .pct { color: var(--muted); margin-left: 6px; }
.quota-text .bad { color: var(--bad); font-weight: 600; }
.quota-text .warn { color: var(--warn); font-weight: 600; }
#budgets[data-state="warning"] { border-color: var(--warn); }
#budgets[data-state="exceeded"] { border-color: var(--bad); }
.range { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; }
.seg { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.seg button { font: inherit; font-size: 13px; color: var(--ink); background: var(--panel); border: 0; padding: 5px 12px; cursor: pointer; }
.seg button + button { border-left: 1px solid var(--line); }
.seg button[aria-pressed="true"] { background: var(--accent); color: #fff; }
.range label { color: var(--muted); font-size: 13px; display: inline-flex; align-items: center; gap: 6px; }
.range input { font: inherit; font-size: 13px; color: var(--ink); background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 3px 6px; }
.chart { height: 280px; min-width: 0; position: relative; }
.chart.short { height: 180px; }
.chart .empty-chart { position: absolute; inset: 0; display: grid; place-items: center; color: var(--muted); }
.cards4 { grid-template-columns: repeat(4, minmax(0, 1fr)); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin-top: 8px; font-size: 12.5px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 3px; }
.legend i.budget-swatch { height: 0; border-radius: 0; border-top: 2px dashed var(--bad); }
.tops { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 18px; }
#people td[data-state="exceeded"] { color: var(--bad); }
#people td[data-state="warning"] { color: var(--warn); }
h3 { font-size: 12.5px; margin: 0 0 6px; color: var(--muted); font-weight: 600; }
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
th.n, td.n { text-align: right; }
tbody tr:last-child td { border-bottom: 0; }
td.bad { color: var(--bad); font-weight: 600; }
td.empty { color: var(--muted); text-align: center; padding: 18px; }
/* The live table takes the window's height (less the header and the panel's title), not a fixed box. */
.scroll { max-height: max(320px, calc(100vh - 150px)); overflow: auto; }
.scroll-x { overflow-x: auto; }
.scroll thead th { position: sticky; top: 0; background: var(--panel); }
.model { font-weight: 550; }
.muted { color: var(--muted); }
.pill { display: inline-block; min-width: 38px; text-align: center; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.pill[data-level="ok"] { background: var(--ok-bg); color: var(--ok); }
.pill[data-level="warn"] { background: var(--warn-bg); color: var(--warn); }
.pill[data-level="bad"] { background: var(--bad-bg); color: var(--bad); }
.tag { margin-left: 6px; font-size: 11px; color: var(--muted); }
.tag[data-kind="stream"] { color: var(--accent); }
.tag[data-kind="left"] { color: var(--warn); }
@keyframes arrive { from { background: var(--new); } to { background: transparent; } }
tr.new td { animation: arrive 2.5s ease-out; }
footer { max-width: 1280px; margin: 0 auto; padding: 8px 28px 28px; color: var(--muted); font-size: 12.5px; }
footer a { color: inherit; }
@media (max-width: 980px) {
  .cards, .cards4 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .grid2, .tops { grid-template-columns: 1fr; }
  .bars { grid-template-columns: 90px minmax(0, 1fr); }
  .quota-text { grid-column: 1 / -1; text-align: left; }
  .bars.top { grid-template-columns: minmax(0, max-content) minmax(40px, 1fr) max-content; }
  .bars.top .quota-text { grid-column: auto; text-align: right; }
}
/* Phones: nothing is cut; text wraps, and wide tables scroll sideways in their panel. */
@media (max-width: 600px) {
  header.top { padding: 10px 14px; }
  .who { order: 5; flex-basis: 100%; }
  main { padding: 14px 12px 8px; gap: 14px; }
  .view { gap: 14px; }
  footer { padding: 8px 14px 20px; }
  .panel { padding: 12px; }
  .card .value { font-size: 22px; }
  .card .sub { white-space: normal; }
  .quota-text { white-space: normal; }
  .chart { height: 220px; }
}
`;
