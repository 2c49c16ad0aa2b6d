// Timing of countAnthropicTokens on a synthetic Claude-Code-sized body (~112 KB: 24 tools with long
// descriptions and JSON schemas, a ~6 KB system prompt, a few messages). Not a test: prints figures.
//
//   npx tsc -p tsconfig.json --outDir .build-tokens --tsBuildInfoFile .build-tokens/.tsbuildinfo
//   node .build-tokens/bench/count-tokens-bench.js
//
// Runs each mode in fresh child processes (RUNS=5 by default), so module load and JIT state are
// honest, and prints the median (min..max) of each figure:
//   warm   - warmTokenCounter() at start, then first / repeated counts of body A, a fresh body B, a next turn
//   cold   - no warm-up: the very first count in the process pays table load and JIT
//   image  - a message carrying a 4 MB base64 PNG screenshot in a tool_result

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { clearTokenCountCache, countAnthropicTokens, tokenCountCacheStats, warmTokenCounter } from "../src/tokens/count-tokens.js";
import type { CopilotModel } from "../src/upstream/model-catalog.js";
import { syntheticBody } from "./claude-code-body.js";

const MODEL: CopilotModel = { id: "claude-sonnet-4.6", vendor: "Anthropic", capabilities: { tokenizer: "o200k_base" } };

/** A PNG of `width`x`height` whose IDAT is `padBytes` of filler: valid header, realistic size. */
function fakePngBase64(width: number, height: number, padBytes: number): string {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "ascii");
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  header[24] = 8;
  header[25] = 6;
  const pad = Buffer.alloc(padBytes);
  for (let i = 0; i < pad.length; i++) pad[i] = (i * 2654435761) >>> 24;
  return Buffer.concat([header, pad]).toString("base64");
}

function time<T>(fn: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runMode(mode: string): void {
  const out: Record<string, string | number> = { mode };
  if (mode !== "cold") {
    const [, warmMs] = time(() => warmTokenCounter("o200k_base"));
    out.warmUpMs = round(warmMs);
  }
  const a = syntheticBody(1);
  out.bodyBytes = JSON.stringify(a).length;
  if (mode === "image") {
    const msgs = a.messages as unknown[];
    msgs.push(
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_02", name: "Screenshot", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_02", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: fakePngBase64(2560, 1440, 3_000_000) } }] }] },
    );
    out.bodyBytes = JSON.stringify(a).length;
  }
  const [tokensA, firstMs] = time(() => countAnthropicTokens(a, MODEL));
  out.tokens = tokensA;
  out.firstMs = round(firstMs);
  const repeats: number[] = [];
  for (let i = 0; i < 20; i++) repeats.push(time(() => countAnthropicTokens(a, MODEL))[1]);
  out.repeatMedianMs = round(median(repeats));
  out.repeatMaxMs = round(Math.max(...repeats));
  if (mode === "warm") {
    // A different body (new words, new tools): first count in a process that has counted before.
    const b = syntheticBody(2);
    out.freshBodyFirstMs = round(time(() => countAnthropicTokens(b, MODEL))[1]);
    // The next turn of conversation A: same system and tools, two more messages.
    const next = { ...a, messages: [...(a.messages as unknown[]), { role: "assistant", content: [{ type: "text", text: "Done." }] }, { role: "user", content: "Now run the tests and summarise the failures." }] };
    out.nextTurnMs = round(time(() => countAnthropicTokens(next, MODEL))[1]);
    clearTokenCountCache();
    out.afterCacheClearMs = round(time(() => countAnthropicTokens(a, MODEL))[1]);
    out.cacheEntries = tokenCountCacheStats().entries;
  }
  console.log(JSON.stringify(out));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const mode = process.argv[2];
if (mode) {
  runMode(mode);
} else {
  // Each mode in RUNS fresh processes; prints the median of each figure, with min and max.
  const RUNS = Number(process.env.RUNS ?? 5);
  const self = fileURLToPath(import.meta.url);
  for (const m of ["cold", "warm", "image"]) {
    const rows: Record<string, number | string>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, [self, m], { encoding: "utf8" });
      if (r.status !== 0) {
        process.stdout.write(r.stderr);
        continue;
      }
      rows.push(JSON.parse(r.stdout) as Record<string, number | string>);
    }
    const summary: Record<string, string | number> = { mode: m, runs: rows.length };
    for (const k of Object.keys(rows[0] ?? {})) {
      if (k === "mode") continue;
      const xs = rows.map((r) => Number(r[k]));
      summary[k] = xs.every((x) => x === xs[0]) ? xs[0]! : `${round(median(xs))} (${round(Math.min(...xs))}..${round(Math.max(...xs))})`;
    }
    console.log(JSON.stringify(summary));
  }
}
