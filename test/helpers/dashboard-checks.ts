import type { Page } from "playwright-core";

/**
 * Runs in the page: what, outside the boxes that scroll on purpose, sticks out of the window or is
 * cut off by its own box; and whether each table's last column can be scrolled into view.
 */
export function cutOff(): string[] {
  const vw = document.documentElement.clientWidth;
  const name = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className && typeof e.className === "string" ? `.${e.className.trim().replace(/\s+/g, ".")}` : ""} "${(e.textContent ?? "").trim().slice(0, 30)}"`;
  const problems: string[] = [];
  if (document.documentElement.scrollWidth > vw) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const e of document.querySelectorAll("body *")) {
    if (!(e instanceof HTMLElement) || e.getClientRects().length === 0) continue; // not displayed
    if (e.closest(".scroll-x, .scroll, .chart")) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) problems.push(`${name(e)} sticks out: ${r.left}..${r.right} of ${vw}`);
    const cs = getComputedStyle(e);
    if ((cs.overflowX !== "visible" || cs.textOverflow === "ellipsis") && e.scrollWidth > e.clientWidth + 1) problems.push(`${name(e)} is cut: ${e.scrollWidth} > ${e.clientWidth}`);
  }
  for (const table of document.querySelectorAll("table")) {
    if (table.getClientRects().length === 0) continue;
    const box = table.closest<HTMLElement>(".scroll-x, .scroll");
    if (!box) {
      problems.push(`${name(table)} is in no scrolling box`);
      continue;
    }
    box.scrollLeft = box.scrollWidth;
    const last = table.querySelector("thead th:last-child")!.getBoundingClientRect();
    const frame = box.getBoundingClientRect();
    if (last.right > frame.right + 1 || last.right > vw + 1) problems.push(`${name(table)}: its last column can't be scrolled into view`);
    box.scrollLeft = 0;
  }
  return problems;
}

/** Page errors, console errors and requests to anywhere but the server, collected while a test runs. */
export function watch(page: Page, origin: string): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`external request: ${r.url()}`);
  });
  return problems;
}
