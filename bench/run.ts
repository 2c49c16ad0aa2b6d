// `npm run bench`: the fake Copilot in one child process, copilot-api (`node dist/copilot-api.mjs start`)
// in another, and the same work sent to both from here, interleaved, with copilot-api's CPU time and
// memory read from /proc. Writes bench/results/latest.json and latest.md (the table in docs/benchmark.md).
//
//   npm run bench                      full run (~3 minutes)
//   npm run bench -- --quick           a quarter of the requests
//   npm run bench -- --only a1,c32     some scenarios (results are printed, not written); `ledger` for the
//                                      ledger's cost (server CPU per request with and without --no-ledger)
//   npm run bench -- --node            Node only (by default copilot-api also runs under the Bun pinned
//                                      in e2e/clients, or $BENCH_BUN, as a second server measured alongside)
//   npm run bench -- --prof <dir>      copilot-api runs with --cpu-prof; its profile is summarised at the end
//                                      (from the unbundled dist/src/main.js, so that time is charged to our files)
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { bunBinary, type FakeInfo, startFake, startFloor, startServer, type Child, type ServerChild, UNBUNDLED_MAIN_JS } from "./children.js";
import { execFileSync } from "node:child_process";
import { syntheticBody } from "./claude-code-body.js";
import { agent, type BatchResult, runBatch, send } from "./load.js";
import { cpuMs, cpuMsFromStat, machine, memory } from "./proc-stats.js";
import { printSummary } from "./profile-summary.js";
import { type BenchResults, checkTargets, type ColdStart, markdown, type MemoryResult, type ModeResult, type ScenarioResult } from "./report.js";
import { buildScenarios, directSession, type Mode, type Scenario, staticUpstreamHeaders, type Upstream } from "./scenarios.js";
import { median, percentile, round } from "./stats.js";
import { type LedgerCost, measureLedgerCost, measureLedgerWork } from "./ledger-cost.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Options {
  scale: number;
  only?: string[];
  prof?: string;
  coldRuns: number;
  out?: string;
  idleWaitMs: number;
  /** Node only, no Bun server. */
  node?: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { scale: 1, coldRuns: 5, idleWaitMs: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") {
      o.scale = 0.25;
      o.coldRuns = 3;
      o.idleWaitMs = 5_000;
    } else if (a === "--scale") o.scale = Number(value());
    else if (a === "--only") o.only = value().split(",");
    else if (a === "--prof") o.prof = value();
    else if (a === "--cold") o.coldRuns = Number(value());
    else if (a === "--out") o.out = value();
    else if (a === "--node") o.node = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.only && !o.out) o.out = join(ROOT, "bench", "results", "latest");
  return o;
}

/** One cold start: spawn → first answered GET /v1/models, then the first count_tokens of a new body. */
async function oneColdStart(fake: FakeInfo, home: string, k: number, bun?: string): Promise<{ listen: number; served: number; count: number }> {
  const server = await startServer(fake, { home, bun });
  try {
    const u = new URL(server.url);
    // The first request a client sends, as soon as the server says it listens.
    const first = await send({ origin: u.origin, path: "/v1/models", method: "GET", headers: {} }, false);
    if (first.status !== 200) throw new Error(`cold start: /v1/models answered ${first.status}`);
    const served = performance.now() - server.spawnedAt;
    const body = JSON.stringify({ ...syntheticBody(20_000 + k), model: "claude-sonnet-4-6" });
    const count = await send({ origin: u.origin, path: "/v1/messages/count_tokens", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body }, false);
    if (count.status !== 200) throw new Error(`cold start: count_tokens answered ${count.status}`);
    return { listen: server.listenMs, served, count: count.totalMs };
  } finally {
    await server.stop();
  }
}

function coldSummary(runs: { listen: number; served: number; count: number }[]): ColdStart {
  const listenMs = runs.map((r) => r.listen);
  const firstServedMs = runs.map((r) => r.served);
  const firstCountTokensMs = runs.map((r) => r.count);
  return {
    runs: runs.length,
    listenMs: listenMs.map((x) => round(x, 1)),
    firstServedMs: firstServedMs.map((x) => round(x, 1)),
    firstCountTokensMs: firstCountTokensMs.map((x) => round(x, 1)),
    medianListenMs: round(median(listenMs), 1),
    medianFirstServedMs: round(median(firstServedMs), 1),
    medianFirstCountTokensMs: round(median(firstCountTokensMs), 1),
  };
}

/**
 * Cold starts of copilot-api on Node, on Bun and of the floor proxy, in interleaved rounds (Node,
 * Bun, floor; the next round in reverse) so that the machine's load drifts over all three alike.
 */
async function coldStarts(fake: FakeInfo, upstream: Upstream, runs: number, home: string, bun?: string): Promise<ColdStart> {
  // One unmeasured start of each first: a real install has run before, and its data directory holds the
  // tokenizer cache that run wrote (the table is built on first use, then saved in the background).
  for (const b of bun ? [undefined, bun] : [undefined]) {
    const first = await startServer(fake, { home, bun: b });
    await send({ origin: new URL(first.url).origin, path: "/v1/messages/count_tokens", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...syntheticBody(19_999), model: "claude-sonnet-4-6" }) }, false);
    await sleep(1500);
    await first.stop();
  }
  const node: { listen: number; served: number; count: number }[] = [];
  const onBun: typeof node = [];
  const floor: number[] = [];
  const floorStart = async () => {
    const f = await startFloor(upstream.capiUrl, upstream.token, staticUpstreamHeaders());
    const r = await send({ origin: `http://127.0.0.1:${f.port}`, path: "/v1/chat/completions", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }) }, false);
    if (r.status === 200) floor.push(performance.now() - f.spawnedAt);
    await f.stop();
  };
  for (let k = 0; k < runs; k++) {
    const steps = [async () => node.push(await oneColdStart(fake, home, k)), ...(bun ? [async () => onBun.push(await oneColdStart(fake, home, 100 + k, bun))] : []), floorStart];
    for (const step of k % 2 === 0 ? steps : steps.reverse()) await step();
  }
  return { ...coldSummary(node), floorFirstServedMs: round(median(floor), 1), ...(bun ? { bun: coldSummary(onBun) } : {}) };
}

interface Tally {
  batches: BatchResult[];
  serverCpuMs: number;
  serverTickMs: number;
  upstreamCpuMs: number;
  validated: number;
  invalid: string[];
}

function summarise(t: Tally, withServer: boolean): ModeResult {
  const samples = t.batches.flatMap((b) => b.samples);
  const ttfb = samples.map((s) => s.ttfbMs);
  const total = samples.map((s) => s.totalMs);
  const n = samples.length;
  const wall = t.batches.reduce((sum, b) => sum + b.wallMs, 0);
  return {
    requests: n,
    errors: t.batches.reduce((sum, b) => sum + b.errors.length, 0),
    validated: t.validated,
    invalid: t.invalid.slice(0, 5),
    ttfbP50: round(percentile(ttfb, 50), 3),
    ttfbP99: round(percentile(ttfb, 99), 3),
    totalP50: round(percentile(total, 50), 3),
    totalP99: round(percentile(total, 99), 3),
    reqPerSec: round((n / wall) * 1000, 1),
    ...(withServer ? { serverCpuMsPerReq: round(t.serverCpuMs / n, 4), serverCpuMsPerReqTicks: round(t.serverTickMs / n, 4) } : {}),
    upstreamCpuMsPerReq: round(t.upstreamCpuMs / n, 4),
  };
}

/** Monotonic clock in µs, the clock V8's .cpuprofile timestamps use. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

async function runScenario(s: Scenario, server: ServerChild, fakePid: number, served: { n: number; bun: number }, windows: [number, number][], floor?: Child, bunServer?: ServerChild): Promise<ScenarioResult> {
  const tally = (): Tally => ({ batches: [], serverCpuMs: 0, serverTickMs: 0, upstreamCpuMs: 0, validated: 0, invalid: [] });
  const tallies: Record<Mode, Tally> = { direct: tally(), proxy: tally(), bun: tally(), floor: tally() };
  const modes: Mode[] = ["direct", "proxy", ...(bunServer ? ["bun" as const] : []), ...(s.floor && floor ? ["floor" as const] : [])];
  const pidOf = (mode: Mode) => (mode === "floor" ? floor!.pid : mode === "bun" ? bunServer!.pid : server.pid);
  const check = (mode: Mode, r: BatchResult) => {
    for (const sample of r.samples) {
      if (sample.text === undefined || sample.status !== 200) continue;
      const problem = s.validate(mode, sample.text);
      tallies[mode].validated++;
      if (problem) tallies[mode].invalid.push(problem);
    }
  };
  // Warm-up (validated, not measured).
  for (const mode of modes) {
    const r = await runBatch((i) => s.target(mode, i, "warmup"), s.warmup, s.concurrency, (i) => i === 0);
    if (mode === "proxy") served.n += s.warmup;
    if (mode === "bun") served.bun += s.warmup;
    if (r.errors.length > 0) throw new Error(`${s.id} ${mode} warm-up: ${r.errors[0]}`);
    check(mode, r);
  }
  let offset: Record<Mode, number> = { direct: 0, proxy: 0, bun: 0, floor: 0 };
  for (let b = 0; b < s.batches; b++) {
    const size = Math.floor(s.count / s.batches) + (b < s.count % s.batches ? 1 : 0);
    const every = Math.max(1, Math.floor(size / 10));
    for (const mode of b % 2 === 0 ? modes : [...modes].reverse()) {
      const base = offset[mode];
      const t = tallies[mode];
      const pid = pidOf(mode);
      const up0 = cpuMs(fakePid);
      const sv0 = cpuMs(pid);
      const tk0 = cpuMsFromStat(pid);
      const w0 = monoUs();
      const r = await runBatch((i) => s.target(mode, base + i, "measure"), size, s.concurrency, (i) => i % every === 0);
      if (mode === "proxy") windows.push([w0, monoUs()]);
      t.serverCpuMs += cpuMs(pid) - sv0;
      t.serverTickMs += cpuMsFromStat(pid) - tk0;
      t.upstreamCpuMs += cpuMs(fakePid) - up0;
      t.batches.push(r);
      offset = { ...offset, [mode]: base + size };
      if (mode === "proxy") served.n += size;
      if (mode === "bun") served.bun += size;
      check(mode, r);
      for (const e of r.errors.slice(0, 3)) t.invalid.push(e);
    }
  }
  const direct = summarise(tallies.direct, false);
  const proxy = summarise(tallies.proxy, true);
  const floorResult = modes.includes("floor") ? summarise(tallies.floor, true) : undefined;
  const bunResult = bunServer ? summarise(tallies.bun, true) : undefined;
  const mem = memory(server.pid);
  return {
    id: s.id,
    group: s.group,
    title: s.title,
    concurrency: s.concurrency,
    direct,
    proxy,
    ...(floorResult ? { floor: floorResult } : {}),
    ...(bunResult ? { bun: bunResult, bunRssMb: memory(bunServer!.pid).rssMb } : {}),
    addedTtfbP50Ms: round(proxy.ttfbP50 - direct.ttfbP50, 3),
    totalP50Ratio: round(proxy.totalP50 / direct.totalP50, 2),
    reqPerSecRatio: round(proxy.reqPerSec / direct.reqPerSec, 2),
    serverRssMb: mem.rssMb,
    serverPeakRssMb: mem.peakRssMb,
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { child: fakeChild, info: fake } = await startFake();
  let server: ServerChild | undefined;
  let bunServer: ServerChild | undefined;
  let floor: Child | undefined;
  const home = mkdtempSync(join(tmpdir(), "copilot-api-bench-home-"));
  try {
    const upstream = await directSession(fake);
    process.stdout.write(`fake upstream at ${fake.url}; cold starts (${options.coldRuns})…\n`);
    const bun = options.node ? undefined : bunBinary();
    const bunVersion = bun ? execFileSync(bun, ["--version"], { encoding: "utf8" }).trim() : undefined;
    if (!bun) process.stdout.write("no Bun (e2e/clients not installed, BENCH_BUN unset, or --node): Node only\n");
    const cold = await coldStarts(fake, upstream, options.coldRuns, home, bun);
    process.stdout.write(`cold start: first request served after ${cold.firstServedMs.join(", ")} ms on Node` +
      `${cold.bun ? `, ${cold.bun.firstServedMs.join(", ")} ms on Bun ${bunVersion}` : ""}; floor proxy median ${cold.floorFirstServedMs} ms\n`);

    const profFlags = options.prof ? ["--cpu-prof", "--cpu-prof-dir", options.prof] : [];
    if (options.prof) mkdirSync(options.prof, { recursive: true });
    floor = await startFloor(upstream.capiUrl, upstream.token, staticUpstreamHeaders());
    server = await startServer(fake, { nodeFlags: profFlags, gcHook: true, home, entry: options.prof ? UNBUNDLED_MAIN_JS : undefined });
    if (bun) bunServer = await startServer(fake, { bun, gcHook: true, home });
    await sleep(2000); // start-up work done, then idle
    // All three measured at the same moment, each some seconds after its start.
    const idle = memory(server.pid);
    cold.floorIdleRssMb = memory(floor.pid).rssMb;
    const bunIdle = bunServer ? memory(bunServer.pid) : undefined;
    process.stdout.write(`copilot-api (pid ${server.pid}) at ${server.url}: ${idle.rssMb} MB RSS idle${bunServer ? `; under Bun (pid ${bunServer.pid}) at ${bunServer.url}: ${bunIdle!.rssMb} MB` : ""}\n`);

    const served = { n: 0, bun: 0 };
    const all = buildScenarios(fake, upstream, server.url, options.scale, floor ? `http://127.0.0.1:${floor.port}` : undefined, bunServer?.url);
    const scenarios = options.only ? all.filter((s) => options.only!.some((o) => s.id === o || s.id.startsWith(`${o}`))) : all;
    const results: ScenarioResult[] = [];
    const windows: [number, number][] = [];
    for (const s of scenarios) {
      const r = await runScenario(s, server, fakeChild.pid, served, windows, floor, bunServer);
      results.push(r);
      const bad = r.direct.invalid.length + r.proxy.invalid.length;
      process.stdout.write(
        `${s.id.padEnd(10)} ttfb p50 ${r.direct.ttfbP50.toFixed(3)} → ${r.proxy.ttfbP50.toFixed(3)} ms, total p50 ${r.direct.totalP50.toFixed(2)} → ${r.proxy.totalP50.toFixed(2)} ms, ` +
          `${r.direct.reqPerSec} → ${r.proxy.reqPerSec} req/s, server CPU ${r.proxy.serverCpuMsPerReq} ms/req (ticks: ${r.proxy.serverCpuMsPerReqTicks})` +
          `${r.floor ? ` [floor proxy ${r.floor.serverCpuMsPerReq}]` : ""}${r.bun ? ` [Bun ${r.bun.serverCpuMsPerReq}, total p50 ${r.bun.totalP50.toFixed(2)} ms]` : ""}, RSS ${r.serverRssMb} MB` +
          `${bad ? `; INVALID: ${[...r.direct.invalid, ...r.proxy.invalid].slice(0, 3).join(" | ")}` : ""}\n`,
      );
    }

    const afterRun = memory(server.pid);
    const bunAfterRun = bunServer ? memory(bunServer.pid) : undefined;
    await sleep(options.idleWaitMs);
    const afterIdle = memory(server.pid);
    const bunAfterIdle = bunServer ? memory(bunServer.pid) : undefined;
    server.proc.kill("SIGUSR2");
    bunServer?.proc.kill("SIGUSR2");
    await sleep(1000);
    const afterGc = memory(server.pid);
    const bunAfterGc = bunServer ? memory(bunServer.pid) : undefined;
    const mem: MemoryResult = {
      idleRssMb: idle.rssMb,
      idlePeakRssMb: idle.peakRssMb,
      requestsServed: served.n,
      afterRunRssMb: afterRun.rssMb,
      afterIdleRssMb: afterIdle.rssMb,
      afterGcRssMb: afterGc.rssMb,
      peakRssMb: afterGc.peakRssMb,
      ...(bunServer
        ? {
            bun: {
              idleRssMb: bunIdle!.rssMb,
              idlePeakRssMb: bunIdle!.peakRssMb,
              requestsServed: served.bun,
              afterRunRssMb: bunAfterRun!.rssMb,
              afterIdleRssMb: bunAfterIdle!.rssMb,
              afterGcRssMb: bunAfterGc!.rssMb,
              peakRssMb: bunAfterGc!.peakRssMb,
            },
          }
        : {}),
    };
    await server.stop();
    server = undefined;
    await bunServer?.stop();
    bunServer = undefined;

    // The ledger's own cost, after the memory figures: two more servers, one with --no-ledger.
    // Non-streaming requests are where a per-request cost weighs most.
    let ledger: LedgerCost[] | undefined;
    let ledgerWork: BenchResults["ledgerWork"];
    if (!options.only || options.only.includes("ledger")) {
      ledgerWork = await measureLedgerWork();
      process.stdout.write(`ledger    work alone: ${ledgerWork.cpuUsPerRow} µs CPU per request, ${ledgerWork.fileBytesPerRow} bytes per row\n`);
      ledger = await measureLedgerCost(fake, all.filter((s) => ["a1", "a32", "c32"].includes(s.id)), (l) => process.stdout.write(l));
    }

    const partial = { date: new Date().toISOString(), machine: { ...machine(), ...(bunVersion ? { bun: bunVersion } : {}) }, options: { ...options, out: options.out === undefined ? undefined : relative(ROOT, options.out) }, coldStart: cold, memory: mem, scenarios: results, ledger, ledgerWork };
    const full: BenchResults = { ...partial, targets: checkTargets(partial) };
    const md = markdown(full);
    process.stdout.write(`\n${md}`);
    if (options.out) {
      mkdirSync(join(options.out, ".."), { recursive: true });
      writeFileSync(`${options.out}.json`, `${JSON.stringify(full, null, 2)}\n`);
      writeFileSync(`${options.out}.md`, md);
      process.stdout.write(`\nwrote ${options.out}.json and ${options.out}.md\n`);
    }
    if (options.prof) {
      writeFileSync(join(options.prof, "windows.json"), JSON.stringify(windows));
      for (const f of readdirSync(options.prof).filter((x) => x.endsWith(".cpuprofile"))) {
        process.stdout.write(`\n${printSummary(join(options.prof, f), 30, windows)}\n`);
      }
    }
    const invalid = results.reduce((n, r) => n + r.direct.invalid.length + r.proxy.invalid.length, 0);
    if (invalid > 0) process.exitCode = 1;
  } finally {
    await server?.stop();
    await bunServer?.stop();
    await floor?.stop();
    await fakeChild.stop();
    rmSync(home, { recursive: true, force: true });
    await agent.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
