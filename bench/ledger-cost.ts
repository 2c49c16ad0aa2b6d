// What the usage ledger costs: the same requests sent, interleaved, to two copilot-api processes
// that differ only in --no-ledger, with each one's CPU time read from /proc. The ledger's work (a
// row queued per request, one transaction a second) shows as the difference per request.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { Ledger } from "../src/ledger/ledger.js";
import { createLogger } from "../src/log.js";
import type { RequestRecord } from "../src/observability/recorder.js";
import { type FakeInfo, startServer, type ServerChild } from "./children.js";
import { runBatch } from "./load.js";
import { cpuMs } from "./proc-stats.js";
import type { Scenario } from "./scenarios.js";
import { round } from "./stats.js";

export interface LedgerCost {
  id: string;
  title: string;
  requests: number;
  /** Server CPU per request, ms. */
  withLedgerMs: number;
  withoutLedgerMs: number;
  /** (with − without) / without, in percent. */
  changePct: number;
}

/**
 * The ledger's own work per request, measured alone in this process: records queued and written in
 * the server's batches (one transaction per 500 rows), CPU time from process.cpuUsage(). Unlike the
 * two-server comparison this does not drown in the noise of a busy machine.
 */
export async function measureLedgerWork(rows = 20_000): Promise<{ rows: number; cpuUsPerRow: number; fileBytesPerRow: number }> {
  const dir = mkdtempSync(join(tmpdir(), "copilot-api-bench-ledger-"));
  const ledger = await Ledger.open({ dir, retentionDays: 90, log: createLogger(createConsola({ level: -999 })) });
  try {
    const record = (i: number): RequestRecord => ({
      id: i,
      time: Date.now(),
      method: "POST",
      path: "/v1/messages",
      api: "messages",
      model: "claude-sonnet-4.6",
      endpoint: "/v1/messages",
      initiator: i % 3 ? "agent" : "user",
      interaction: "messages-proxy",
      kind: i % 3 ? "tool-follow-up" : "user",
      client: "claude-code",
      stream: true,
      status: 200,
      durationMs: 1234.5,
      ttfbMs: 321.2,
      inputTokens: 45_000 + i,
      outputTokens: 800,
      cacheReadTokens: 40_000,
      cacheWriteTokens: 2000,
      nanoAiu: 29_100_000 + i,
      costEstimated: false,
    });
    // Warm-up: prepared statements, page cache, V8.
    for (let i = 0; i < 2000; i++) ledger.add(record(i));
    ledger.flush();
    const before = process.cpuUsage();
    for (let i = 0; i < rows; i++) {
      ledger.add(record(i));
      if ((i + 1) % 500 === 0) ledger.flush();
    }
    ledger.flush();
    const used = process.cpuUsage(before);
    const { statSync } = await import("node:fs");
    const size = statSync(ledger.file).size + (statSync(`${ledger.file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    return { rows, cpuUsPerRow: round((used.user + used.system) / rows, 2), fileBytesPerRow: round(size / (rows + 2000), 0) };
  } finally {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs each scenario's proxy requests against both servers in ABBA batches. */
export async function measureLedgerCost(fake: FakeInfo, scenarios: Scenario[], log: (line: string) => void): Promise<LedgerCost[]> {
  const servers: ServerChild[] = [];
  try {
    const withLedger = await startServer(fake);
    servers.push(withLedger);
    const withoutLedger = await startServer(fake, { args: ["--no-ledger"] });
    servers.push(withoutLedger);
    const out: LedgerCost[] = [];
    for (const s of scenarios) {
      const at = (server: ServerChild) => {
        const origin = new URL(server.url).origin;
        return (i: number, phase: "warmup" | "measure") => ({ ...s.target("proxy", i, phase), origin });
      };
      const sides = [
        { server: withLedger, target: at(withLedger), cpu: 0, n: 0 },
        { server: withoutLedger, target: at(withoutLedger), cpu: 0, n: 0 },
      ];
      for (const side of sides) await runBatch((i) => side.target(i, "warmup"), s.warmup, s.concurrency, () => false);
      // Many small batches, alternating ABBA, so that both sides see the same share of a busy
      // machine's drift; twice the scenario's requests in all.
      const batches = 40;
      for (let b = 0; b < batches; b++) {
        const size = Math.max(s.concurrency, Math.floor((2 * s.count) / batches));
        for (const side of b % 2 === 0 ? sides : [...sides].reverse()) {
          const before = cpuMs(side.server.pid);
          const r = await runBatch((i) => side.target(b * size + i, "measure"), size, s.concurrency, () => false);
          if (r.errors.length > 0) throw new Error(`ledger cost ${s.id}: ${r.errors[0]}`);
          side.cpu += cpuMs(side.server.pid) - before;
          side.n += r.samples.length;
        }
      }
      const [w, wo] = sides as [(typeof sides)[0], (typeof sides)[0]];
      const result: LedgerCost = {
        id: s.id,
        title: s.title,
        requests: w.n,
        withLedgerMs: round(w.cpu / w.n, 4),
        withoutLedgerMs: round(wo.cpu / wo.n, 4),
        changePct: round(((w.cpu / w.n - wo.cpu / wo.n) / (wo.cpu / wo.n)) * 100, 1),
      };
      log(`ledger    ${s.id}: server CPU ${result.withoutLedgerMs} → ${result.withLedgerMs} ms/req with the ledger (${result.changePct >= 0 ? "+" : ""}${result.changePct}%), ${w.n} requests per side\n`);
      out.push(result);
    }
    return out;
  } finally {
    for (const s of servers) await s.stop();
  }
}
