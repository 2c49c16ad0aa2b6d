import type { LedgerCost } from "./ledger-cost.js";
// Results of a bench run: the JSON shape, the target checks and the markdown table.
import { round } from "./stats.js";

export interface ModeResult {
  requests: number;
  errors: number;
  validated: number;
  invalid: string[];
  ttfbP50: number;
  ttfbP99: number;
  totalP50: number;
  totalP99: number;
  reqPerSec: number;
  /** CPU of copilot-api per request, ms (proxy runs only), from /proc/<pid>/task/<tid>/schedstat. */
  serverCpuMsPerReq?: number;
  /** The same from /proc/<pid>/stat utime+stime (10 ms ticks, summed over batches). */
  serverCpuMsPerReqTicks?: number;
  /** CPU of the fake upstream per request, ms. */
  upstreamCpuMsPerReq: number;
}

export interface ScenarioResult {
  id: string;
  group: string;
  title: string;
  concurrency: number;
  direct: ModeResult;
  proxy: ModeResult;
  /** The same through bench/floor-proxy.ts (bare node:http + undici passthrough), for calibration. */
  floor?: ModeResult;
  /** The same through copilot-api under Bun, a second server measured in the same interleaved rounds. */
  bun?: ModeResult;
  bunRssMb?: number;
  addedTtfbP50Ms: number;
  totalP50Ratio: number;
  reqPerSecRatio: number;
  serverRssMb: number;
  serverPeakRssMb: number;
}

export interface ColdStart {
  runs: number;
  listenMs: number[];
  firstServedMs: number[];
  firstCountTokensMs: number[];
  medianListenMs: number;
  medianFirstServedMs: number;
  medianFirstCountTokensMs: number;
  /** The floor proxy (bench/floor-proxy.ts): spawn → first answered request, median. */
  floorFirstServedMs?: number;
  /** The floor proxy's RSS after start, idle. */
  floorIdleRssMb?: number;
  /** The same cold starts under Bun. */
  bun?: ColdStart;
}

export interface MemoryResult {
  idleRssMb: number;
  idlePeakRssMb: number;
  requestsServed: number;
  afterRunRssMb: number;
  afterIdleRssMb: number;
  afterGcRssMb?: number;
  peakRssMb: number;
  /** The Bun server's figures. */
  bun?: Omit<MemoryResult, "bun">;
}

export interface TargetCheck {
  target: string;
  limit: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  date: string;
  machine: { cpu: string; cores: number; memoryGb: number; node: string; kernel: string; bun?: string };
  options: Record<string, unknown>;
  coldStart: ColdStart;
  memory: MemoryResult;
  scenarios: ScenarioResult[];
  /** Server CPU per request with and without the usage ledger (bench/ledger-cost.ts). */
  ledger?: LedgerCost[];
  /** The ledger's work per request measured alone (bench/ledger-cost.ts). */
  ledgerWork?: { rows: number; cpuUsPerRow: number; fileBytesPerRow: number };
  targets: TargetCheck[];
}

const f = (n: number | undefined, d = 2) => (n === undefined || !Number.isFinite(n) ? "–" : round(n, d).toFixed(d));

/** The original copilot-api (v0.7.0, under Bun) idles at 77-79 MB on these machines (measured beside this bench). */
const ORIGINAL_IDLE_RSS_MB = 77;

/** Ratios to the floor proxy, from the same run: the targets that do not move with the machine's load. */
function floorTargets(r: Omit<BenchResults, "targets">, out: TargetCheck[]): void {
  const c = r.coldStart;
  const m = r.memory;
  const ratio = (label: string, value: number | undefined, floor: number | undefined, limit: number, unit: string) => {
    if (value === undefined || floor === undefined || floor <= 0) return;
    const x = value / floor;
    const d = value < 10 ? 3 : unit === "ms" ? 0 : 1;
    out.push({ target: label, limit: `≤ ${limit}× floor`, measured: `${f(value, d)} ${unit} / ${f(floor, d)} ${unit} = ×${f(x)}`, met: x <= limit });
  };
  ratio("Node: idle RSS after start, to the floor proxy's", m.idleRssMb, c.floorIdleRssMb, 1.3, "MB");
  if (m.bun) {
    out.push({ target: "Bun: idle RSS after start, under the original's (Bun)", limit: `< ${ORIGINAL_IDLE_RSS_MB} MB`, measured: `${f(m.bun.idleRssMb, 1)} MB`, met: m.bun.idleRssMb < ORIGINAL_IDLE_RSS_MB });
  }
  ratio("Node: cold start to the first served request, to the floor proxy's", c.medianFirstServedMs, c.floorFirstServedMs, 1.2, "ms");
  for (const s of r.scenarios.filter((x) => x.group === "a")) {
    ratio(`Node: non-streaming server CPU per request (${s.id}), to the floor proxy's`, s.proxy.serverCpuMsPerReq, s.floor?.serverCpuMsPerReq, 1.3, "ms");
  }
}

export function checkTargets(r: Omit<BenchResults, "targets">): TargetCheck[] {
  const out: TargetCheck[] = [];
  floorTargets(r, out);
  const byId = new Map(r.scenarios.map((s) => [s.id, s]));
  const cpu = (ids: string[], limit: number, label: string) => {
    for (const id of ids) {
      const s = byId.get(id);
      if (!s) continue;
      const v = s.proxy.serverCpuMsPerReq ?? Number.NaN;
      out.push({ target: `${label} (${id}): server CPU per request`, limit: `≤ ${limit} ms`, measured: `${f(v, 3)} ms`, met: v <= limit });
    }
  };
  cpu(["a1", "a32"], 0.12, "(a) non-streaming");
  cpu(["b1", "b32"], 0.25, "(b) chat stream passthrough");
  cpu(["c1", "c32", "c-paced"], 0.5, "(c) translated Anthropic stream");
  for (const id of ["a1", "c-paced"]) {
    const s = byId.get(id);
    if (s) out.push({ target: `added time to first byte, p50, c=1 (${id})`, limit: "≤ 1 ms", measured: `${f(s.addedTtfbP50Ms, 3)} ms`, met: s.addedTtfbP50Ms <= 1 });
  }
  cpu(["d"], 0.6, "(d) native 112 KB passthrough");
  const first = byId.get("e-first");
  if (first) out.push({ target: "(e) count_tokens, 112 KB, first time: p50 total", limit: "≤ 25 ms", measured: `${f(first.proxy.totalP50)} ms`, met: first.proxy.totalP50 <= 25 });
  for (const id of ["e-repeat1", "e-repeat8"]) {
    const s = byId.get(id);
    if (s) out.push({ target: `(e) count_tokens, repeated body (${id}): p50 total`, limit: "≤ 5 ms", measured: `${f(s.proxy.totalP50)} ms`, met: s.proxy.totalP50 <= 5 });
  }
  const m = r.memory;
  out.push({ target: "idle RSS after start", limit: "≤ 55 MB", measured: `${f(m.idleRssMb, 1)} MB`, met: m.idleRssMb <= 55 });
  const back = m.afterGcRssMb ?? m.afterIdleRssMb;
  out.push({
    target: `RSS back to baseline after ${m.requestsServed} requests (idle${m.afterGcRssMb !== undefined ? ", after a full GC" : ""})`,
    limit: `≤ ${f(Math.max(m.idleRssMb * 1.1, m.idleRssMb + 5), 1)} MB (baseline + 10%)`,
    measured: `${f(back, 1)} MB (${f(m.afterIdleRssMb, 1)} MB before the GC)`,
    met: back <= Math.max(m.idleRssMb * 1.1, m.idleRssMb + 5),
  });
  for (const l of r.ledger ?? []) {
    out.push({
      target: `usage ledger (${l.id}): server CPU per request, with it vs without (--no-ledger)`,
      limit: "≤ 5% more",
      measured: `${f(l.withoutLedgerMs, 3)} → ${f(l.withLedgerMs, 3)} ms (${l.changePct >= 0 ? "+" : ""}${f(l.changePct, 1)}%)`,
      met: l.changePct <= 5,
    });
  }
  out.push({ target: "cold start to the first served request (median)", limit: "≤ 250 ms", measured: `${f(r.coldStart.medianFirstServedMs, 0)} ms`, met: r.coldStart.medianFirstServedMs <= 250 });
  return out;
}

export function markdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, Linux ${m.kernel}, Node ${m.node}${m.bun ? `, Bun ${m.bun}` : ""}. ` +
      `Client, fake upstream and copilot-api share these cores. Run of ${r.date}.`,
    "",
    "| Scenario | c | n per side | TTFB p50 direct → proxy (added) | TTFB p99 direct → proxy | total p50 direct → proxy (ratio) | total p99 direct → proxy | req/s direct → proxy | server CPU per request | floor proxy CPU per request | proxy RSS / peak |",
    "|---|---:|---:|---|---|---|---|---|---:|---:|---|",
  );
  for (const s of r.scenarios) {
    const d = s.direct;
    const p = s.proxy;
    const bad = d.errors + p.errors + d.invalid.length + p.invalid.length;
    lines.push(
      `| ${s.id}: ${s.title}${bad ? ` **(${bad} errors/invalid)**` : ""} | ${s.concurrency} | ${p.requests} | ${f(d.ttfbP50)} → ${f(p.ttfbP50)} ms (+${f(s.addedTtfbP50Ms, 3)}) | ${f(d.ttfbP99)} → ${f(p.ttfbP99)} ms | ${f(d.totalP50)} → ${f(p.totalP50)} ms (×${f(s.totalP50Ratio)}) | ${f(d.totalP99)} → ${f(p.totalP99)} ms | ${f(d.reqPerSec, 0)} → ${f(p.reqPerSec, 0)} (×${f(s.reqPerSecRatio)}) | ${f(p.serverCpuMsPerReq, 3)} ms | ${s.floor ? `${f(s.floor.serverCpuMsPerReq, 3)} ms` : "–"} | ${f(s.serverRssMb, 1)} / ${f(s.serverPeakRssMb, 1)} MB |`,
    );
  }
  lines.push("", ...runtimes(r));
  const c = r.coldStart;
  const mem = r.memory;
  lines.push(
    "",
    `Cold start (median of ${c.runs}): listening after ${f(c.medianListenMs, 0)} ms, first /v1/models answered after ${f(c.medianFirstServedMs, 0)} ms, then a first count_tokens of a new 112 KB body in ${f(c.medianFirstCountTokensMs, 1)} ms` +
      `${c.floorFirstServedMs !== undefined ? ` (the floor proxy, bare node:http + undici, answers its first request ${f(c.floorFirstServedMs, 0)} ms after spawn and idles at ${f(c.floorIdleRssMb, 1)} MB)` : ""}. ` +
      `Memory: ${f(mem.idleRssMb, 1)} MB RSS idle after start; ${f(mem.afterRunRssMb, 1)} MB right after ${mem.requestsServed} requests, ${f(mem.afterIdleRssMb, 1)} MB after 10 s idle` +
      `${mem.afterGcRssMb !== undefined ? `, ${f(mem.afterGcRssMb, 1)} MB after a full GC (bench-only --expose-gc hook)` : ""}; peak ${f(mem.peakRssMb, 1)} MB.`,
    ...(r.ledger?.length
      ? [
          "",
          "Usage ledger, the same requests interleaved to two servers, one with `--no-ledger`:",
          "",
          "| Scenario | n per side | server CPU per request without → with the ledger | change |",
          "|---|---:|---|---:|",
          ...r.ledger.map((l) => `| ${l.id}: ${l.title} | ${l.requests} | ${f(l.withoutLedgerMs, 3)} → ${f(l.withLedgerMs, 3)} ms | ${l.changePct >= 0 ? "+" : ""}${f(l.changePct, 1)}% |`),
        ]
      : []),
    ...(r.ledgerWork
      ? [
          "",
          `The ledger's own work, measured alone: ${f(r.ledgerWork.cpuUsPerRow, 1)} µs of CPU per request (row queued, then written in transactions of 500), ` +
            `${r.ledgerWork.fileBytesPerRow} bytes of file per request, over ${r.ledgerWork.rows} rows.`,
        ]
      : []),
    "",
    "| Target | Limit | Measured | Met |",
    "|---|---|---|---|",
    ...r.targets.map((t) => `| ${t.target} | ${t.limit} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
  );
  return `${lines.join("\n")}\n`;
}

/** Node and Bun side by side, each row as a ratio to the floor proxy where it has one. */
function runtimes(r: BenchResults): string[] {
  const c = r.coldStart;
  const m = r.memory;
  const x = (v: number | undefined, floor: number | undefined) => (v !== undefined && floor ? ` (×${f(v / floor)})` : "");
  const out = [
    "| Row | floor proxy | copilot-api on Node (× floor) | copilot-api on Bun (× floor) |",
    "|---|---:|---:|---:|",
    `| idle RSS after start | ${f(c.floorIdleRssMb, 1)} MB | ${f(m.idleRssMb, 1)} MB${x(m.idleRssMb, c.floorIdleRssMb)} | ${m.bun ? `${f(m.bun.idleRssMb, 1)} MB${x(m.bun.idleRssMb, c.floorIdleRssMb)}` : "–"} |`,
    `| RSS after ${m.requestsServed} requests and a full GC | – | ${f(m.afterGcRssMb, 1)} MB | ${m.bun ? `${f(m.bun.afterGcRssMb, 1)} MB` : "–"} |`,
    `| cold start to the first served request (median) | ${f(c.floorFirstServedMs, 0)} ms | ${f(c.medianFirstServedMs, 0)} ms${x(c.medianFirstServedMs, c.floorFirstServedMs)} | ${c.bun ? `${f(c.bun.medianFirstServedMs, 0)} ms${x(c.bun.medianFirstServedMs, c.floorFirstServedMs)}` : "–"} |`,
    `| first count_tokens of a new 112 KB body after start | – | ${f(c.medianFirstCountTokensMs, 1)} ms | ${c.bun ? `${f(c.bun.medianFirstCountTokensMs, 1)} ms` : "–"} |`,
  ];
  for (const s of r.scenarios) {
    const fl = s.floor?.serverCpuMsPerReq;
    out.push(
      `| ${s.id}: server CPU per request / total p50 | ${s.floor ? `${f(fl, 3)} ms / ${f(s.floor.totalP50)} ms` : "–"} | ${f(s.proxy.serverCpuMsPerReq, 3)} ms${x(s.proxy.serverCpuMsPerReq, fl)} / ${f(s.proxy.totalP50)} ms | ${s.bun ? `${f(s.bun.serverCpuMsPerReq, 3)} ms${x(s.bun.serverCpuMsPerReq, fl)} / ${f(s.bun.totalP50)} ms` : "–"} |`,
    );
  }
  return out;
}
