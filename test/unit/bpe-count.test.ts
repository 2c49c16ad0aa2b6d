import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BpeCounter } from "../../src/tokens/bpe-count.js";
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
});
