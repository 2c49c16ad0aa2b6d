import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dashboardCsp } from "../../src/dashboard/headers.js";
import { buildDashboardPage } from "../../src/dashboard/page.js";
import { readUplot } from "../../src/dashboard/uplot-asset.js";

describe("dashboard page", () => {
  const html = buildDashboardPage().html("NONCE123");
  const uplot = readUplot();
  // The page's own markup and code, without the inlined uPlot build.
  const ours = html.replace(uplot.script, "").replace(uplot.css, "");

  test("inlines uPlot, then our two scripts, each under the nonce; no early </script>", () => {
    assert.ok(html.includes(uplot.script), "uPlot's code is in the page, not fetched from anywhere");
    assert.ok(uplot.script.startsWith("/*! https://github.com/leeoniya/uPlot"));
    assert.equal(html.match(/<script/g)?.length, 3);
    assert.equal(html.match(/<\/script>/g)?.length, 3);
    assert.equal(html.match(/<script nonce="NONCE123">/g)?.length, 3);
    assert.equal(html.match(/<style nonce="NONCE123">/g)?.length, 1);
    assert.ok(html.indexOf("var uPlot=") < html.indexOf("function dashboardHistory"), "uPlot is defined before the history view uses it");
  });

  test("carries no inline handlers, no style attributes, nothing external; data goes in with textContent", () => {
    assert.ok(!/\son[a-z]+=/i.test(ours), "no inline event handlers");
    assert.ok(!/\sstyle=/i.test(ours), "no style attributes (CSP would block them)");
    assert.ok(!/https?:\/\//.test(ours), "nothing external");
    assert.ok(!/(src|href)="(?!#|\/|data:)/.test(html), "no external src or href anywhere");
    assert.ok(!html.includes("innerHTML"), "no innerHTML, ours or uPlot's");
  });

  test("the same bytes but the nonce for every response", () => {
    const page = buildDashboardPage();
    const [a, b] = [page.html("first-nonce-1111"), page.html("second-nonce-2222")];
    assert.notEqual(a, b);
    assert.equal(a.replaceAll("first-nonce-1111", "N"), b.replaceAll("second-nonce-2222", "N"));
    assert.equal(page.html("NONCE123"), html);
    assert.ok(!page.html("B").includes("NONCE123"));
  });

  test("CSP allows only the nonce", () => {
    const csp = dashboardCsp("NONCE123");
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'nonce-NONCE123'(;|$)/);
    assert.match(csp, /style-src 'nonce-NONCE123'(;|$)/);
    assert.ok(!csp.includes("unsafe"));
  });
});
