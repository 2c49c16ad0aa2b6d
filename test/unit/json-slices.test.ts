import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decodeJsonSliced, JsonDepthError } from "../../src/http/decode-json-sliced.js";
import { encodeJsonSliced } from "../../src/http/encode-json-sliced.js";

/**
 * The sliced decoder and encoder must be exact stand-ins for TextDecoder + JSON.parse and for
 * JSON.stringify: the same values, the same refusals. Tiny pieces and slices make every path (runs
 * of members, large members, strings cut in pieces, pauses) run on small generated JSON.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const decoder = new TextDecoder();
const noWait = async () => {};

type Outcome = { ok: true; value: unknown } | { ok: false };

function reference(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

async function sliced(bytes: Uint8Array, pieceBytes: number): Promise<Outcome> {
  try {
    return { ok: true, value: await decodeJsonSliced(bytes, 1_000_000, { pieceBytes, sliceBytes: 7, pause: noWait }) };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false };
  }
}

const json = fc.jsonValue({ maxDepth: 5, stringUnit: "binary" } as never);
/** Characters that break JSON where they land: structure, quotes, escapes, a BOM, non-ASCII. */
const breaker = fc.constantFrom(",", ":", "[", "]", "{", "}", " ", '"', "1", "\\", "\\u12", "\ufeff", "\u00e9", "\ud83d");

describe("decodeJsonSliced", () => {
  test("any JSON text, pretty or not, decodes to the value JSON.parse gives", async () => {
    await fc.assert(
      fc.asyncProperty(json, fc.integer({ min: 1, max: 40 }), fc.boolean(), async (v, piece, pretty) => {
        const bytes = Buffer.from(JSON.stringify(v, null, pretty ? 1 : undefined));
        assert.deepEqual(await sliced(bytes, piece), reference(bytes));
      }),
      { numRuns: 3_000, seed: SEED },
    );
  });

  test("broken JSON is refused where JSON.parse refuses it, and accepted where it accepts it", async () => {
    await fc.assert(
      fc.asyncProperty(json, fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.nat(), breaker), { minLength: 1, maxLength: 3 }), async (v, piece, breaks) => {
        let text = JSON.stringify(v);
        for (const [at, s] of breaks) {
          const k = at % (text.length + 1);
          text = text.slice(0, k) + s + text.slice(k);
        }
        const bytes = Buffer.from(text);
        assert.deepEqual(await sliced(bytes, piece), reference(bytes));
      }),
      { numRuns: 6_000, seed: SEED },
    );
  });

  test("edge cases: trailing commas, empty members, a BOM, __proto__, duplicate keys", async () => {
    const cases = ["[1,]", "[,1]", "[1,,2]", '{"a":1,}', '{"a" 1}', '{"a":1 "b":2}', "[1] [2]", "\ufeff[1, 2]", "[1,\ufeff2]", '{"__proto__":{"x":1},"a":1,"a":2}', '"\\ud83d\\ude00"', "  [ ]  "];
    for (const text of cases) {
      const bytes = Buffer.from(text);
      for (const piece of [1, 2, 3, 64 * 1024]) assert.deepEqual(await sliced(bytes, piece), reference(bytes), `${text} in pieces of ${piece}`);
    }
    const proto = (await decodeJsonSliced(Buffer.from('{"__proto__":{"x":1},"b":[1,2,3]}'), 10, { pieceBytes: 1, pause: noWait })) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(proto), Object.prototype, "__proto__ is an own property, not the prototype");
    assert.deepEqual(Object.keys(proto), ["__proto__", "b"]);
  });

  test("nesting past the limit is refused; strings full of brackets are not nesting", async () => {
    await assert.rejects(decodeJsonSliced(Buffer.from(`${"[".repeat(11)}${"]".repeat(11)}`), 10, { pieceBytes: 1, pause: noWait }), JsonDepthError);
    const inString = Buffer.from(JSON.stringify({ a: "[".repeat(50) }));
    assert.deepEqual(await decodeJsonSliced(inString, 2, { pieceBytes: 1, pause: noWait }), { a: "[".repeat(50) });
  });

  test("a large body is parsed a slice at a time: bounded JSON.parse work between two pauses", async () => {
    // Work is counted, not timed: the text handed to JSON.parse between two pauses stays near one
    // slice, whether the body is 200,000 small items or one 8 MB string.
    const bodies = [
      Buffer.from(JSON.stringify({ model: "m", input: Array.from({ length: 200_000 }, (_, i) => ({ role: "user", content: `item ${i}` })) })),
      Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: "word \u00e9t\u00e9 ".repeat(800_000) }] })),
    ];
    for (const bytes of bodies) {
      const parse = JSON.parse;
      let sinceLastPause = 0;
      let most = 0;
      let pauses = 0;
      JSON.parse = ((text: string, reviver?: never) => {
        sinceLastPause += text.length;
        most = Math.max(most, sinceLastPause);
        return parse(text, reviver);
      }) as typeof JSON.parse;
      let value: unknown;
      try {
        value = await decodeJsonSliced(bytes, 256, {
          pause: async () => {
            pauses++;
            sinceLastPause = 0;
          },
        });
      } finally {
        JSON.parse = parse;
      }
      assert.deepEqual(value, JSON.parse(bytes.toString("utf8")));
      assert.ok(most < 400_000, `${most} characters parsed without a pause`);
      assert.ok(pauses >= (2 * bytes.length) / 256 / 1024 - 2, `${pauses} pauses for ${bytes.length} bytes`);
    }
  });
});

describe("encodeJsonSliced", () => {
  test("any value serialises to JSON.stringify's bytes", async () => {
    const value = fc.anything({
      maxDepth: 5,
      withDate: true,
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: false,
      withMap: false,
      withSet: false,
      withTypedArray: false,
      withBigInt: false,
      stringUnit: "binary",
    } as never);
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 1, max: 30 }), async (v, piece) => {
        const expected = JSON.stringify(v) ?? "null";
        const got = Buffer.from(await encodeJsonSliced(v, { pieceChars: piece, sliceChars: 5, pause: noWait })).toString("utf8");
        assert.equal(got, expected);
      }),
      { numRuns: 3_000, seed: SEED },
    );
  });

  test("a string cut between the halves of a surrogate pair is not: the pair stays whole", async () => {
    const s = "a\ud83d\ude00".repeat(10);
    for (const piece of [1, 2, 3, 4]) {
      assert.equal(Buffer.from(await encodeJsonSliced({ s }, { pieceChars: piece, pause: noWait })).toString("utf8"), JSON.stringify({ s }));
    }
  });

  test("a large value is written a slice at a time", async () => {
    let pauses = 0;
    const value = { input: Array.from({ length: 200_000 }, (_, i) => ({ role: "user", content: `item ${i}` })), long: "x".repeat(4_000_000) };
    const bytes = await encodeJsonSliced(value, { pause: async () => void pauses++ });
    assert.equal(Buffer.from(bytes).toString("utf8"), JSON.stringify(value));
    assert.ok(pauses >= bytes.length / 256 / 1024 - 2, `${pauses} pauses for ${bytes.length} bytes`);
  });
});
