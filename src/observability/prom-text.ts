/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: it is a few rules, and a
 * library would bring a process-wide default registry that this project's "no globals" rule forbids.
 *
 * - `# HELP name text` escapes `\` and newline; label values escape `\`, `"` and newline.
 * - Histograms expose cumulative `_bucket{le="…"}` lines ending with `le="+Inf"`, then `_sum` and `_count`.
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function header(name: string, help: string, type: string): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
}

/** Label names in a fixed order, so one series is always written the same way. */
function keyOf(names: readonly string[], labels: Labels): string {
  return JSON.stringify(names.map((n) => labels[n] ?? ""));
}

function labelsOf(names: readonly string[], key: string): Labels {
  const values = JSON.parse(key) as string[];
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? ""]));
}

export interface Metric {
  render(): string[];
}

export class Counter<L extends string = string> implements Metric {
  private readonly series = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly L[] = [],
  ) {}

  inc(labels: Record<L, string>, by = 1): void {
    const key = keyOf(this.labelNames, labels);
    this.series.set(key, (this.series.get(key) ?? 0) + by);
  }

  get(labels: Record<L, string>): number {
    return this.series.get(keyOf(this.labelNames, labels)) ?? 0;
  }

  render(): string[] {
    const out = header(this.name, this.help, "counter");
    for (const [key, value] of this.series) out.push(`${this.name}${formatLabels(labelsOf(this.labelNames, key))} ${formatValue(value)}`);
    return out;
  }
}

/** A value read when scraped (memory, start time). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string[] {
    return [...header(this.name, this.help, "gauge"), `${this.name} ${formatValue(this.read())}`];
  }
}

export class Histogram<L extends string = string> implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  private readonly buckets: number[];

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
  ) {
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Record<L, string>, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // Stored per bucket, summed up when rendered: `le` buckets are cumulative.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  render(): string[] {
    const out = header(this.name, this.help, "histogram");
    for (const [key, s] of this.series) {
      const labels = labelsOf(this.labelNames, key);
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i]!;
        out.push(`${this.name}_bucket${formatLabels({ ...labels, le: formatValue(b) })} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${s.count}`);
      out.push(`${this.name}_sum${formatLabels(labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${formatLabels(labels)} ${s.count}`);
    }
    return out;
  }
}

/** The whole exposition: every family's lines, newline-terminated as the format requires. */
export function renderMetrics(metrics: readonly Metric[]): string {
  return `${metrics.flatMap((m) => m.render()).join("\n")}\n`;
}
