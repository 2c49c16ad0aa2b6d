/**
 * What a browser gets at / when the server needs a key and it has none: a short page (no data)
 * instead of a JSON error. `/#key=<key>` links, which the dashboard documents, keep the key out of
 * the request; the page's script turns them into `/?key=<key>`, which opens the session cookie and
 * redirects back to `/` without the key.
 */
export function keyPage(problem: string): string {
  const text = problem.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>copilot-api: API key required</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em}code{background:#8882;padding:0 .3em;border-radius:3px}</style>
</head>
<body>
<h1>API key required</h1>
<p>${text}</p>
<p>This copilot-api server requires an API key. Open <code>/?key=YOUR_KEY</code> once: the browser then keeps a
session cookie for this page for 12 hours or until the server restarts, and the key leaves the address bar.</p>
<script>
const key = new URLSearchParams(location.hash.slice(1)).get("key");
if (key) location.replace("/?key=" + encodeURIComponent(key));
</script>
</body>
</html>
`;
}

export const KEY_PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};
