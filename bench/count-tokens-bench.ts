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

const MODEL: CopilotModel = { id: "claude-sonnet-4.6", vendor: "Anthropic", capabilities: { tokenizer: "o200k_base" } };

// Vocabulary deliberately different from src/tokens/warm-up-text.ts, so the warm-up cannot pre-cache it.
const VOCAB = (
  "agent shell invoke sandbox worktree notebook cell cron schedule wakeup report finding skill workflow " +
  "background process terminal stdout stderr exit code permission approval denied allowed glob pattern " +
  "regex multiline offset limit line lines character encoding utf8 binary image screenshot pdf page range " +
  "timeout milliseconds seconds minutes retry backoff network fetch url domain redirect markdown html " +
  "summary summarize concise verbose detailed accurate precise careful thorough quickly efficiently " +
  "parallel sequential independent dependent batch single multiple several various specific general " +
  "create update delete list get stop output send receive spawn subagent teammate mailbox inbox channel " +
  "interface implementation refactor rename migrate deprecate upgrade install configure environment variable " +
  "documentation comment docstring annotation decorator generic template macro closure iterator generator"
).split(" ");

function generator(seed: number) {
  let s = seed >>> 0;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
  const word = () => VOCAB[rnd(VOCAB.length)]!;
  const sentence = (min = 8, spread = 16) => {
    const n = min + rnd(spread);
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(word());
    ws[0] = ws[0]![0]!.toUpperCase() + ws[0]!.slice(1);
    if (rnd(3) === 0) ws.push(`(e.g. \`${word()}-${word()}\` — ${rnd(1000)} ${word()})`);
    return `${ws.join(" ")}.`;
  };
  const paragraph = (sentences: number) => Array.from({ length: sentences }, () => sentence()).join(" ");
  return { rnd, word, sentence, paragraph };
}

export function syntheticBody(seed: number): Record<string, unknown> {
  const g = generator(seed);
  const tools = Array.from({ length: 24 }, (_, i) => {
    const props: Record<string, unknown> = {};
    for (let p = 0, n = 2 + g.rnd(5); p < n; p++) {
      props[`${g.word()}_${g.word()}${p}`] = {
        type: ["string", "number", "boolean", "array", "object"][g.rnd(5)],
        description: g.paragraph(1 + g.rnd(2)),
        ...(g.rnd(3) === 0 ? { enum: [g.word(), g.word(), g.word()] } : {}),
      };
    }
    const description = Array.from({ length: 2 + g.rnd(2) }, () => `## ${g.word()}\n${g.paragraph(5 + g.rnd(4))}\n- ${g.sentence()}\n- ${g.sentence()}`).join("\n\n");
    return {
      name: `${g.word()[0]!.toUpperCase()}${g.word()}${i}`,
      description,
      input_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: props,
        required: Object.keys(props).slice(0, 1 + g.rnd(2)),
        additionalProperties: false,
      },
    };
  });
  let systemPrompt = "";
  while (systemPrompt.length < 6_000) systemPrompt += `# ${g.word()}\n${g.paragraph(4)}\n\n`;
  const messages = [
    {
      role: "user",
      content: [
        { type: "text", text: `<system-reminder>\n${g.paragraph(12)}\n</system-reminder>` },
        { type: "text", text: `<system-reminder>\n${g.paragraph(30)}\n</system-reminder>` },
        { type: "text", text: g.sentence(), cache_control: { type: "ephemeral" } },
      ],
    },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "Bash", input: { command: "ls -la src", description: g.sentence() } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: g.paragraph(20), is_error: false }] },
  ];
  let body: Record<string, unknown> = {
    model: "claude-sonnet-4-6",
    max_tokens: 32000,
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=sdk-cli;" },
      { type: "text", text: "You are a Claude agent, built on Anthropic's Claude Agent SDK.", cache_control: { type: "ephemeral" } },
      { type: "text", text: systemPrompt, cache_control: { type: "ephemeral" } },
    ],
    messages,
    tools,
  };
  // Pad the tool descriptions until the body is ~112 KB, the size of a first Claude Code turn.
  let size = JSON.stringify(body).length;
  let i = 0;
  while (size < 112_000) {
    const t = tools[i++ % tools.length]!;
    const extra = `\n\n${g.paragraph(6)}`;
    t.description += extra;
    size += extra.length;
  }
  body = { ...body, tools };
  return body;
}

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
