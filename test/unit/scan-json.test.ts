import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { MAX_JSON_DEPTH, scanJson } from "../../src/http/request.js";

/**
 * scanJson must be an exact stand-in for TextDecoder + JSON.parse: the same bodies accepted, the
 * same values out, the same bodies refused. Checked against TextDecoder on generated JSON and on
 * arbitrary bytes around it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const decoder = new TextDecoder();

type Outcome = { ok: true; value: unknown } | { ok: false };

function viaTextDecoder(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

function viaScan(bytes: Uint8Array): Outcome {
  const text = scanJson(bytes, 1_000_000);
  assert.ok(text !== undefined);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const unicode = fc.string({ unit: "binary", maxLength: 30 });
const json = fc.jsonValue({ maxDepth: 4, stringUnit: "binary" } as never);

describe("scanJson", () => {
  test("any JSON value, as UTF-8 bytes, comes back as the same value", () => {
    fc.assert(
      fc.property(json, (v) => {
        const bytes = Buffer.from(JSON.stringify(v));
        assert.deepEqual(viaScan(bytes), viaTextDecoder(bytes));
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  test("text with non-ASCII characters in keys and values stays one string of ASCII escapes", () => {
    const body = { model: "claude-sonnet-4-5", "clé": "naïve — 日本語 🎉", messages: [{ role: "user", content: "é\u2028\ud83d\ude00" }] };
    const text = scanJson(Buffer.from(JSON.stringify(body)), MAX_JSON_DEPTH)!;
    assert.match(text, /^[\x00-\x7f]*$/);
    assert.deepEqual(JSON.parse(text), body);
  });

  test("arbitrary bytes spliced into JSON: accepted and refused exactly as TextDecoder + JSON.parse would", () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 8 }),
      fc.constantFrom([0xff], [0xc0, 0xaf], [0xe2, 0x28, 0xa1], [0xf0, 0x90, 0x80], [0xed, 0xa0, 0x80], [0x80], [0x5c, 0xc3, 0xa9], [0x5c], [0x22], [0xef, 0xbb, 0xbf]).map((a) => Uint8Array.from(a)),
      unicode.map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(json, fc.nat(), bytesArb, (v, at, inserted) => {
        const base = Buffer.from(JSON.stringify({ a: v, b: "text é" }));
        const k = at % (base.length + 1);
        const bytes = Buffer.concat([base.subarray(0, k), inserted, base.subarray(k)]);
        assert.deepEqual(viaScan(bytes), viaTextDecoder(bytes), `bytes ${bytes.toString("hex")}`);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  test("a backslash before a non-ASCII character is still an invalid escape", () => {
    const bytes = Buffer.from('{"a":"x\\é"}');
    assert.equal(viaTextDecoder(bytes).ok, false);
    assert.equal(viaScan(bytes).ok, false);
  });

  test("a leading byte-order mark is dropped, as TextDecoder drops it", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é"}')]);
    assert.deepEqual(viaScan(bytes), { ok: true, value: { a: "é" } });
  });

  test("nesting deeper than the limit is refused; brackets inside strings do not count", () => {
    assert.equal(scanJson(Buffer.from(`${"[".repeat(11)}${"]".repeat(11)}`), 10), undefined);
    assert.equal(scanJson(Buffer.from(`${"[".repeat(10)}${"]".repeat(10)}`), 10), `${"[".repeat(10)}${"]".repeat(10)}`);
    const inString = `{"a":"${"[".repeat(50)}\\"${"{".repeat(50)}é"}`;
    assert.deepEqual(JSON.parse(scanJson(Buffer.from(inString), 10)!), JSON.parse(inString));
  });

  test("bodies past the escape budget (many non-ASCII runs, or long ones) decode as TextDecoder does", () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const bodies = [
      Buffer.from(JSON.stringify({ t: "caf\u00e9 ".repeat(10_000), k: { "\u00e9": ["\u00fc"] } })),
      Buffer.concat([bom, Buffer.from(JSON.stringify({ t: "\u6f22".repeat(100_000) }))]),
      Buffer.concat([Buffer.from(`{"t":"${"\u00e9a".repeat(5_000)}`), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]),
      Buffer.from(`{"t":"${"\u00e9a".repeat(5_000)}\\\u00e9"}`),
      Buffer.from(`{"t":"${"\u00e9a".repeat(5_000)}"}\u00e9`),
    ];
    for (const bytes of bodies) assert.deepEqual(viaScan(bytes), viaTextDecoder(bytes));
  });

  test("past the escape budget a body is decoded in one call, not escaped run by run", () => {
    // Escaping each non-ASCII run by string concatenation took ~1 µs a character plus a call per
    // run: 3 MB of CJK, or "é" in every word, held the event loop for seconds. Which path ran shows
    // in the text: the run-by-run path writes \uXXXX escapes, the whole decode keeps the characters.
    const scanned = (value: string) => scanJson(Buffer.from(JSON.stringify({ t: value })), MAX_JSON_DEPTH)!;
    assert.ok(scanned("caf\u00e9 ".repeat(10)).includes("\\u00e9"), "a few runs are escaped");
    assert.ok(!scanned("caf\u00e9 ".repeat(10)).includes("\u00e9"));
    assert.ok(scanned("caf\u00e9 ".repeat(10_000)).includes("\u00e9"), "many short runs: decoded whole");
    assert.ok(scanned("\u6f22".repeat(100_000)).includes("\u6f22"), "one long run: decoded whole");
    assert.ok(scanned("\ud83d\ude00".repeat(50_000)).includes("\ud83d\ude00"), "emoji: decoded whole");
  });
});
