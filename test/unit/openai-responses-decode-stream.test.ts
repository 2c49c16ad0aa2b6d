import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { decodeResponsesResponse } from "../../src/dialects/openai-responses/decode-response.js";
import { ResponsesStreamDecoder, responsesDecoderOptions, type ResponsesStreamDecoderOptions } from "../../src/dialects/openai-responses/decode-stream.js";
import { decodeResponsesUsage, encodeResponsesUsage } from "../../src/dialects/openai-responses/convert-usage.js";
import { encodeResponsesStatus, mapResponsesStatus } from "../../src/dialects/openai-responses/map-status.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";
import { SseParser } from "../../src/sse/sse-decoder.js";
import { SAMPLES_DIR } from "../helpers/samples.js";

const SAMPLES = SAMPLES_DIR.replace(/\/$/, "");
const sample = (name: string) => `${SAMPLES}/${name}`;
const hasSamples = existsSync(sample("copilot-responses-stream-id-rotation.jsonl"));

type Ev = Record<string, unknown> & { type: string };

/** A .jsonl sample as event payloads. */
function sampleEvents(name: string): Ev[] {
  return readFileSync(sample(name), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Ev);
}

/** The reasoning-encrypted sample holds several responses back to back: split at response.created. */
function responsesOf(events: Ev[]): Ev[][] {
  const out: Ev[][] = [];
  for (const e of events) {
    if (e.type === "response.created") out.push([]);
    out.at(-1)!.push(e);
  }
  return out;
}

/** SSE text as Copilot writes it: `event:` + `data:` lines, and a trailing `data: [DONE]`. */
function sseText(events: Ev[], { eol = "\n", done = true, named = true } = {}): string {
  const frames = events.map((e) => `${named ? `event: ${e.type}${eol}` : ""}data: ${JSON.stringify(e)}${eol}${eol}`);
  if (done) frames.push(`data: [DONE]${eol}${eol}`);
  return frames.join("");
}

const ODD_SIZES = [7, 13, 3, 29, 5, 11, 1, 17, 9, 23];
const SPLITS: [string, (b: Uint8Array) => Uint8Array[]][] = [
  ["whole", (b) => [b]],
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

/** Bytes → SseParser → decoder, chunk by chunk; then EOF (which must add nothing after [DONE]). */
function replay(text: string, split: (b: Uint8Array) => Uint8Array[], options?: ResponsesStreamDecoderOptions): StreamPart[] {
  const parser = new SseParser();
  const decoder = new ResponsesStreamDecoder({ newCallId: () => "call_new", ...options });
  const parts: StreamPart[] = [];
  for (const piece of split(new TextEncoder().encode(text))) for (const ev of parser.push(piece)) parts.push(...decoder.push(ev));
  for (const ev of parser.end()) parts.push(...decoder.push(ev));
  parts.push(...decoder.end());
  return parts;
}

/** Every split and line ending must decode to the same parts. */
function decodeEverySplit(events: Ev[], options?: ResponsesStreamDecoderOptions): StreamPart[] {
  let first: StreamPart[] | undefined;
  for (const eol of ["\n", "\r\n"]) {
    for (const [name, split] of SPLITS) {
      const parts = replay(sseText(events, { eol }), split, options);
      if (first) assert.deepEqual(parts, first, `split: ${name}, eol: ${JSON.stringify(eol)}`);
      else first = parts;
    }
  }
  return first!;
}

const decode = (events: Ev[], options?: ResponsesStreamDecoderOptions, done = true) =>
  replay(sseText(events, { done }), (b) => [b], options);

/** Checks the IR ordering contract: start first, blocks contiguous, finish/error last, once each. */
function assertContract(parts: StreamPart[]): void {
  assert.equal(parts[0]?.type, "start");
  assert.equal(parts.filter((p) => p.type === "start").length, 1);
  const last = parts.at(-1)!;
  assert.ok(last.type === "finish" || last.type === "error", `last part is ${last.type}`);
  assert.equal(parts.filter((p) => p.type === "finish" || p.type === "error").length, 1);
  let open: string | undefined;
  for (const p of parts.slice(1, -1)) {
    if (p.type === "usage") continue;
    const id = (p as { id: string }).id;
    if (p.type.endsWith("-start")) {
      assert.equal(open, undefined, `block ${id} starts inside ${open}`);
      open = id;
    } else {
      assert.equal(id, open, `${p.type} for ${id} outside its block (${open} open)`);
      if (p.type.endsWith("-end")) open = undefined;
    }
  }
  assert.equal(open, undefined);
}

describe("ResponsesStreamDecoder on real streams", { skip: hasSamples ? false : `${SAMPLES} is absent` }, () => {
  it("Copilot's stream with rotating item ids: keyed on output_index, final reasoning id from .done", () => {
    const events = sampleEvents("copilot-responses-stream-id-rotation.jsonl");
    const parts = decodeEverySplit(events);
    assertContract(parts);
    const text = "There are **3** letter **\u201cr\u201d**s in **\u201cstrawberry.\u201d**\n\nBreakdown: **s t r a w b e r r y**  \nYou can see **r** at positions **3, 8, and 9**.";
    assert.deepEqual(parts[0], { type: "start", id: "capture-id-1", model: "gpt-5.3-codex" });
    assert.deepEqual(
      parts.map((p) => p.type),
      ["start", "reasoning-start", "reasoning-delta", "reasoning-end", "text-start", ...Array(55).fill("text-delta"), "text-end", "finish"],
    );
    // The ids of .added / deltas / .done all differ; the .done one is the final one.
    assert.deepEqual(parts[3], { type: "reasoning-end", id: "reasoning-0", origin: "openai-responses", itemId: "capture-id-8" });
    assert.deepEqual(parts.at(-1), {
      type: "finish",
      reason: "stop",
      raw: "completed",
      // The capture's copilot_usage.total_nano_aiu: Copilot's own figure for this answer.
      usage: { inputTokens: 19, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 105, reasoningTokens: 44, nanoAiu: 150325000 },
    });
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [
      { type: "reasoning", text: "**Counting character occurrences**", itemId: "capture-id-8", origin: "openai-responses" },
      { type: "text", text },
    ]);
  });

  it("reasoning with encrypted content, then function calls: state byte-exact from output_item.done", () => {
    const events = sampleEvents("openai-responses-stream-reasoning-encrypted.jsonl");
    const [first, second, , last] = responsesOf(events);
    const doneItem = first!.find((e) => e.type === "response.output_item.done" && (e.item as { type: string }).type === "reasoning")!.item as {
      id: string;
      encrypted_content: string;
      summary: { text: string }[];
    };
    const addedItem = first!.find((e) => e.type === "response.output_item.added")!.item as { encrypted_content: string };
    assert.notEqual(addedItem.encrypted_content, doneItem.encrypted_content, "the sample's .added and .done states differ");

    const parts = decodeEverySplit(first!);
    assertContract(parts);
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [
      { type: "reasoning", text: doneItem.summary[0]!.text, itemId: doneItem.id, encryptedContent: doneItem.encrypted_content, origin: "openai-responses" },
      { type: "tool-call", id: "call_AB6AaRZ1FYZB2RwS6A5vbdqn", name: "calculator", input: '{"a":12,"b":7,"op":"add"}' },
    ]);
    assert.equal(answer.finishReason, "tool-calls");
    assert.deepEqual(answer.usage, { inputTokens: 134, cacheReadTokens: 0, outputTokens: 28, reasoningTokens: 0 });
    assert.equal(answer.id, "resp_01830d662ab3856501693c321345c88190b0de00f3b9975691");

    const calls = accumulate(decodeEverySplit(second!)).result();
    assert.deepEqual(calls.content, [{ type: "tool-call", id: "call_Q6pW65MUgW9vF59BmItYGos3", name: "calculator", input: '{"a":19,"b":3,"op":"multiply"}' }]);
    const final = accumulate(decodeEverySplit(last!)).result();
    assert.deepEqual(final.content, [{ type: "text", text: "The final result is **570**." }]);
    assert.equal(final.finishReason, "stop");
  });

  it("a custom_tool_call item streams its raw input", () => {
    const parts = decodeEverySplit(sampleEvents("openai-responses-stream-custom-tool.jsonl"));
    assertContract(parts);
    assert.deepEqual(parts.slice(1), [
      { type: "tool-input-start", id: "call_custom_sql_001", name: "write_sql", custom: true },
      { type: "tool-input-delta", id: "call_custom_sql_001", delta: "SELECT * " },
      { type: "tool-input-delta", id: "call_custom_sql_001", delta: "FROM users " },
      { type: "tool-input-delta", id: "call_custom_sql_001", delta: "WHERE age > 25" },
      { type: "tool-input-end", id: "call_custom_sql_001", input: "SELECT * FROM users WHERE age > 25" },
      { type: "finish", reason: "tool-calls", raw: "completed", usage: { inputTokens: 50, cacheReadTokens: 0, outputTokens: 20, reasoningTokens: 0 } },
    ]);
  });

  it("the same custom call sent as a function tool (as Copilot answers) is unwrapped to raw text", () => {
    // What Copilot streams for a custom tool that went upstream as a function tool taking {"input"}.
    const raw = "*** Begin Patch\n*** Add File: a.txt\n+héllo \"x\"\n*** End Patch";
    const args = JSON.stringify({ input: raw });
    const events: Ev[] = [
      { type: "response.created", response: { id: "resp_1", model: "gpt-5.5", output: [] } },
      { type: "response.output_item.added", output_index: 0, item: { type: "function_call", id: "fc_a", call_id: "call_1", name: "apply_patch", arguments: "" } },
      { type: "response.function_call_arguments.delta", output_index: 0, item_id: "fc_b", delta: args.slice(0, 17) },
      { type: "response.function_call_arguments.delta", output_index: 0, item_id: "fc_c", delta: args.slice(17) },
      { type: "response.function_call_arguments.done", output_index: 0, item_id: "fc_d", arguments: args },
      { type: "response.output_item.done", output_index: 0, item: { type: "function_call", id: "fc_e", call_id: "call_1", name: "apply_patch", arguments: args } },
      { type: "response.completed", response: { id: "resp_2", status: "completed", usage: { input_tokens: 10, output_tokens: 5 } } },
    ];
    const parts = decodeEverySplit(events, { customTools: ["apply_patch"] });
    assert.deepEqual(parts.slice(1, -1), [
      { type: "tool-input-start", id: "call_1", name: "apply_patch", custom: true },
      { type: "tool-input-delta", id: "call_1", delta: raw },
      { type: "tool-input-end", id: "call_1", input: raw },
    ]);
    // Without the custom tool list it is an ordinary function call.
    const plain = accumulate(decode(events)).result();
    assert.deepEqual(plain.content, [{ type: "tool-call", id: "call_1", name: "apply_patch", input: args }]);
  });
});

// ---- synthetic streams ----

const created = (id = "resp_x", model = "gpt-5.4"): Ev => ({ type: "response.created", response: { id, model, status: "in_progress", output: [] } });
const completed = (usage: unknown = { input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 } }, extra: Record<string, unknown> = {}): Ev => ({
  type: "response.completed",
  response: { id: "resp_y", status: "completed", usage, ...extra },
});
const message = (index: number, text: string): Ev[] => [
  { type: "response.output_item.added", output_index: index, item: { type: "message", role: "assistant", content: [] } },
  { type: "response.output_text.delta", output_index: index, content_index: 0, delta: text },
  { type: "response.output_item.done", output_index: index, item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] } },
];
const call = (index: number, callId: string, name: string, args: string): Ev[] => [
  { type: "response.output_item.added", output_index: index, item: { type: "function_call", call_id: callId, name, arguments: "" } },
  { type: "response.function_call_arguments.delta", output_index: index, delta: args },
  { type: "response.output_item.done", output_index: index, item: { type: "function_call", call_id: callId, name, arguments: args } },
];

describe("ResponsesStreamDecoder", () => {
  it("splits usage three ways (input excludes cached) and maps completed + calls to tool-calls", () => {
    const parts = decode([created(), ...message(0, "Running."), ...call(1, "c1", "exec", '{"cmd":"ls"}'), completed()]);
    assertContract(parts);
    assert.deepEqual(parts.at(-1), {
      type: "finish",
      reason: "tool-calls",
      raw: "completed",
      usage: { inputTokens: 60, cacheReadTokens: 40, outputTokens: 20, reasoningTokens: 5 },
    });
  });

  it("normalises empty, array and broken arguments to {} on tool-input-end (T5/T6)", () => {
    for (const args of ["", "[]", '{"a":', '"text"']) {
      const answer = accumulate(decode([created(), ...call(0, "c1", "noop", args), completed()])).result();
      assert.deepEqual(answer.content, [{ type: "tool-call", id: "c1", name: "noop", input: "{}" }], JSON.stringify(args));
    }
  });

  it("takes arguments from function_call_arguments.done when no delta came", () => {
    const parts = decode([
      created(),
      { type: "response.output_item.added", output_index: 0, item: { type: "function_call", call_id: "c1", name: "f", arguments: "" } },
      { type: "response.function_call_arguments.done", output_index: 0, arguments: '{"x":1}' },
      { type: "response.output_item.done", output_index: 0, item: { type: "function_call", call_id: "c1", name: "f", arguments: '{"x":1}' } },
      completed(),
    ]);
    assert.deepEqual(parts.slice(1, -1), [
      { type: "tool-input-start", id: "c1", name: "f" },
      { type: "tool-input-delta", id: "c1", delta: '{"x":1}' },
      { type: "tool-input-end", id: "c1", input: '{"x":1}' },
    ]);
  });

  it("joins several summary parts with a blank line", () => {
    const parts = decode([
      created(),
      { type: "response.output_item.added", output_index: 0, item: { type: "reasoning", summary: [] } },
      { type: "response.reasoning_summary_part.added", output_index: 0, summary_index: 0, part: { type: "summary_text", text: "" } },
      { type: "response.reasoning_summary_text.delta", output_index: 0, summary_index: 0, delta: "One." },
      { type: "response.reasoning_summary_part.added", output_index: 0, summary_index: 1, part: { type: "summary_text", text: "" } },
      { type: "response.reasoning_summary_text.delta", output_index: 0, summary_index: 1, delta: "Two." },
      { type: "response.output_item.done", output_index: 0, item: { type: "reasoning", id: "rs_1", encrypted_content: "gAAA==", summary: [{ text: "One." }, { text: "Two." }] } },
      completed(),
    ]);
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [{ type: "reasoning", text: "One.\n\nTwo.", itemId: "rs_1", encryptedContent: "gAAA==", origin: "openai-responses" }]);
  });

  it("tolerates data: [DONE] before and after the terminal event (caozhiyuan#338)", () => {
    const events = [created(), ...message(0, "hi"), completed()];
    const parts = decode(events, undefined, true);
    assert.equal(parts.at(-1)?.type, "finish");
    const early = replay(sseText([created(), ...message(0, "hi")], { done: true }), (b) => [b]);
    assert.equal(early.at(-1)?.type, "error");
    assert.match((early.at(-1) as { error: ApiError }).error.message, /before response\.completed/);
  });

  it("events without `event:` lines decode the same (the type is in the data)", () => {
    const events = [created(), ...message(0, "hi"), completed()];
    assert.deepEqual(
      replay(sseText(events, { named: false }), (b) => [b]),
      replay(sseText(events), (b) => [b]),
    );
  });

  it("a stream that ends without response.completed is an error, not a finish", () => {
    const parts = decode([created(), ...message(0, "partial")], undefined, false);
    assertContract(parts);
    const last = parts.at(-1) as { type: "error"; error: ApiError };
    assert.equal(last.type, "error");
    assert.equal(last.error.status, 502);
    const none = new ResponsesStreamDecoder().end();
    assert.equal(none[0]?.type, "start");
    assert.match((none[1] as { error: ApiError }).error.message, /without sending an answer/);
  });

  it("response.incomplete for max_output_tokens is a length stop; open items are closed first", () => {
    const parts = decode([
      created(),
      { type: "response.output_item.added", output_index: 0, item: { type: "message", content: [] } },
      { type: "response.output_text.delta", output_index: 0, delta: "cut" },
      { type: "response.incomplete", response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { input_tokens: 5, output_tokens: 9 } } },
    ]);
    assertContract(parts);
    assert.deepEqual(parts.slice(-2), [
      { type: "text-end", id: "text-0" },
      { type: "finish", reason: "length", raw: "max_output_tokens", usage: { inputTokens: 5, outputTokens: 9 } },
    ]);
  });

  it("response.failed and error events become an error part carrying Copilot's message and code; nothing follows", () => {
    const failed = new ResponsesStreamDecoder();
    const parts = [
      ...failed.push({ data: JSON.stringify(created()) }),
      ...failed.push({ data: JSON.stringify({ type: "response.failed", response: { status: "failed", error: { code: "server_error", message: "An error occurred" } } }) }),
    ];
    const err = (parts.at(-1) as { error: ApiError }).error;
    assert.ok(err instanceof ApiError);
    assert.equal(err.message, "An error occurred");
    assert.equal(err.code, "server_error");
    assert.equal(err.status, 502);
    assert.equal(err.upstream, true);
    assert.deepEqual(failed.push({ data: JSON.stringify(completed()) }), []);
    assert.deepEqual(failed.end(), []);

    const limited = decode([created(), { type: "error", code: "rate_limit_exceeded", message: "Slow down", param: null }]);
    const e2 = (limited.at(-1) as { error: ApiError }).error;
    assert.equal(e2.kind, "rate_limit");
    assert.equal(e2.status, 429);
    assert.equal(e2.message, "Slow down");

    const wrapped = decode([created(), { type: "error", error: { code: "context_length_exceeded", message: "Too long" } }]);
    assert.equal((wrapped.at(-1) as { error: ApiError }).error.kind, "context_window");
  });

  it("a non-JSON data line is an error part, not a thrown exception", () => {
    const d = new ResponsesStreamDecoder();
    const parts = d.push({ data: '{"type":"response.output_text.delta","delta":"bro' });
    assert.equal(parts.at(-1)?.type, "error");
  });

  it("keeps blocks contiguous when upstream items interleave (guard)", () => {
    const parts = decode([
      created(),
      { type: "response.output_item.added", output_index: 0, item: { type: "message", content: [] } },
      { type: "response.output_text.delta", output_index: 0, delta: "a" },
      { type: "response.output_item.added", output_index: 1, item: { type: "function_call", call_id: "c1", name: "f" } },
      { type: "response.function_call_arguments.delta", output_index: 1, delta: '{"x"' },
      { type: "response.output_text.delta", output_index: 0, delta: "b" },
      { type: "response.function_call_arguments.delta", output_index: 1, delta: ":1}" },
      { type: "response.output_item.done", output_index: 1, item: { type: "function_call", call_id: "c1", name: "f", arguments: '{"x":1}' } },
      { type: "response.output_item.done", output_index: 0, item: { type: "message", content: [{ type: "output_text", text: "ab" }] } },
      completed(),
    ]);
    assertContract(parts);
    assert.deepEqual(
      parts.slice(1, -1).map((p) => [p.type, "delta" in p ? p.delta : undefined]),
      [
        ["text-start", undefined],
        ["text-delta", "a"],
        ["text-delta", "b"],
        ["text-end", undefined],
        ["tool-input-start", undefined],
        ["tool-input-delta", '{"x"'],
        ["tool-input-delta", ":1}"],
        ["tool-input-end", undefined],
      ],
    );
  });

  it("ignores items it can't represent (web search calls) and a refusal becomes a refusal stop", () => {
    const parts = decode([
      created(),
      { type: "response.output_item.added", output_index: 0, item: { type: "web_search_call", id: "ws_1" } },
      { type: "response.output_item.done", output_index: 0, item: { type: "web_search_call", id: "ws_1" } },
      { type: "response.output_item.added", output_index: 1, item: { type: "message", content: [] } },
      { type: "response.refusal.delta", output_index: 1, delta: "I can't." },
      { type: "response.output_item.done", output_index: 1, item: { type: "message", content: [{ type: "refusal", refusal: "I can't." }] } },
      completed(),
    ]);
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [{ type: "text", text: "I can't." }]);
    assert.equal(answer.finishReason, "refusal");
  });

  it("responsesDecoderOptions lists the request's custom tools", () => {
    assert.deepEqual(
      responsesDecoderOptions({ tools: [{ type: "custom", name: "apply_patch" }, { type: "function", name: "exec", parameters: {} }] }),
      { customTools: ["apply_patch"] },
    );
  });
});

describe("decodeResponsesResponse", () => {
  it("replays a non-streaming response through the same steps", () => {
    const raw = "*** Begin Patch\n*** End Patch";
    const parts = decodeResponsesResponse(
      {
        id: "resp_1",
        object: "response",
        model: "gpt-5.4",
        status: "completed",
        output: [
          { type: "reasoning", id: "rs_9", summary: [{ type: "summary_text", text: "Plan." }], encrypted_content: "gAAAAB-exact==" },
          { type: "message", id: "msg_1", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Patching.", annotations: [] }] },
          { type: "function_call", id: "fc_1", call_id: "call_p", name: "apply_patch", arguments: JSON.stringify({ input: raw }) },
          { type: "function_call", id: "fc_2", call_id: "call_q", name: "exec", arguments: "" },
        ],
        usage: { input_tokens: 50, input_tokens_details: { cached_tokens: 10 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 57 },
      },
      { customTools: ["apply_patch"] },
    );
    assertContract(parts);
    const answer = accumulate(parts).result();
    assert.equal(answer.id, "resp_1");
    assert.equal(answer.model, "gpt-5.4");
    assert.deepEqual(answer.content, [
      { type: "reasoning", text: "Plan.", itemId: "rs_9", encryptedContent: "gAAAAB-exact==", origin: "openai-responses" },
      { type: "text", text: "Patching." },
      { type: "tool-call", id: "call_p", name: "apply_patch", input: raw, custom: true },
      { type: "tool-call", id: "call_q", name: "exec", input: "{}" },
    ]);
    assert.equal(answer.finishReason, "tool-calls");
    assert.deepEqual(answer.usage, { inputTokens: 40, cacheReadTokens: 10, outputTokens: 7, reasoningTokens: 3 });
  });

  it("an incomplete response is a length stop; a failed one an error; a non-object an error", () => {
    const incomplete = accumulate(decodeResponsesResponse({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [] })).result();
    assert.equal(incomplete.finishReason, "length");
    const failed = accumulate(decodeResponsesResponse({ status: "failed", error: { code: "server_error", message: "boom" }, output: [] }));
    assert.equal(failed.error?.message, "boom");
    assert.equal(accumulate(decodeResponsesResponse("nope")).error?.status, 502);
  });
});

describe("convert-usage and map-status", () => {
  it("usage round-trips: total input on the wire, split in the IR", () => {
    const ir = decodeResponsesUsage({ input_tokens: 100, input_tokens_details: { cached_tokens: 30, cache_write_tokens: 10 }, output_tokens: 8 });
    assert.deepEqual(ir, { inputTokens: 60, cacheReadTokens: 30, cacheWriteTokens: 10, outputTokens: 8 });
    assert.deepEqual(encodeResponsesUsage(ir!), {
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 30 },
      output_tokens: 8,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 108,
    });
    assert.equal(decodeResponsesUsage(null), undefined);
    assert.equal(encodeResponsesUsage({}, 42).input_tokens, 42);
  });

  it("status mapping both ways", () => {
    assert.equal(mapResponsesStatus("completed", null, false), "stop");
    assert.equal(mapResponsesStatus("completed", null, true), "tool-calls");
    assert.equal(mapResponsesStatus("incomplete", "max_output_tokens", true), "length");
    assert.equal(mapResponsesStatus("incomplete", "content_filter", false), "content-filter");
    assert.deepEqual(encodeResponsesStatus("length"), { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
    assert.deepEqual(encodeResponsesStatus("tool-calls"), { status: "completed", incomplete_details: null });
  });
});
