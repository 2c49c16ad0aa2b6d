// Instructions per request under valgrind's callgrind: a measure of the non-streaming path (a1, a32)
// that does not depend on the machine's load, for the floor proxy and copilot-api side by side.
//
//   npm run build && node dist/bench/callgrind.js [--only a1,a32] [--requests 400] [--warmup 300]
//                 [--no-floor] [--entry <file.mjs or .js>]... [--args "<start flags>"]
//
// Each server runs alone under `valgrind --tool=callgrind` with instrumentation off; after a warm-up
// (V8 has compiled and optimised the hot code), instrumentation is switched on (callgrind_control -i),
// a few more requests go through, the counters are zeroed, the measured batch is sent, and the dump's
// total instruction count (all threads: main, GC and compiler helpers) is divided by the requests.
// `--entry` may be given several times (e.g. another build's dist/copilot-api.mjs) to compare builds in
// one run. Needs valgrind (apt-get install valgrind). docs/benchmark.md says what the figures were.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { type Child, MAIN_JS, startFake, startFloor, startServer } from "./children.js";
import { agent, runBatch } from "./load.js";
import { buildScenarios, directSession, type Mode, type Scenario, staticUpstreamHeaders } from "./scenarios.js";

interface Options {
  only: string[];
  requests: number;
  warmup: number;
  floor: boolean;
  entries: string[];
  args: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { only: ["a1", "a32"], requests: 400, warmup: 300, floor: true, entries: [], args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--only") o.only = value().split(",");
    else if (a === "--requests") o.requests = Number(value());
    else if (a === "--warmup") o.warmup = Number(value());
    else if (a === "--no-floor") o.floor = false;
    else if (a === "--entry") o.entries.push(resolve(value()));
    else if (a === "--args") o.args = value().split(" ").filter(Boolean);
    else throw new Error(`unknown option ${a}`);
  }
  if (o.entries.length === 0) o.entries.push(MAIN_JS);
  return o;
}

/** Total instructions in a callgrind dump ("totals:" or "summary:" line). */
function totalOf(file: string): number {
  const m = readFileSync(file, "utf8").match(/^(?:totals|summary):\s*(\d+)/m);
  if (!m) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

const control = (pid: number, ...args: string[]) => execFileSync("callgrind_control", [...args, String(pid)], { encoding: "utf8", stdio: "pipe" });

/** Instructions per request of `scenario` sent in `mode` to the server `pid` (running under callgrind, instrumentation off). */
async function measure(pid: number, outDir: string, scenario: Scenario, mode: Mode, o: Options): Promise<number> {
  const target = (i: number) => scenario.target(mode, i, "measure");
  const check = (errors: string[]) => {
    if (errors.length > 0) throw new Error(`${scenario.id} ${mode}: ${errors[0]}`);
  };
  // A few errors are allowed in the two warm-ups (never in the measured batch): a keep-alive connection
  // left idle for 5 s while valgrind dumped or re-instrumented (the server's to the client, the floor's
  // to the fake) is closed by its server, and its first reuse fails.
  const warm = async (n: number) => {
    const r = await runBatch(target, n, scenario.concurrency);
    // At most one per pooled connection, and a tenth.
    if (r.errors.length > scenario.concurrency + n / 10) check(r.errors);
  };
  await warm(o.warmup);
  control(pid, "-i", "on");
  // Instrumented code is translated again on first use: not counted.
  await warm(Math.max(scenario.concurrency, 20));
  const before = new Set(readdirSync(outDir));
  control(pid, "-z");
  check((await runBatch(target, o.requests, scenario.concurrency)).errors);
  control(pid, "-d");
  control(pid, "-i", "off");
  const dumps = readdirSync(outDir).filter((f) => !before.has(f));
  if (dumps.length !== 1) throw new Error(`expected one new callgrind dump, found ${dumps.join(", ") || "none"}`);
  return totalOf(join(outDir, dumps[0]!)) / o.requests;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const outDir = mkdtempSync(join(tmpdir(), "copilot-api-callgrind-"));
  const valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${join(outDir, "callgrind.out.%p")}`];
  const { child: fakeChild, info: fake } = await startFake();
  let running: Child | undefined;
  const rows: string[] = [];
  const report = (name: string, id: string, perRequest: number) => {
    const line = `${name.padEnd(48)} ${id.padEnd(5)} ${(perRequest / 1e6).toFixed(3)} M instructions per request`;
    rows.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    const upstream = await directSession(fake);
    if (o.floor) {
      const floor = await startFloor(upstream.capiUrl, upstream.token, staticUpstreamHeaders(), valgrind);
      running = floor;
      const scenarios = buildScenarios(fake, upstream, "http://127.0.0.1:1", 1, `http://127.0.0.1:${floor.port}`).filter((s) => o.only.includes(s.id));
      for (const s of scenarios) report("floor proxy", s.id, await measure(floor.pid, outDir, s, "floor", o));
      await floor.stop();
      running = undefined;
    }
    for (const entry of o.entries) {
      const server = await startServer(fake, { wrapper: valgrind, entry, args: o.args });
      running = server;
      const scenarios = buildScenarios(fake, upstream, server.url, 1).filter((s) => o.only.includes(s.id));
      for (const s of scenarios) report(`copilot-api ${entry === MAIN_JS ? "(this build)" : basename(entry)}`, s.id, await measure(server.pid, outDir, s, "proxy", o));
      await server.stop();
      running = undefined;
    }
    process.stdout.write(`\n${rows.join("\n")}\n`);
  } finally {
    await running?.stop();
    await fakeChild.stop();
    await agent.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
