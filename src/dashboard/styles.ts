/** The dashboard's stylesheet, inlined under the page's CSP nonce: no external fonts or files. */
export const DASHBOARD_CSS = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --ink: #1c2430; --muted: #667085; --line: #e4e7ec;
  --track: #eef0f3; --accent: #3b6ff5; --ok: #16a34a; --warn: #d97706; --bad: #dc2626;
  --ok-bg: #dcfce7; --warn-bg: #fef3c7; --bad-bg: #fee2e2; --new: #eef4ff;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419; --panel: #171d25; --ink: #e6e9ee; --muted: #8b95a5; --line: #262e3a;
    --track: #222a35; --accent: #6b93ff; --ok: #4ade80; --warn: #fbbf24; --bad: #f87171;
    --ok-bg: #14301f; --warn-bg: #3a2c0d; --bad-bg: #3b1717; --new: #1b2740;
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
  display: flex; align-items: center; gap: 16px; padding: 14px 28px;
  background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 1;
}
.brand { display: flex; align-items: center; gap: 10px; }
.logo { width: 22px; height: 22px; border-radius: 6px; background: linear-gradient(135deg, var(--accent), #8b5cf6); }
h1 { font-size: 16px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
.who { color: var(--muted); flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.conn { display: flex; align-items: center; gap: 7px; color: var(--muted); font-size: 13px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.conn[data-state="live"] .dot { background: var(--ok); box-shadow: 0 0 0 3px var(--ok-bg); }
.conn[data-state="reconnecting"] .dot, .conn[data-state="connecting"] .dot { background: var(--warn); }
.conn[data-state="offline"] .dot { background: var(--bad); }
main { max-width: 1280px; margin: 0 auto; padding: 22px 28px 8px; display: grid; gap: 18px; }
.notice { padding: 10px 14px; border-radius: 8px; background: var(--warn-bg); color: var(--ink); border: 1px solid var(--line); }
.notice[data-kind="error"] { background: var(--bad-bg); }
.cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 14px; }
.card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; }
.card { padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; }
.card .value { font-size: 26px; font-weight: 650; margin-top: 4px; letter-spacing: -0.02em; }
.card .sub { color: var(--muted); font-size: 12.5px; margin-top: 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .value.bad { color: var(--bad); }
.panel { padding: 16px 18px; min-width: 0; }
.panel-head { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; margin-bottom: 10px; }
h2 { font-size: 13px; margin: 0 0 10px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); font-weight: 600; }
.panel-head h2 { margin: 0; }
.meta { color: var(--muted); font-size: 12.5px; }
/* One grid for all rows (subgrid), so that every bar has the same length whatever its text. */
#quota-bars { display: grid; grid-template-columns: 120px minmax(0, 1fr) minmax(240px, max-content); column-gap: 14px; }
#quota-bars > :not(.quota-row) { grid-column: 1 / -1; }
.quota-row { grid-column: 1 / -1; display: grid; grid-template-columns: subgrid; align-items: center; padding: 7px 0; }
.quota-row + .quota-row { border-top: 1px dashed var(--line); }
.quota-name { font-weight: 600; }
.track { height: 10px; border-radius: 999px; background: var(--track); overflow: hidden; }
.fill { height: 100%; width: 0; border-radius: 999px; background: var(--ok); transition: width 0.4s ease; }
.fill[data-level="warn"] { background: var(--warn); }
.fill[data-level="bad"] { background: var(--bad); }
.fill[data-level="unlimited"] {
  background: repeating-linear-gradient(45deg, var(--accent) 0 8px, color-mix(in srgb, var(--accent) 70%, transparent) 8px 16px);
  opacity: 0.55;
}
.quota-text { text-align: right; font-size: 13px; white-space: nowrap; }
.quota-text .pct { color: var(--muted); margin-left: 6px; }
.quota-text .bad { color: var(--bad); font-weight: 600; }
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
th.n, td.n { text-align: right; }
tbody tr:last-child td { border-bottom: 0; }
td.bad { color: var(--bad); font-weight: 600; }
td.empty { color: var(--muted); text-align: center; padding: 18px; }
.scroll { max-height: 520px; overflow: auto; }
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
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .grid2 { grid-template-columns: 1fr; }
  #quota-bars { grid-template-columns: 90px minmax(0, 1fr); }
  .quota-text { grid-column: 1 / -1; text-align: left; }
}
`;
