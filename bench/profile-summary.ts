// Summarises a V8 .cpuprofile (node --cpu-prof): self time aggregated by function + script, and by
// script (package or file). Usage: node dist/bench/profile-summary.js <file.cpuprofile> [top=30] [windows.json]
// windows.json ([[startUs, endUs], …] on the monotonic clock, as `npm run bench -- --prof` writes it
// for the measured proxy batches) keeps only the samples taken inside those windows: start-up, warm-up
// and the direct batches are left out.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Entry {
  name: string;
  selfMs: number;
  percent: number;
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  const dist = url.search(/\/(dist|\.build-[^/]+)\//);
  if (dist >= 0) return url.slice(url.indexOf("/", dist + 1) + 1);
  return url.replace(/^file:\/\//, "");
}

function scriptOf(url: string): string {
  const s = shortUrl(url);
  const m = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(s);
  if (url.includes("node_modules/") && m) return m[1]!;
  return s;
}

export type Window = [number, number];

export interface Summary {
  totalMs: number;
  idleMs: number;
  byFunction: Entry[];
  byScript: Entry[];
  /** Self time charged to the innermost project frame (src/…) on the stack: what each of our call sites costs, libraries included. */
  byProjectFrame: Entry[];
}

export function summarise(file: string, top = 30, windows?: Window[]): Summary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (windows && !windows.some(([a, b]) => at >= a && at <= b)) continue;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const projectFrame = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = nodes.get(cur)!.callFrame;
      if (/\/(src|bench|test)\//.test(url) && !url.includes("node_modules/")) return `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}`;
    }
    return "(no project frame: node/libraries on their own, GC, idle-time I/O)";
  };
  const byFn = new Map<string, number>();
  const byScript = new Map<string, number>();
  const byProject = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const n = nodes.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") {
      idle += ms;
      continue;
    }
    total += ms;
    const key = `${functionName || "(anonymous)"} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
    const script = functionName.startsWith("(") && !url ? functionName : scriptOf(url);
    byScript.set(script, (byScript.get(script) ?? 0) + ms);
    const frame = projectFrame(id);
    byProject.set(frame, (byProject.get(frame) ?? 0) + ms);
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, selfMs: Math.round(ms * 10) / 10, percent: Math.round((ms / total) * 1000) / 10 }));
  return { totalMs: Math.round(total), idleMs: Math.round(idle), byFunction: list(byFn), byScript: list(byScript), byProjectFrame: list(byProject) };
}

export function printSummary(file: string, top = 30, windows?: Window[]): string {
  const s = summarise(file, top, windows);
  const scope = windows ? ` inside ${windows.length} measured windows` : "";
  const lines = [`${file}: ${s.totalMs} ms busy, ${s.idleMs} ms idle${scope}`, "", "Self time by function:"];
  for (const e of s.byFunction) lines.push(`  ${e.selfMs.toFixed(1).padStart(8)} ms ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`);
  lines.push("", "Self time by script:");
  for (const e of s.byScript.slice(0, 15)) lines.push(`  ${e.selfMs.toFixed(1).padStart(8)} ms ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`);
  lines.push("", "Self time charged to the innermost project frame:");
  for (const e of s.byProjectFrame.slice(0, 20)) lines.push(`  ${e.selfMs.toFixed(1).padStart(8)} ms ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: profile-summary <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const windows = process.argv[4] ? (JSON.parse(readFileSync(process.argv[4], "utf8")) as Window[]) : undefined;
  process.stdout.write(`${printSummary(file, Number(process.argv[3] ?? 30), windows)}\n`);
}
