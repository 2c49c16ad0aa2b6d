import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { BpeCounter, PIECE_CHUNK_CHARS } from "../../src/tokens/bpe-count.js";
import { ownCopy } from "../../src/text.js";
import { runToEnd, slicedMeter } from "../../src/tokens/work-steps.js";
import { loadRankTable, RankTable, scanRanksSource, unescapeJs } from "../../src/tokens/bpe-ranks.js";

const require = createRequire(import.meta.url);
const ENCODINGS = ["o200k_base", "cl100k_base"] as const;

interface Core {
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  getBpeRankFromString(text: string): number | undefined;
}
interface Api {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
  bytePairEncodingCoreProcessor: Core;
}

function reference(encoding: string): Api {
  return require(`gpt-tokenizer/encoding/${encoding}`).default as Api;
}

/** gpt-tokenizer's count with special-token text as ordinary text: what tokenizer.ts has always asked for. */
function referenceCount(api: Api, text: string): number {
  try {
    return api.countTokens(text);
  } catch {
    return api.countTokens(text, { disallowedSpecial: new Set() });
  }
}

/** Prose, code and JSON from this repository, and generated text full of the awkward cases. */
function corpus(): string[] {
  const texts: string[] = [];
  const root = join(import.meta.dirname, "..", "..", "..");
  for (const dir of ["src/tokens", "src/routes", "docs"]) {
    try {
      for (const f of readdirSync(join(root, dir))) if (/\.(ts|md)$/.test(f)) texts.push(readFileSync(join(root, dir, f), "utf8"));
    } catch {
      // a layout without docs/
    }
  }
  let seed = 11;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  for (let k = 0; k < 3000; k++) {
    let s = "";
    for (let j = 0, n = 1 + rnd(80); j < n; j++) {
      const r = rnd(11);
      if (r < 3) s += String.fromCharCode(32 + rnd(95));
      else if (r < 5) s += String.fromCharCode(0x80 + rnd(0x700));
      else if (r < 6) s += String.fromCodePoint(0x1f300 + rnd(500));
      else if (r < 7) s += "\uFEFF"; // gpt-tokenizer's TextDecoder drops a leading byte-order mark when merging
      else if (r < 8) s += String.fromCharCode(0x4e00 + rnd(2000));
      else if (r < 9) s += String.fromCharCode(0xd800 + rnd(0x800)); // lone surrogates
      else if (r < 10) s += String.fromCharCode(rnd(0x10000));
      else s += " \n\t"[rnd(3)];
    }
    texts.push(s);
  }
  texts.push("<|endoftext|> hi <|im_start|>", "\uFEFF\uFEFFabc", "a\uFEFFb", "", "   ", "x".repeat(5000), "=".repeat(3000), "🙂🙂🙂", " \uFEFF\uFEFF\uFEFF");
  return texts;
}

describe("bpe-count: gpt-tokenizer's counts from typed-array tables", () => {
  for (const encoding of ENCODINGS) {
    it(`${encoding}: every token is found as gpt-tokenizer finds it`, () => {
      const table = loadRankTable(encoding);
      const core = reference(encoding).bytePairEncodingCoreProcessor;
      const entries = require(`gpt-tokenizer/cjs/bpeRanks/${encoding}`).default as (string | number[] | undefined)[];
      const utf8 = new TextEncoder();
      let checked = 0;
      entries.forEach((e) => {
        if (e === undefined) return;
        const bytes = typeof e === "string" ? utf8.encode(e) : Uint8Array.from(e);
        assert.equal(table.rankOfBytes(bytes, 0, bytes.length), core.getBpeRankFromBytes(bytes) ?? -1, JSON.stringify(e));
        if (typeof e === "string") assert.equal(table.rankOfText(bytes, 0, bytes.length), core.getBpeRankFromString(e) ?? -1);
        checked++;
      });
      assert.ok(checked > 100_000);
    });

    it(`${encoding}: counts equal gpt-tokenizer's on code, prose, unicode, byte-order marks and lone surrogates`, () => {
      const counter = BpeCounter.load(encoding);
      const api = reference(encoding);
      for (const text of corpus()) assert.equal(counter.count(text), referenceCount(api, text), JSON.stringify(text.slice(0, 80)));
    });
  }

  it("keeps the built table in the cache directory and reads it back; a stale stamp rebuilds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bpe-cache-"));
    try {
      const built = loadRankTable("cl100k_base", dir);
      // the cache is written in the background
      for (let i = 0; i < 100 && !readdirSync(dir).includes("bpe-cl100k_base.bin"); i++) await new Promise((r) => setTimeout(r, 20));
      const file = join(dir, "bpe-cl100k_base.bin");
      const cached = loadRankTable("cl100k_base", dir);
      const probe = new TextEncoder().encode(" hello");
      assert.equal(cached.rankOfText(probe, 0, probe.length), built.rankOfText(probe, 0, probe.length));
      assert.equal(cached.size, built.size);
      const bytes = readFileSync(file);
      assert.ok(RankTable.deserialize(bytes, "some other stamp") === undefined);
      // A truncated or garbled cache is ignored, not trusted.
      writeFileSync(file, bytes.subarray(0, 1000));
      const rebuilt = loadRankTable("cl100k_base", dir);
      assert.equal(rebuilt.rankOfText(probe, 0, probe.length), built.rankOfText(probe, 0, probe.length));
      // ...and replaced by a good one (written in the background again).
      for (let i = 0; i < 100 && readFileSync(file).length !== bytes.length; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(readFileSync(file).length, bytes.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads JavaScript string escapes the way the table module means them", () => {
    assert.equal(unescapeJs(String.raw`a\"b\\c\n\t\u00e9\x41\u{1F600}`), 'a"b\\c\n\téA😀');
    assert.equal(scanRanksSource(new TextEncoder().encode("module.exports = 1")), undefined);
  });

  it("merges a 200,000-byte run of one character class with linear work", () => {
    // chunkChars Infinity: the merge itself, on the whole run, as no request can make it do.
    const whole = BpeCounter.load("o200k_base", undefined, { chunkChars: Number.POSITIVE_INFINITY });
    for (const ch of ["a", "=", " "]) {
      const steps = (n: number) => {
        const before = whole.mergeSteps;
        whole.count(ch.repeat(n));
        return whole.mergeSteps - before;
      };
      const half = steps(100_000);
      const full = steps(200_000);
      // gpt-tokenizer's scan does ~n/2 rank comparisons per merge: billions here.
      assert.ok(full <= 12 * 200_000, `${JSON.stringify(ch)}: ${full} steps for 200,000 bytes`);
      assert.ok(full <= 2.2 * half, `${JSON.stringify(ch)}: ${half} steps for 100,000, ${full} for 200,000`);
    }
  });

  it("counts long runs in chunks with the same result as whole on runs of one class", () => {
    const chunked = BpeCounter.load("o200k_base");
    const whole = BpeCounter.load("o200k_base", undefined, { chunkChars: Number.POSITIVE_INFINITY });
    for (const ch of ["a", "Z", "=", " ", "\n", "中", "🙂", "é"]) {
      const text = ch.repeat(Math.ceil((PIECE_CHUNK_CHARS * 5 + 7) / ch.length));
      assert.equal(chunked.count(text), whole.count(text), JSON.stringify(ch));
    }
    // A chunk boundary never splits a surrogate pair (each half would count as U+FFFD).
    const odd = `x${"🙂".repeat(PIECE_CHUNK_CHARS)}`;
    assert.equal(chunked.count(odd), whole.count(odd));
  });

  it("countSteps pauses every slice of work, and paused counts on one counter do not mix", () => {
    const counter = BpeCounter.load("o200k_base");
    const a = "a".repeat(200_000);
    const b = `${"=".repeat(50_000)} hello world ${"x".repeat(30_000)}`;
    const meterA = slicedMeter(8_000);
    const meterB = slicedMeter(8_000);
    const stepsA = counter.countSteps(a, meterA);
    const stepsB = counter.countSteps(b, meterB);
    let pauses = 0;
    let resultA: number | undefined;
    let resultB: number | undefined;
    // Alternate the two, as two requests counted in slices do.
    while (resultA === undefined || resultB === undefined) {
      if (resultA === undefined) {
        const r = stepsA.next();
        if (r.done) resultA = r.value;
        else pauses++;
      }
      if (resultB === undefined) {
        const r = stepsB.next();
        if (r.done) resultB = r.value;
      }
    }
    assert.equal(resultA, counter.count(a));
    assert.equal(resultB, counter.count(b));
    assert.ok(pauses >= 50, `${pauses} pauses for a 200,000-letter run`);
    assert.equal(runToEnd(counter.countSteps("hello", slicedMeter())), counter.count("hello"));
  });

  it("ownCopy keeps no part of the string it was cut from alive", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const retained = (copy: (s: string) => string): number => {
      gc();
      const before = process.memoryUsage().heapUsed;
      // Flat one-byte parents of 1 MB each; a 20-character regex match out of each.
      const keys = Array.from({ length: 48 }, (_, i) => {
        const parent = Buffer.alloc(1_000_000, 97 + (i % 26)).toString("latin1") + String(i);
        return copy(/a+|b+|c+|[d-z]+/.exec(parent.slice(500_000, 500_020))![0]);
      });
      gc();
      const after = process.memoryUsage().heapUsed;
      assert.equal(keys.length, 48);
      return after - before;
    };
    // The control shows the test can see the leak: plain matches hold their parents.
    assert.ok(retained((s) => s) > 30_000_000, "plain slices keep their parents");
    assert.ok(retained(ownCopy) < 10_000_000, "copies do not");
  });
});
