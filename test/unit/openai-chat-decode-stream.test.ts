import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ChatStreamDecoder, type ChatStreamDecoderOptions, chatDecoderOptions } from "../../src/dialects/openai-chat/decode-stream.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";
import { SseParser } from "../../src/sse/sse-decoder.js";
import { SAMPLES_DIR } from "../helpers/samples.js";

const SAMPLES = SAMPLES_DIR.replace(/\/$/, "");

// ---- replay machinery: chunks → SSE bytes → split → SseParser → JSON → decoder ----

function sseText(chunks: unknown[], eol = "\n", done = true): string {
  const lines = chunks.map((c) => `data: ${JSON.stringify(c)}${eol}${eol}`);
  if (done) lines.push(`data: [DONE]${eol}${eol}`);
  return lines.join("");
}

const ODD_SIZES = [7, 13, 3, 29, 5, 11, 1, 17, 9, 23];

type Split = (bytes: Uint8Array) => Uint8Array[];

const SPLITS: [string, Split][] = [
  ["whole", (b) => [b]],
  ["every byte", (b) => Array.from(b, (x) => Uint8Array.of(x))],
  [
    "odd sizes",
    (b) => {
      const out: Uint8Array[] = [];
      for (let pos = 0, i = 0; pos < b.length; i++) {
        const n = ODD_SIZES[i % ODD_SIZES.length]!;
        out.push(b.subarray(pos, pos + n));
        pos += n;
      }
      return out;
    },
  ],
  [
    "inside every multi-byte character",
    (b) => {
      const out: Uint8Array[] = [];
      let start = 0;
      for (let i = 0; i < b.length; i++) {
        // a UTF-8 lead byte of a 2-4 byte sequence: cut right after it
        if (b[i]! >= 0xc0 && i + 1 < b.length) {
          out.push(b.subarray(start, i + 1));
          start = i + 1;
        }
      }
      out.push(b.subarray(start));
      return out;
    },
  ],
];

function replay(text: string, split: Split, options?: ChatStreamDecoderOptions): StreamPart[] {
  const parser = new SseParser();
  const decoder = new ChatStreamDecoder(options);
  const parts: StreamPart[] = [];
  const handle = (events: { data: string }[]) => {
    for (const ev of events) {
      if (ev.data === "[DONE]") parts.push(...decoder.done());
      else parts.push(...decoder.push(JSON.parse(ev.data)));
    }
  };
  for (const piece of split(new TextEncoder().encode(text))) handle(parser.push(piece));
  handle(parser.end());
  parts.push(...decoder.end()); // EOF after [DONE]: must add nothing
  return parts;
}

/** Replays the chunks under every split pattern (and CRLF line ends); all must give `expected`. */
function check(chunks: unknown[], expected: StreamPart[], options?: ChatStreamDecoderOptions): void {
  for (const eol of ["\n", "\r\n"]) {
    for (const [name, split] of SPLITS) {
      const parts = replay(sseText(chunks, eol), split, options);
      assert.deepEqual(parts, expected, `split: ${name}, eol: ${JSON.stringify(eol)}`);
    }
  }
  assertContract(expected);
}

/** The IR ordering contract (src/ir/stream.ts). */
function assertContract(parts: StreamPart[]): void {
  assert.equal(parts[0]?.type, "start", "start comes first");
  assert.equal(parts.filter((p) => p.type === "start").length, 1, "exactly one start");
  const terminal = parts.filter((p) => p.type === "finish" || p.type === "error");
  assert.equal(terminal.length, 1, "exactly one finish or error");
  assert.ok(["finish", "error"].includes(parts[parts.length - 1]!.type), "finish/error comes last");
  let open: string | undefined;
  for (const p of parts) {
    if (p.type.endsWith("-start") && p.type !== "start") {
      assert.equal(open, undefined, `block ${(p as { id: string }).id} starts while ${open} is open`);
      open = (p as { id: string }).id;
    } else if (p.type.endsWith("-delta")) {
      assert.equal((p as { id: string }).id, open, "delta belongs to the open block");
    } else if (p.type.endsWith("-end")) {
      assert.equal((p as { id: string }).id, open, "end closes the open block");
      open = undefined;
    }
  }
}

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4.1",
  choices,
  ...extra,
});
const delta = (d: Record<string, unknown>, index = 0, finish: string | null = null) => ({ index, delta: d, finish_reason: finish });
const calls = (...tc: Record<string, unknown>[]) => ({ tool_calls: tc });
const START: StreamPart = { type: "start", id: "chatcmpl-1", model: "gpt-4.1" };
const USAGE_CHUNK = chunk([], {
  usage: {
    prompt_tokens: 100,
    completion_tokens: 7,
    total_tokens: 107,
    prompt_tokens_details: { cached_tokens: 40 },
    completion_tokens_details: { reasoning_tokens: 3 },
  },
});
const USAGE = { inputTokens: 60, cacheReadTokens: 40, outputTokens: 7, reasoningTokens: 3 };

describe("ChatStreamDecoder: replayed streams", () => {
  it("plain text, usage chunk after the finish chunk (héllo 🌍 世界)", () => {
    check(
      [
        chunk([delta({ role: "assistant", content: "" })]),
        chunk([delta({ content: "héllo " })]),
        chunk([delta({ content: "🌍 世界" })]),
        chunk([delta({}, 0, "stop")], { copilot_usage: { total_nano_aiu: 5 } }),
        USAGE_CHUNK,
      ],
      [
        START,
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "héllo " },
        { type: "text-delta", id: "text-0", delta: "🌍 世界" },
        { type: "text-end", id: "text-0" },
        // Copilot's cost figure rides along in the IR's usage, whichever chunk carried it.
        { type: "finish", reason: "stop", raw: "stop", usage: { ...USAGE, nanoAiu: 5 } },
      ],
    );
  });

  it("Claude's split choices: text in choice 0, tool call in choice 1 make one answer (T1)", () => {
    check(
      [
        chunk([delta({ role: "assistant", content: "Let me " })]),
        chunk([delta({ content: "check." })]),
        chunk([delta({}, 0, "stop")]),
        chunk([delta({ role: "assistant", ...calls({ index: 0, id: "toolu_1", type: "function", function: { name: "Read", arguments: "" } }) }, 1)]),
        chunk([delta(calls({ index: 0, function: { arguments: '{"path":' } }), 1)]),
        chunk([delta(calls({ index: 0, function: { arguments: '"a.ts"}' } }), 1)]),
        chunk([delta({}, 1, "tool_calls")]),
        USAGE_CHUNK,
      ],
      [
        START,
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "Let me " },
        { type: "text-delta", id: "text-0", delta: "check." },
        { type: "text-end", id: "text-0" },
        { type: "tool-input-start", id: "toolu_1", name: "Read" },
        { type: "tool-input-delta", id: "toolu_1", delta: '{"path":' },
        { type: "tool-input-delta", id: "toolu_1", delta: '"a.ts"}' },
        { type: "tool-input-end", id: "toolu_1", input: '{"path":"a.ts"}' },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: USAGE },
      ],
    );
  });

  it("split choices finishing in the same chunk, text still live when the tool call starts", () => {
    check(
      [
        chunk([delta({ content: "On it." }), delta(calls({ index: 0, id: "toolu_2", function: { name: "Bash", arguments: '{"cmd":"ls"}' } }), 1)]),
        chunk([delta({}, 0, "stop"), delta({}, 1, "tool_calls")]),
      ],
      [
        START,
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "On it." },
        { type: "text-end", id: "text-0" },
        { type: "tool-input-start", id: "toolu_2", name: "Bash" },
        { type: "tool-input-delta", id: "toolu_2", delta: '{"cmd":"ls"}' },
        { type: "tool-input-end", id: "toolu_2", input: '{"cmd":"ls"}' },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: {} },
      ],
    );
  });

  it("parallel tool calls: interleaved argument deltas, id and name in separate chunks, repeats (T7)", () => {
    check(
      [
        chunk([delta({ role: "assistant", content: null, ...calls({ index: 0, id: "call_a", type: "function" }) })]),
        chunk([delta(calls({ index: 0, function: { name: "get_weather" } }))]),
        chunk([delta(calls({ index: 0, function: { arguments: '{"city":' } }))]),
        chunk([delta(calls({ index: 1, function: { arguments: '{"tz":' } }))]),
        chunk([delta(calls({ index: 1, id: "call_b", function: { name: "get_time", arguments: "" } }))]),
        // a late fragment for call 0 after call 1 started, and id/name repeated
        chunk([delta(calls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: '"Paris"}' } }))]),
        chunk([delta(calls({ index: 1, id: "call_b", function: { name: "get_time", arguments: '"UTC"}' } }))]),
        chunk([delta({}, 0, "tool_calls")]),
        USAGE_CHUNK,
      ],
      [
        START,
        { type: "tool-input-start", id: "call_a", name: "get_weather" },
        { type: "tool-input-delta", id: "call_a", delta: '{"city":' },
        { type: "tool-input-delta", id: "call_a", delta: '"Paris"}' },
        { type: "tool-input-end", id: "call_a", input: '{"city":"Paris"}' },
        // buffered while call_a was open, emitted whole
        { type: "tool-input-start", id: "call_b", name: "get_time" },
        { type: "tool-input-delta", id: "call_b", delta: '{"tz":"UTC"}' },
        { type: "tool-input-end", id: "call_b", input: '{"tz":"UTC"}' },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: USAGE },
      ],
    );
  });

  it("text arriving while a tool call is open is buffered and follows it", () => {
    check(
      [
        chunk([delta(calls({ index: 0, id: "call_a", function: { name: "f", arguments: '{"x":' } }))]),
        chunk([delta({ content: "meanwhile" })]),
        chunk([delta(calls({ index: 0, function: { arguments: "1}" } }))]),
        chunk([delta({ content: " more" }, 0, "tool_calls")]),
      ],
      [
        START,
        { type: "tool-input-start", id: "call_a", name: "f" },
        { type: "tool-input-delta", id: "call_a", delta: '{"x":' },
        { type: "tool-input-delta", id: "call_a", delta: "1}" },
        { type: "tool-input-end", id: "call_a", input: '{"x":1}' },
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "meanwhile more" },
        { type: "text-end", id: "text-0" },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: {} },
      ],
    );
  });

  it("a different id at a known index is a new call", () => {
    check(
      [
        chunk([delta(calls({ index: 0, id: "call_a", function: { name: "f", arguments: "{}" } }))]),
        chunk([delta(calls({ index: 0, id: "call_b", function: { name: "g", arguments: '{"y":2}' } }))]),
        chunk([delta({}, 0, "tool_calls")]),
      ],
      [
        START,
        { type: "tool-input-start", id: "call_a", name: "f" },
        { type: "tool-input-delta", id: "call_a", delta: "{}" },
        { type: "tool-input-end", id: "call_a", input: "{}" },
        { type: "tool-input-start", id: "call_b", name: "g" },
        { type: "tool-input-delta", id: "call_b", delta: '{"y":2}' },
        { type: "tool-input-end", id: "call_b", input: '{"y":2}' },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: {} },
      ],
    );
  });

  it("empty, [] and broken arguments end as {} while the deltas stay as streamed (T5/T6)", () => {
    check(
      [
        chunk([delta(calls({ index: 0, id: "c0", function: { name: "none", arguments: "" } }))]),
        chunk([delta(calls({ index: 1, id: "c1", function: { name: "arr", arguments: "[]" } }))]),
        chunk([delta(calls({ index: 2, id: "c2", function: { name: "cut", arguments: '{"a":' } }))]),
        chunk([delta(calls({ index: 3, id: "c3", function: { name: "str", arguments: '"text"' } }))]),
        chunk([delta({}, 0, "tool_calls")]),
      ],
      [
        START,
        { type: "tool-input-start", id: "c0", name: "none" },
        { type: "tool-input-end", id: "c0", input: "{}" },
        { type: "tool-input-start", id: "c1", name: "arr" },
        { type: "tool-input-delta", id: "c1", delta: "[]" },
        { type: "tool-input-end", id: "c1", input: "{}" },
        { type: "tool-input-start", id: "c2", name: "cut" },
        { type: "tool-input-delta", id: "c2", delta: '{"a":' },
        { type: "tool-input-end", id: "c2", input: "{}" },
        { type: "tool-input-start", id: "c3", name: "str" },
        { type: "tool-input-delta", id: "c3", delta: '"text"' },
        { type: "tool-input-end", id: "c3", input: "{}" },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: {} },
      ],
    );
  });

  it("finish_reason tool_calls without a usable call is a plain stop (T8)", () => {
    check(
      [
        chunk([delta({ content: "Done.", tool_calls: [] })]),
        // a call with arguments but never a name can't be run: dropped
        chunk([delta(calls({ index: 0, function: { arguments: "{}" } }))]),
        chunk([delta({}, 0, "tool_calls")]),
      ],
      [
        START,
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "Done." },
        { type: "text-end", id: "text-0" },
        { type: "finish", reason: "stop", raw: "tool_calls", usage: {} },
      ],
    );
  });

  it("missing finish_reason is synthesised: stop for text (T9)", () => {
    check(
      [chunk([delta({ content: "hi" })]), USAGE_CHUNK],
      [
        START,
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "hi" },
        { type: "text-end", id: "text-0" },
        { type: "finish", reason: "stop", usage: USAGE },
      ],
    );
  });

  it("missing finish_reason is synthesised: tool-calls when a call was made, with an invented id (T9)", () => {
    check(
      [chunk([delta(calls({ index: 0, function: { name: "ls", arguments: "{}" } }))])],
      [
        START,
        { type: "tool-input-start", id: "call_synth", name: "ls" },
        { type: "tool-input-delta", id: "call_synth", delta: "{}" },
        { type: "tool-input-end", id: "call_synth", input: "{}" },
        { type: "finish", reason: "tool-calls", usage: {} },
      ],
      { newCallId: () => "call_synth" },
    );
  });

  it("reasoning_text + reasoning_opaque become a reasoning block carrying the signature (T13)", () => {
    check(
      [
        chunk([delta({ role: "assistant", reasoning_text: "Let me think" })]),
        chunk([delta({ reasoning_text: " more." })]),
        chunk([delta({ content: "", reasoning_opaque: "c2lnbmF0dXJl" })]),
        chunk([delta({ content: "Answer" })]),
        chunk([delta({}, 0, "stop")]),
        USAGE_CHUNK,
      ],
      [
        START,
        { type: "reasoning-start", id: "reasoning-0" },
        { type: "reasoning-delta", id: "reasoning-0", delta: "Let me think" },
        { type: "reasoning-delta", id: "reasoning-0", delta: " more." },
        { type: "reasoning-end", id: "reasoning-0", origin: "openai-chat", signature: "c2lnbmF0dXJl" },
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "Answer" },
        { type: "text-end", id: "text-0" },
        { type: "finish", reason: "stop", raw: "stop", usage: USAGE },
      ],
    );
  });

  it("cot_summary/cot_id variants, and opaque state alone still yields a reasoning block", () => {
    check(
      [
        chunk([delta({ cot_summary: "thinking" })]),
        chunk([delta({ cot_id: "cot-1", content: "Hi" })]),
        chunk([delta({ content: " there" }, 0, "stop")]),
      ],
      [
        START,
        { type: "reasoning-start", id: "reasoning-0" },
        { type: "reasoning-delta", id: "reasoning-0", delta: "thinking" },
        { type: "reasoning-end", id: "reasoning-0", origin: "openai-chat", signature: "cot-1" },
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "Hi" },
        { type: "text-delta", id: "text-0", delta: " there" },
        { type: "text-end", id: "text-0" },
        { type: "finish", reason: "stop", raw: "stop", usage: {} },
      ],
    );
    check(
      [chunk([delta({ reasoning_opaque: "only-opaque" })]), chunk([delta({}, 0, "length")]), USAGE_CHUNK],
      [
        START,
        { type: "reasoning-start", id: "reasoning-0" },
        { type: "reasoning-end", id: "reasoning-0", origin: "openai-chat", signature: "only-opaque" },
        { type: "finish", reason: "length", raw: "length", usage: USAGE },
      ],
    );
  });

  it("Gemini: function.thought_signature ends up on tool-input-end; opaque state next to the calls is kept (T14)", () => {
    check(
      [
        chunk([delta({ reasoning_text: "plan" })]),
        chunk([delta({ content: "Checking." })]),
        chunk([
          delta({
            reasoning_opaque: "gem-opaque",
            ...calls({ index: 0, id: "call_g", type: "function", function: { name: "search", arguments: '{"q":"x"}', thought_signature: "gem-sig" } }),
          }),
        ]),
        chunk([delta({}, 0, "tool_calls")]),
      ],
      [
        START,
        { type: "reasoning-start", id: "reasoning-0" },
        { type: "reasoning-delta", id: "reasoning-0", delta: "plan" },
        { type: "reasoning-end", id: "reasoning-0", origin: "openai-chat" },
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "Checking." },
        { type: "text-end", id: "text-0" },
        { type: "reasoning-start", id: "reasoning-1" },
        { type: "reasoning-end", id: "reasoning-1", origin: "openai-chat", signature: "gem-opaque" },
        { type: "tool-input-start", id: "call_g", name: "search" },
        { type: "tool-input-delta", id: "call_g", delta: '{"q":"x"}' },
        { type: "tool-input-end", id: "call_g", input: '{"q":"x"}', thoughtSignature: "gem-sig" },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: {} },
      ],
    );
  });

  it("custom tool calls are unwrapped from {\"input\": …} and sent whole", () => {
    const patch = "*** Begin Patch\n*** Add File: a.txt\n+héllo\n*** End Patch";
    check(
      [
        chunk([delta(calls({ index: 0, id: "call_p", function: { name: "apply_patch", arguments: '{"input":' } }))]),
        chunk([delta(calls({ index: 0, function: { arguments: JSON.stringify(patch) + "}" } }))]),
        chunk([delta({}, 0, "tool_calls")]),
      ],
      [
        START,
        { type: "tool-input-start", id: "call_p", name: "apply_patch", custom: true },
        { type: "tool-input-delta", id: "call_p", delta: patch },
        { type: "tool-input-end", id: "call_p", input: patch },
        { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: {} },
      ],
      { customTools: ["apply_patch"] },
    );
  });
});

describe("ChatStreamDecoder: errors inside the stream", () => {
  function replayAll(chunks: unknown[], options?: ChatStreamDecoderOptions) {
    return SPLITS.map(([, split]) => replay(sseText(chunks), split, options));
  }

  it("an error object ends the answer: error part, nothing after it (T10)", () => {
    for (const parts of replayAll([
      chunk([delta({ content: "partial" })]),
      { error: { message: "internal server error", code: "server_error" } },
      chunk([delta({ content: "ignored" }, 0, "stop")]),
      USAGE_CHUNK,
    ])) {
      assert.deepEqual(
        parts.slice(0, -1),
        [START, { type: "text-start", id: "text-0" }, { type: "text-delta", id: "text-0", delta: "partial" }],
      );
      const last = parts[parts.length - 1]!;
      assert.equal(last.type, "error");
      assert.ok(last.type === "error" && last.error instanceof ApiError);
      if (last.type !== "error") return;
      assert.equal(last.error.status, 502);
      assert.equal(last.error.kind, "upstream");
      assert.equal(last.error.message, "internal server error");
      assert.equal(last.error.code, "server_error");
      assert.equal(last.error.upstream, true);
    }
  });

  it("choices: null + copilot_errors is an error; its status is used when it names one", () => {
    const [parts] = replayAll([
      chunk([delta({ content: "x" })]),
      { choices: null, copilot_errors: [{ type: "rate_limit", code: "rate_limited", message: "Slow down" }] },
    ]);
    const last = parts![parts!.length - 1]!;
    assert.ok(last.type === "error");
    if (last.type !== "error") return;
    assert.equal(last.error.message, "Slow down");
    assert.equal(last.error.code, "rate_limited");

    const decoder = new ChatStreamDecoder();
    const out = decoder.push({ error: { message: "Too many requests", status: 429, code: "user_model_rate_limited" } });
    assert.deepEqual(out.map((p) => p.type), ["start", "error"]);
    const e = out[1]!;
    assert.ok(e.type === "error" && e.error.status === 429 && e.error.kind === "rate_limit");
    assert.deepEqual(decoder.push(chunk([delta({ content: "late" })])), []);
    assert.deepEqual(decoder.end(), []);
  });

  it("copilot_references chunks (choices: null, no errors) are ignored", () => {
    check(
      [{ choices: null, copilot_references: [{ type: "x" }] }, chunk([delta({ content: "ok" }, 0, "stop")])],
      [
        START,
        { type: "text-start", id: "text-0" },
        { type: "text-delta", id: "text-0", delta: "ok" },
        { type: "text-end", id: "text-0" },
        { type: "finish", reason: "stop", raw: "stop", usage: {} },
      ],
    );
  });

  it("runaway whitespace in tool arguments stops the answer with an error (T10)", () => {
    const decoder = new ChatStreamDecoder({ maxWhitespaceRun: 10 });
    const parts = [
      ...decoder.push(chunk([delta(calls({ index: 0, id: "c", function: { name: "Glob", arguments: '{"pattern": ' } }))])),
      ...decoder.push(chunk([delta(calls({ index: 0, function: { arguments: "      " } }))])),
      ...decoder.push(chunk([delta(calls({ index: 0, function: { arguments: "      " } }))])),
      ...decoder.push(chunk([delta(calls({ index: 0, function: { arguments: "more" } }))])),
      ...decoder.end(),
    ];
    const last = parts[parts.length - 1]!;
    assert.equal(last.type, "error");
    assert.ok(last.type === "error" && last.error.code === "runaway_tool_arguments" && /Glob/.test(last.error.message));
    assert.equal(parts.filter((p) => p.type === "error" || p.type === "finish").length, 1);
  });

  it("an empty stream is an error, not an empty answer", () => {
    const parts = new ChatStreamDecoder().end();
    assert.deepEqual(parts.map((p) => p.type), ["start", "error"]);
  });
});

describe("ChatStreamDecoder: finish timing", () => {
  it("holds finish until [DONE] so the trailing usage chunk is attached (T25)", () => {
    const decoder = new ChatStreamDecoder();
    assert.deepEqual(decoder.push(chunk([delta({ content: "a" })])).map((p) => p.type), ["start", "text-start", "text-delta"]);
    assert.deepEqual(decoder.push(chunk([delta({}, 0, "stop")])).map((p) => p.type), ["text-end"]);
    assert.deepEqual(decoder.push(USAGE_CHUNK), []);
    assert.deepEqual(decoder.push("[DONE]"), [{ type: "finish", reason: "stop", raw: "stop", usage: USAGE }]);
    assert.deepEqual(decoder.end(), []);
  });
});

describe("ChatStreamDecoder: real upstream sample", () => {
  it("replays openai-chat-stream-text.jsonl", (t) => {
    const file = `${SAMPLES}/openai-chat-stream-text.jsonl`;
    if (!existsSync(file)) return t.skip(`${file} is absent`);
    const chunks = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { choices: { delta: { content?: string } }[] });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    for (const [name, split] of SPLITS) {
      const parts = replay(sseText(chunks), split);
      assertContract(parts);
      assert.deepEqual(parts[0], { type: "start", id: "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0", model: "gpt-4.1-nano-2025-04-14" }, name);
      assert.equal(parts.filter((p) => p.type === "text-start").length, 1, name);
      const answer = accumulate(parts).result();
      assert.deepEqual(answer.content, [{ type: "text", text }], name);
      assert.equal(answer.finishReason, "stop");
      assert.deepEqual(answer.usage, { inputTokens: 16, cacheReadTokens: 0, outputTokens: 300, reasoningTokens: 0 });
    }
  });
});

describe("chatDecoderOptions", () => {
  it("names the request's custom tools", () => {
    assert.deepEqual(
      chatDecoderOptions({
        tools: [
          { type: "function", name: "f", parameters: {} },
          { type: "custom", name: "apply_patch" },
        ],
      }),
      { customTools: ["apply_patch"] },
    );
  });
});
