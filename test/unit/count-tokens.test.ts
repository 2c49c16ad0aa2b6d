import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clearTokenCountCache,
  countAnthropicTokens,
  countOpenAIChatTokens,
  explainAnthropicTokens,
  tokenCountCacheStats,
} from "../../src/tokens/count-tokens.js";
import { imageSizeFromBase64, imageSizeFromBytes } from "../../src/tokens/image-size.js";
import { imageTokens } from "../../src/tokens/image-tokens.js";
import { CLAUDE_47_FACTOR, CLAUDE_FACTOR, isClaude47OrLater, resolveProfile } from "../../src/tokens/model-profile.js";
import { countText, SAMPLE_THRESHOLD_CHARS } from "../../src/tokens/tokenizer.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const SONNET: CopilotModel = { id: "claude-sonnet-4.5", vendor: "Anthropic", capabilities: { tokenizer: "o200k_base" } };
const OPUS_47: CopilotModel = { id: "claude-opus-4.7", vendor: "Anthropic", capabilities: { tokenizer: "o200k_base" } };
const GPT: CopilotModel = { id: "gpt-4.1", vendor: "Azure OpenAI", capabilities: { tokenizer: "o200k_base" } };
const GPT_CL100K: CopilotModel = { id: "gpt-4", vendor: "Azure OpenAI", capabilities: { tokenizer: "cl100k_base" } };

// ---- Hand-built image headers ---------------------------------------------------------------------

function png(width: number, height: number, padBytes = 16): Buffer {
  const b = Buffer.alloc(33 + padBytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write("IHDR", 12, "ascii");
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b[24] = 8; // bit depth
  b[25] = 6; // RGBA
  for (let i = 33; i < b.length; i++) b[i] = (i * 131) & 0xff; // stand-in for IDAT data
  return b;
}

function gif(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.write("GIF89a", 0, "ascii");
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

function webpVp8(width: number, height: number): Buffer {
  const b = Buffer.alloc(40);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(32, 4);
  b.write("WEBP", 8, "ascii");
  b.write("VP8 ", 12, "ascii");
  b.writeUInt32LE(20, 16);
  b.set([0x9d, 0x01, 0x2a], 23);
  b.writeUInt16LE(width, 26);
  b.writeUInt16LE(height, 28);
  return b;
}

function webpVp8l(width: number, height: number): Buffer {
  const b = Buffer.alloc(40);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(32, 4);
  b.write("WEBP", 8, "ascii");
  b.write("VP8L", 12, "ascii");
  b.writeUInt32LE(20, 16);
  b[20] = 0x2f;
  b.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0, 21);
  return b;
}

function webpVp8x(width: number, height: number): Buffer {
  const b = Buffer.alloc(40);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(32, 4);
  b.write("WEBP", 8, "ascii");
  b.write("VP8X", 12, "ascii");
  b.writeUInt32LE(10, 16);
  b.writeUIntLE(width - 1, 24, 3);
  b.writeUIntLE(height - 1, 27, 3);
  return b;
}

/** SOI, APP0 (JFIF), an optional large APP1 (EXIF-like), then SOFn with the size, then SOS. */
function jpeg(width: number, height: number, opts: { sof?: number; exifBytes?: number } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  const app0 = Buffer.alloc(18);
  app0.set([0xff, 0xe0]);
  app0.writeUInt16BE(16, 2);
  app0.write("JFIF\0", 4, "ascii");
  parts.push(app0);
  if (opts.exifBytes) {
    const app1 = Buffer.alloc(4 + opts.exifBytes);
    app1.set([0xff, 0xe1]);
    app1.writeUInt16BE(2 + opts.exifBytes, 2);
    app1.write("Exif\0\0", 4, "ascii");
    parts.push(app1);
  }
  const sof = Buffer.alloc(19);
  sof.set([0xff, opts.sof ?? 0xc0]);
  sof.writeUInt16BE(17, 2);
  sof[4] = 8;
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  sof[9] = 3;
  parts.push(sof, Buffer.from([0xff, 0xda, 0x00, 0x02]));
  return Buffer.concat(parts);
}

const b64 = (b: Buffer) => b.toString("base64");

function imageMessageBody(data: string, model = "claude-sonnet-4-5"): Record<string, unknown> {
  return {
    model,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image", source: { type: "base64", media_type: "image/png", data } },
        ],
      },
    ],
  };
}

// ---- Tests -----------------------------------------------------------------------------------------

describe("tokenizer", () => {
  it("matches gpt-tokenizer's counts for o200k_base and cl100k_base", () => {
    assert.equal(countText("Hello, world!", "o200k_base"), 4);
    assert.equal(countText("The quick brown fox jumps over the lazy dog.", "o200k_base"), 10);
    assert.equal(countText("function add(a, b) {\n  return a + b;\n}\n", "o200k_base"), 14);
    assert.equal(countText("日本語のテキスト", "o200k_base"), 6);
    assert.equal(countText("日本語のテキスト", "cl100k_base"), 8);
    assert.equal(countText("", "o200k_base"), 0);
  });

  it("counts special-token text as ordinary text instead of throwing", () => {
    assert.equal(countText("x <|endoftext|> y", "o200k_base"), 9);
  });

  it("estimates strings over the sampling threshold within a few percent of the exact count", () => {
    const words = ["alpha", "beta", "function", "return", "value", "the", "model", "{", "}", "=>", "42", "context", "é", "—"];
    const lines: string[] = [];
    let seed = 7;
    let size = 0;
    while (size < SAMPLE_THRESHOLD_CHARS * 1.5) {
      const n = 4 + (seed % 12);
      const ws: string[] = [];
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        ws.push(words[seed % words.length]!);
      }
      const line = `${ws.join(" ")}\n`;
      lines.push(line);
      size += line.length;
    }
    const text = lines.join("");
    assert.ok(text.length > SAMPLE_THRESHOLD_CHARS);
    // Exact reference: lines end in a newline and start with a word, so no token spans two lines.
    const exact = lines.reduce((sum, l) => sum + countText(l, "o200k_base"), 0);
    const estimate = countText(text, "o200k_base");
    assert.ok(Math.abs(estimate - exact) / exact < 0.05, `estimate ${estimate} vs exact ${exact}`);
  });
});

describe("image size from headers", () => {
  it("reads PNG, GIF, WebP (VP8, VP8L, VP8X) and JPEG (SOF0, SOF2) sizes", () => {
    assert.deepEqual(imageSizeFromBase64(b64(png(1000, 700))), { width: 1000, height: 700, format: "png" });
    assert.deepEqual(imageSizeFromBase64(b64(gif(320, 200))), { width: 320, height: 200, format: "gif" });
    assert.deepEqual(imageSizeFromBase64(b64(webpVp8(640, 480))), { width: 640, height: 480, format: "webp" });
    assert.deepEqual(imageSizeFromBase64(b64(webpVp8l(1234, 567))), { width: 1234, height: 567, format: "webp" });
    assert.deepEqual(imageSizeFromBase64(b64(webpVp8x(3000, 2000))), { width: 3000, height: 2000, format: "webp" });
    assert.deepEqual(imageSizeFromBase64(b64(jpeg(800, 600))), { width: 800, height: 600, format: "jpeg" });
    assert.deepEqual(imageSizeFromBase64(b64(jpeg(1920, 1080, { sof: 0xc2 }))), { width: 1920, height: 1080, format: "jpeg" });
    assert.deepEqual(imageSizeFromBytes(png(5, 6)), { width: 5, height: 6, format: "png" });
  });

  it("finds a JPEG frame header behind a large EXIF segment", () => {
    assert.deepEqual(imageSizeFromBase64(b64(jpeg(4032, 3024, { exifBytes: 60_000 }))), { width: 4032, height: 3024, format: "jpeg" });
  });

  it("accepts data: URLs", () => {
    assert.equal(imageSizeFromBase64(`data:image/png;base64,${b64(png(300, 200))}`)?.width, 300);
  });

  it("gives undefined, never throws, for broken or foreign data", () => {
    const broken: unknown[] = [
      "",
      "!!!!not base64!!!!",
      "iVBORw0KGgo", // PNG signature only, truncated
      b64(Buffer.from("just some text, not an image at all")),
      b64(png(0, 10)),
      b64(jpeg(100, 100).subarray(0, 26)), // cut inside the frame header
      b64(Buffer.from([0xff, 0xd8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])),
      "data:image/png;base64",
      42,
      null,
      { data: "x" },
    ];
    for (const d of broken) assert.equal(imageSizeFromBase64(d), undefined, `for ${String(d).slice(0, 30)}`);
  });
});

describe("image tokens", () => {
  it("follows the Anthropic, OpenAI and Gemini formulas", () => {
    assert.equal(imageTokens("anthropic", 1000, 1000), 1334); // 1,000,000 / 750
    assert.equal(imageTokens("anthropic", 200, 200), 54);
    assert.ok(Math.abs(imageTokens("anthropic", 4000, 3000) - 1590) <= 5); // downscaled to ~1.19 MP
    assert.ok(imageTokens("anthropic-hires", 4000, 3000) > 4500); // Opus 4.7: up to ~3.75 MP
    assert.equal(imageTokens("openai", 1024, 1024), 765); // OpenAI's worked example
    assert.equal(imageTokens("openai", 2048, 4096), 1105); // OpenAI's worked example
    assert.equal(imageTokens("openai", 4096, 8192, "low"), 85);
    assert.equal(imageTokens("openai", 300, 300), 255);
    assert.equal(imageTokens("gemini", 300, 300), 258);
    assert.equal(imageTokens("gemini", 1000, 1000), 258 * 4);
  });
});

describe("countAnthropicTokens", () => {
  it("counts images by pixel size, not by base64 length", () => {
    const small = countAnthropicTokens(imageMessageBody(b64(png(1000, 1000, 16))), SONNET);
    const padded = countAnthropicTokens(imageMessageBody(b64(png(1000, 1000, 1024 * 1024))), SONNET);
    assert.equal(padded, small);
    const textOnly = countAnthropicTokens({ messages: [{ role: "user", content: [{ type: "text", text: "What is in this picture?" }] }] }, SONNET);
    // The image adds its 1,334 tokens plus one block separator.
    assert.equal(small - textOnly, 1334 + 1);
    // A 4x larger image (2000x2000) is downscaled, so it costs at most ~1,600, not 4x.
    const big = countAnthropicTokens(imageMessageBody(b64(png(2000, 2000, 16))), SONNET);
    assert.ok(big - textOnly <= 1600 && big - textOnly > 1334);
  });

  it("counts a broken image with the fallback estimate instead of throwing", () => {
    const body = imageMessageBody("%%%definitely-not-base64%%%");
    const n = countAnthropicTokens(body, SONNET);
    assert.ok(n > 1000 && n < 3000, String(n));
  });

  it("counts the system prompt, in string or block form", () => {
    const system = "You are a careful coding assistant. Prefer small, reviewed changes and explain trade-offs.";
    const base = countAnthropicTokens({ messages: [{ role: "user", content: "hi" }] }, SONNET);
    const withString = countAnthropicTokens({ system, messages: [{ role: "user", content: "hi" }] }, SONNET);
    const withBlocks = countAnthropicTokens({ system: [{ type: "text", text: system }], messages: [{ role: "user", content: "hi" }] }, SONNET);
    const expected = Math.round(countText(system) * CLAUDE_FACTOR) + 3;
    assert.ok(Math.abs(withString - base - expected) <= 1, `${withString - base} vs ${expected}`);
    assert.equal(withBlocks, withString);
  });

  it("counts tools: the first adds the tool-use system prompt, each adds about its tokenized size", () => {
    const tool = (name: string) => ({
      name,
      description: `Runs ${name} against the workspace. Use it when the user asks for ${name}; never for anything destructive.`,
      input_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { path: { type: "string", description: "Absolute path" }, recursive: { type: "boolean" } },
        required: ["path"],
        additionalProperties: false,
      },
    });
    const size = (t: ReturnType<typeof tool>) => countText(t.name) + countText(t.description) + countText(JSON.stringify(t.input_schema));
    const messages = [{ role: "user", content: "list the files" }];
    const none = countAnthropicTokens({ messages }, SONNET);
    const one = countAnthropicTokens({ messages, tools: [tool("Lint")] }, SONNET);
    const two = countAnthropicTokens({ messages, tools: [tool("Lint"), tool("Format")] }, SONNET);
    const first = Math.round(size(tool("Lint")) * CLAUDE_FACTOR) + 8 + 346;
    const second = Math.round(size(tool("Format")) * CLAUDE_FACTOR) + 8;
    assert.ok(Math.abs(one - none - first) <= 1, `${one - none} vs ${first}`);
    assert.ok(Math.abs(two - one - second) <= 1, `${two - one} vs ${second}`);
    const forced = countAnthropicTokens({ messages, tools: [tool("Lint")], tool_choice: { type: "any" } }, SONNET);
    assert.equal(one - forced, 346 - 313);
  });

  it("counts tool_use, tool_result (with images) and thinking blocks", () => {
    const messages = [
      { role: "user", content: "take a screenshot" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "The user wants a screenshot; call the tool.", signature: "x".repeat(500) },
          { type: "tool_use", id: "toolu_1", name: "Screenshot", input: { fullPage: true, selector: "#main" } },
        ],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "done" }, { type: "image", source: { type: "base64", media_type: "image/png", data: b64(png(1000, 1000)) } }] }],
      },
    ];
    const r = explainAnthropicTokens({ messages }, SONNET);
    const thinking = countText("The user wants a screenshot; call the tool.");
    const toolUse = countText("Screenshot") + countText(JSON.stringify({ fullPage: true, selector: "#main" }));
    assert.ok(r.messages >= Math.round((thinking + toolUse) * CLAUDE_FACTOR) + 1334, JSON.stringify(r));
    // The signature is not model-visible text: a longer one changes nothing.
    const longer = structuredClone(messages);
    (longer[1]!.content as { signature?: string }[])[0]!.signature = "y".repeat(50_000);
    assert.equal(countAnthropicTokens({ messages: longer }, SONNET), r.total);
  });

  it("returns identical counts from the cache, for the same and for an equal body", () => {
    clearTokenCountCache();
    const body = {
      system: [{ type: "text", text: "system ".repeat(500) }],
      messages: [{ role: "user", content: [{ type: "text", text: "message ".repeat(400) }] }],
      tools: [{ name: "T", description: "describe ".repeat(300), input_schema: { type: "object" } }],
    };
    const first = countAnthropicTokens(body, SONNET);
    const afterFirst = tokenCountCacheStats();
    assert.ok(afterFirst.misses >= 3 && afterFirst.entries >= 3, JSON.stringify(afterFirst));
    const second = countAnthropicTokens(body, SONNET);
    const third = countAnthropicTokens(structuredClone(body), SONNET);
    const afterThird = tokenCountCacheStats();
    assert.equal(second, first);
    assert.equal(third, first);
    assert.equal(afterThird.misses, afterFirst.misses);
    assert.ok(afterThird.hits >= afterFirst.hits + 6);
    // A changed message is a miss and changes the count.
    const changed = structuredClone(body);
    changed.messages[0]!.content[0]!.text += " more";
    assert.ok(countAnthropicTokens(changed, SONNET) > first);
  });

  it("counts an empty body as small but more than zero", () => {
    for (const body of [{}, undefined, null, "", "not an object", 42, [], { messages: [] }]) {
      const n = countAnthropicTokens(body, undefined);
      assert.ok(n > 0 && n < 10, `${JSON.stringify(body)} -> ${n}`);
    }
    const chat = countOpenAIChatTokens({}, GPT);
    assert.ok(chat > 0 && chat < 10);
  });

  it("never throws on odd or deep input", () => {
    const cyclic: Record<string, unknown> = { type: "tool_result", content: [] };
    (cyclic.content as unknown[]).push(cyclic);
    let deep: unknown = { type: "text", text: "bottom" };
    for (let i = 0; i < 5_000; i++) deep = { type: "tool_result", content: [deep] };
    const odd = {
      model: 12,
      system: 42,
      messages: [
        { role: "user", content: 12345 },
        { role: 7, content: [{ type: "text", text: 7 }, { type: "image", source: { type: "base64", data: 99 } }, { type: "image" }, { type: "tool_use", input: "x", name: { n: 1 } }, null, 5, [[]], true] },
        { role: "user", content: [{ type: "tool_result", content: { nested: [1, 2, { data: "A".repeat(10_000) }] } }] },
        { role: "user", content: [cyclic, deep, { type: "document", source: { type: "base64", media_type: "application/pdf", data: 17 } }] },
        "a bare string message",
        null,
      ],
      tools: [5, null, { name: 3, input_schema: "x" }, { type: "web_search_20250305", name: "web_search" }, []],
      tool_choice: "auto",
    };
    const n = countAnthropicTokens(odd, SONNET);
    assert.ok(Number.isInteger(n) && n > 0);
    assert.ok(countOpenAIChatTokens({ messages: odd.messages, tools: odd.tools }, GPT) > 0);
    assert.ok(countAnthropicTokens({ messages: [{ role: "user", content: deep }] }, undefined) > 0);
  });

  it("counts a base64 PDF document by pages", () => {
    const pdf = (pages: number) =>
      Buffer.from(`%PDF-1.4\n${Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n`).join("")}2 0 obj\n<< /Type /Pages /Count ${pages} >>\nendobj\n%%EOF`).toString("base64");
    const body = (pages: number) => ({
      messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: pdf(pages) } }] }],
    });
    const one = countAnthropicTokens(body(1), SONNET);
    const three = countAnthropicTokens(body(3), SONNET);
    const perPage = three - one;
    assert.ok(perPage / 2 > 3000 && perPage / 2 < 4000, String(perPage));
  });
});

describe("model profiles", () => {
  it("uses the calibration of the model's tokenizer generation", () => {
    const body = { messages: [{ role: "user", content: "Summarise the repository layout and list the build steps. ".repeat(40) }] };
    const old = explainAnthropicTokens(body, SONNET);
    const neu = explainAnthropicTokens(body, OPUS_47);
    const gpt = explainAnthropicTokens(body, GPT);
    assert.equal(old.factor, CLAUDE_FACTOR);
    assert.equal(neu.factor, CLAUDE_47_FACTOR);
    assert.equal(gpt.factor, 1);
    assert.ok(neu.total > old.total && old.total > gpt.total);
    assert.equal(explainAnthropicTokens(body, GPT_CL100K).encoding, "cl100k_base");
  });

  it("falls back to the request's model id, then to Claude, when the model is not in the catalog", () => {
    assert.equal(resolveProfile(undefined, "claude-opus-4-8", "claude").family, "claude-4.7");
    assert.equal(resolveProfile(undefined, "gpt-5-mini", "claude").family, "openai");
    assert.equal(resolveProfile(undefined, "gemini-2.5-pro", "claude").family, "gemini");
    assert.equal(resolveProfile(undefined, "some-unknown-name", "claude").family, "claude");
    assert.equal(resolveProfile({ id: "grok-code-fast-1", vendor: "xAI" }, undefined, "claude").family, "other");
  });

  it("recognises Claude 4.7+ ids in dotted, dashed, dated and old-order forms", () => {
    for (const id of ["claude-opus-4.7", "claude-opus-4-7", "claude-opus-4-8-20260101", "claude-sonnet-5", "claude-opus-5.1", "claude-5-haiku"]) {
      assert.equal(isClaude47OrLater(id), true, id);
    }
    for (const id of ["claude-sonnet-4.5", "claude-sonnet-4-5-20250929", "claude-opus-4.6-1m", "claude-3-5-sonnet-20241022", "claude-opus-4-20250514", "claude-haiku-4.5", "gpt-5"]) {
      assert.equal(isClaude47OrLater(id), false, id);
    }
  });
});

describe("countOpenAIChatTokens", () => {
  it("applies 3 tokens per message, 3 for the reply and the tools formula", () => {
    // priming 3 + message 3 + "user" 1 + "Hello, world!" 4
    assert.equal(countOpenAIChatTokens({ messages: [{ role: "user", content: "Hello, world!" }] }, GPT), 11);
    const named = countOpenAIChatTokens({ messages: [{ role: "user", name: "bob", content: "Hello, world!" }] }, GPT);
    assert.equal(named, 11 + 1 + countText("bob"));
    const fn = { name: "get_weather", description: "Get the weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } };
    const withTools = countOpenAIChatTokens({ messages: [{ role: "user", content: "Hello, world!" }], tools: [{ type: "function", function: fn }] }, GPT);
    const toolText = countText(fn.name) + countText(fn.description) + countText(JSON.stringify(fn.parameters));
    const expected = Math.floor(16 * 1.1) + Math.floor(8 * 1.1) + Math.round(toolText * 1.1);
    assert.ok(Math.abs(withTools - 11 - expected) <= 1, `${withTools - 11} vs ${expected}`);
  });

  it("counts tool calls and image parts by pixel size and detail", () => {
    const call = { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] };
    const withCall = countOpenAIChatTokens({ messages: [call] }, GPT);
    assert.ok(withCall >= 3 + 3 + 8 + countText("get_weather") + countText('{"city":"Paris"}'));
    const url = `data:image/png;base64,${b64(png(1024, 1024, 2048))}`;
    const img = (detail?: string) => ({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url, detail } }] }] });
    const high = countOpenAIChatTokens(img("high"), GPT);
    const low = countOpenAIChatTokens(img("low"), GPT);
    assert.equal(high - low, 765 - 85);
  });
});

describe("piece cache keys", () => {
  it("a piece too large to tokenize exactly is never serialised or hashed whole to key the cache", () => {
    // Keying the cache serialised each message whole: a 1M-character message of lone surrogates
    // (6 characters each as JSON) took ~0.2-0.6 s in one step, and a 32 MB body several seconds,
    // while such a piece is only sampled, which is cheap to redo.
    const huge = "\ud800".repeat(SAMPLE_THRESHOLD_CHARS * 5);
    const body = { system: huge, messages: [{ role: "user", content: huge }, { role: "user", content: [{ type: "text", text: huge }] }] };
    const before = tokenCountCacheStats().entries;
    const stringify = JSON.stringify;
    let serialised = 0;
    JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
      const out = stringify(...args);
      serialised += out?.length ?? 0;
      return out;
    }) as typeof JSON.stringify;
    let n: number;
    try {
      n = countAnthropicTokens(body, undefined);
    } finally {
      JSON.stringify = stringify;
    }
    assert.ok(n > SAMPLE_THRESHOLD_CHARS, String(n));
    assert.ok(serialised < 10_000, `${serialised} characters serialised`);
    assert.equal(tokenCountCacheStats().entries, before);
  });
});
