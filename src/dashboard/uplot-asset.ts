import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * uPlot's browser build (an IIFE that defines `window.uPlot`) and its stylesheet, read from the
 * installed package when the dashboard is first opened. They are inlined into the page under its
 * CSP nonce: no CDN, no extra route, no 'unsafe-inline'. uPlot only sets styles through the CSSOM
 * (`el.style.x = …`), which a strict style-src allows.
 */
export function readUplot(): { script: string; css: string } {
  const require = createRequire(import.meta.url);
  return {
    script: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}
