/**
 * What both of the dashboard's scripts (client.ts, history-client.ts) use to reach the page and
 * to write numbers. Self-contained like them, and inlined into each with Function.prototype.toString:
 * it must not use anything from outside its own body.
 */
export function dashboardHelpers() {
  const $ = (id: string): HTMLElement => {
    const e = document.getElementById(id);
    if (!e) throw new Error(`#${id} is missing`);
    return e;
  };
  const el = (tag: string, text?: string | number, className?: string): HTMLElement => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  };
  const set = (id: string, text: string) => {
    $(id).textContent = text;
  };

  const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
  const count = (n: number) => (Math.abs(n) >= 100_000 ? compact.format(n) : whole.format(n));
  const credits = (n: number) => (n >= 100 ? whole.format(n) : n >= 1 ? n.toFixed(2) : n === 0 ? "0" : n.toPrecision(2));
  const two = (n: number) => String(n).padStart(2, "0");
  return { $, el, set, count, credits, two };
}

export type DashboardHelpers = ReturnType<typeof dashboardHelpers>;

/** A script of the page: `client` called with the helpers. */
export function inlineWithHelpers(client: (h: DashboardHelpers) => void): string {
  return `(${client.toString()})((${dashboardHelpers.toString()})());`;
}
