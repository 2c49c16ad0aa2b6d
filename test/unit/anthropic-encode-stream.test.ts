import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { decodeAnthropicRequest } from "../../src/dialects/anthropic/decode-request.js";
import { AnthropicStreamEncoder } from "../../src/dialects/anthropic/encode-stream.js";
import type { NewId } from "../../src/dialects/anthropic/encode-message.js";
import { ApiError } from "../../src/errors.js";
import type { StreamPart } from "../../src/ir/stream.js";

type Frame = { event: string; data: Record<string, unknown> };

function counterIds(): NewId {
  let n = 0;
  return (prefix) => `${prefix}_gen${++n}`;
}

function encodeAll(parts: StreamPart[], opts: { inputTokensEstimate?: number } = {}): string[] {
  const enc = new AnthropicStreamEncoder({ model: "claude-test", newId: counterIds(), ...opts });
  return parts.flatMap((p) => enc.encode(p));
}

/** Each frame must be exactly `event: X\ndata: <json>\n\n`, with the event name equal to data.type. */
function parseFrames(frames: string[]): Frame[] {
  return frames.map((f) => {
    const m = /^event: ([a-z_]+)\ndata: (.*)\n\n$/s.exec(f);
    assert.ok(m, `malformed frame ${JSON.stringify(f)}`);
    const data = JSON.parse(m[2]!) as Record<string, unknown>;
    assert.equal(data.type, m[1]);
    return { event: m[1]!, data };
  });
}

const events = (frames: string[]) => parseFrames(frames).map((f) => f.data);

const start: StreamPart = { type: "start", id: "chatcmpl-1", usage: { inputTokens: 10, cacheReadTokens: 5 } };
const finish = (reason: Extract<StreamPart, { type: "finish" }>["reason"], usage = {}): StreamPart => ({ type: "finish", reason, usage });

function messageStart(usage: Record<string, unknown>) {
  return {
    type: "message_start",
    message: {
      id: "msg_gen1",
      type: "message",
      role: "assistant",
      model: "claude-test",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  };
}

const TEXT_ONLY: StreamPart[] = [
  start,
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "Hel" },
  { type: "text-delta", id: "t", delta: "" },
  { type: "text-delta", id: "t", delta: "lo" },
  { type: "text-end", id: "t" },
  { type: "usage", usage: { outputTokens: 3 } },
  finish("stop", { outputTokens: 7 }),
];

const THINKING_THEN_TEXT: StreamPart[] = [
  { type: "start" },
  { type: "reasoning-start", id: "r" },
  { type: "reasoning-delta", id: "r", delta: "Let me think." },
  { type: "reasoning-end", id: "r", signature: "EqQBsig", origin: "anthropic" },
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "Answer." },
  { type: "text-end", id: "t" },
  finish("stop", { inputTokens: 20, outputTokens: 9 }),
];

const TEXT_THEN_TWO_TOOLS: StreamPart[] = [
  { type: "start" },
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "Checking." },
  { type: "text-end", id: "t" },
  { type: "tool-input-start", id: "call_abc", name: "Read" },
  { type: "tool-input-delta", id: "call_abc", delta: '{"path":' },
  { type: "tool-input-delta", id: "call_abc", delta: '"a.ts"}' },
  { type: "tool-input-end", id: "call_abc", input: '{"path":"a.ts"}' },
  { type: "tool-input-start", id: "function-call 7", name: "Bash" },
  { type: "tool-input-delta", id: "function-call 7", delta: "  " },
  { type: "tool-input-delta", id: "function-call 7", delta: '{"command":"ls"}' },
  { type: "tool-input-end", id: "function-call 7", input: '{"command":"ls"}' },
  finish("tool-calls", { inputTokens: 30, outputTokens: 12 }),
];

describe("AnthropicStreamEncoder", () => {
  it("encodes a text-only answer", () => {
    assert.deepEqual(events(encodeAll(TEXT_ONLY)), [
      messageStart({ input_tokens: 10, output_tokens: 0, cache_read_input_tokens: 5 }),
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
      { type: "content_block_stop", index: 0 },
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 7, input_tokens: 10, cache_read_input_tokens: 5 },
      },
      { type: "message_stop" },
    ]);
  });

  it("writes exact SSE text with event lines", () => {
    const frames = encodeAll(TEXT_ONLY);
    assert.equal(frames[1], 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
    assert.equal(frames[frames.length - 1], 'event: message_stop\ndata: {"type":"message_stop"}\n\n');
  });

  it("encodes thinking with its signature, then text", () => {
    assert.deepEqual(events(encodeAll(THINKING_THEN_TEXT, { inputTokensEstimate: 42 })), [
      messageStart({ input_tokens: 42, output_tokens: 0 }),
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Let me think." } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "EqQBsig" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Answer." } },
      { type: "content_block_stop", index: 1 },
      { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9, input_tokens: 20 } },
      { type: "message_stop" },
    ]);
  });

  it("encodes text then two tool calls, keeping call_ ids and replacing odd ones", () => {
    assert.deepEqual(events(encodeAll(TEXT_THEN_TWO_TOOLS)).slice(1), [
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking." } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_abc", name: "Read", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"path":' } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '"a.ts"}' } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_gen2", name: "Bash", input: {} } },
      // Leading whitespace is held until the text is known to open an object, then sent with it.
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '  {"command":"ls"}' } },
      { type: "content_block_stop", index: 2 },
      { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 12, input_tokens: 30 } },
      { type: "message_stop" },
    ]);
  });

  it("sends the normalised input when the streamed arguments were empty or not an object (T5)", () => {
    const frames = encodeAll([
      { type: "start" },
      { type: "tool-input-start", id: "toolu_1", name: "Glob" },
      { type: "tool-input-end", id: "toolu_1", input: "{}" },
      { type: "tool-input-start", id: "toolu_2", name: "List" },
      { type: "tool-input-delta", id: "toolu_2", delta: "[" },
      { type: "tool-input-delta", id: "toolu_2", delta: "]" },
      { type: "tool-input-end", id: "toolu_2", input: "{}" },
      finish("tool-calls"),
    ]);
    const deltas = events(frames).filter((e) => e.type === "content_block_delta");
    assert.deepEqual(deltas, [
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{}" } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{}" } },
    ]);
  });

  it("demotes a tool-calls finish without tool blocks to end_turn (T8) and promotes a stop with tools", () => {
    const noTools = events(encodeAll([{ type: "start" }, { type: "text-start", id: "t" }, { type: "text-delta", id: "t", delta: "x" }, { type: "text-end", id: "t" }, finish("tool-calls")]));
    assert.deepEqual(noTools.at(-2), { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 0 } });
    const withTools = events(
      encodeAll([{ type: "start" }, { type: "tool-input-start", id: "toolu_1", name: "A" }, { type: "tool-input-end", id: "toolu_1", input: "{}" }, finish("stop")]),
    );
    assert.equal((withTools.at(-2)?.delta as { stop_reason: string }).stop_reason, "tool_use");
    const stopSeq = events(encodeAll([{ type: "start" }, { type: "finish", reason: "stop", raw: "stop_sequence", usage: {} }]));
    assert.equal((stopSeq.at(-2)?.delta as { stop_reason: string }).stop_reason, "stop_sequence");
    const length = events(encodeAll([{ type: "start" }, finish("length")]));
    assert.equal((length.at(-2)?.delta as { stop_reason: string }).stop_reason, "max_tokens");
  });

  it("ends with an error event and nothing after it when the upstream fails mid-stream", () => {
    const enc = new AnthropicStreamEncoder({ model: "claude-test", newId: counterIds() });
    const frames = [
      { type: "start" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "partial" },
      { type: "error", error: new ApiError({ kind: "overloaded", status: 529, message: "server_is_overloaded" }) },
    ].flatMap((p) => enc.encode(p as StreamPart));
    assert.deepEqual(
      parseFrames(frames).map((f) => f.event),
      ["message_start", "content_block_start", "content_block_delta", "error"],
    );
    assert.deepEqual(parseFrames(frames).at(-1)?.data, { type: "error", error: { type: "overloaded_error", message: "server_is_overloaded" } });
    assert.equal(enc.finished, true);
    assert.deepEqual(enc.encode({ type: "text-end", id: "t" }), []);
    assert.deepEqual(enc.encode(finish("stop")), []);
  });

  it("never opens empty blocks; reasoning with only state still round-trips", () => {
    const parts: StreamPart[] = [
      { type: "start" },
      { type: "text-start", id: "t0" },
      { type: "text-end", id: "t0" },
      { type: "reasoning-start", id: "r0" },
      { type: "reasoning-end", id: "r0" },
      { type: "reasoning-start", id: "r1" },
      { type: "reasoning-end", id: "r1", redactedData: "REDACTED", origin: "anthropic" },
      { type: "reasoning-start", id: "r2" },
      { type: "reasoning-end", id: "r2", signature: "opaque==", origin: "openai-chat" },
      finish("stop"),
    ];
    const evs = events(encodeAll(parts));
    assert.deepEqual(evs.slice(1, -2), [
      { type: "content_block_start", index: 0, content_block: { type: "redacted_thinking", data: "REDACTED" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "thinking", thinking: "", signature: "" } },
      {
        type: "content_block_delta",
        index: 1,
        delta: { type: "signature_delta", signature: `cpk:openai-chat:${Buffer.from('{"s":"opaque=="}').toString("base64url")}` },
      },
      { type: "content_block_stop", index: 1 },
    ]);
  });

  it("emits message_start once, first, even when the first part is not start", () => {
    const evs = events(encodeAll([{ type: "text-start", id: "t" }, { type: "text-delta", id: "t", delta: "x" }, { type: "start" }, finish("stop")]));
    assert.deepEqual(
      evs.map((e) => e.type),
      ["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
    );
  });

  it("keeps a msg_ id from the upstream and reports input, cache reads and cache writes as three separate counts", () => {
    const evs = events(encodeAll([{ type: "start", id: "msg_up", usage: { inputTokens: 40, cacheWriteTokens: 60, cacheReadTokens: 5 } }, finish("stop")]));
    const message = evs[0]!.message as { id: string; usage: unknown };
    assert.equal(message.id, "msg_up");
    assert.deepEqual(message.usage, { input_tokens: 40, output_tokens: 0, cache_read_input_tokens: 5, cache_creation_input_tokens: 60 });
  });

  it("pings with JSON data (case 39)", () => {
    const enc = new AnthropicStreamEncoder({ model: "m" });
    assert.equal(enc.ping(), 'event: ping\ndata: {"type":"ping"}\n\n');
  });
});

/* ------------------------------------------------------------------------------------------------
 * The real @anthropic-ai/sdk MessageStream, over HTTP, against what the encoder writes.
 * ---------------------------------------------------------------------------------------------- */

// A devDependency: the real SDK's strict stream parser is the judge here.
const sdk = await import("@anthropic-ai/sdk");

describe("AnthropicStreamEncoder against @anthropic-ai/sdk", () => {
  let server: Server;
  let baseURL = "";
  let body = "";
  const requests: unknown[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      req.on("end", () => {
        requests.push(JSON.parse(raw));
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function finalMessage(parts: StreamPart[], withPing = true) {
    const enc = new AnthropicStreamEncoder({ model: "claude-test", newId: counterIds() });
    const frames = parts.flatMap((p) => enc.encode(p));
    if (withPing) frames.splice(2, 0, enc.ping());
    body = frames.join("");
    const client = new sdk!.default({ baseURL, apiKey: "x", maxRetries: 0 });
    return client.messages.stream({ model: "claude-test", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }).finalMessage();
  }

  it("accepts a text answer", async () => {
    const msg = await finalMessage(TEXT_ONLY);
    assert.deepEqual(msg.content, [{ type: "text", text: "Hello" }]);
    assert.equal(msg.stop_reason, "end_turn");
    assert.equal(msg.usage.output_tokens, 7);
    assert.equal(msg.usage.input_tokens, 10);
    assert.equal(msg.usage.cache_read_input_tokens, 5);
    assert.equal(msg.role, "assistant");
  });

  it("accepts thinking with a signature followed by text", async () => {
    const msg = await finalMessage(THINKING_THEN_TEXT);
    assert.deepEqual(msg.content, [
      { type: "thinking", thinking: "Let me think.", signature: "EqQBsig" },
      { type: "text", text: "Answer." },
    ]);
  });

  it("accepts text and two tool calls with parsed inputs", async () => {
    const msg = await finalMessage(TEXT_THEN_TWO_TOOLS);
    assert.equal(msg.stop_reason, "tool_use");
    assert.deepEqual(JSON.parse(JSON.stringify(msg.content)), [
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "call_abc", name: "Read", input: { path: "a.ts" } },
      { type: "tool_use", id: "toolu_gen2", name: "Bash", input: { command: "ls" } },
    ]);
  });

  it("accepts a tool call whose upstream arguments were \"[]\"", async () => {
    const msg = await finalMessage([
      { type: "start" },
      { type: "tool-input-start", id: "toolu_1", name: "List" },
      { type: "tool-input-delta", id: "toolu_1", delta: "[]" },
      { type: "tool-input-end", id: "toolu_1", input: "{}" },
      finish("tool-calls"),
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(msg.content)), [{ type: "tool_use", id: "toolu_1", name: "List", input: {} }]);
  });

  it("accepts a reasoning-only answer (T19)", async () => {
    const msg = await finalMessage([
      { type: "start" },
      { type: "reasoning-start", id: "r" },
      { type: "reasoning-delta", id: "r", delta: "thinking only" },
      { type: "reasoning-end", id: "r" },
      finish("length", { outputTokens: 5 }),
    ]);
    assert.deepEqual(msg.content, [{ type: "thinking", thinking: "thinking only", signature: "" }]);
    assert.equal(msg.stop_reason, "max_tokens");
  });

  it("turns a mid-stream error into an APIError", async () => {
    await assert.rejects(
      finalMessage(
        [
          { type: "start" },
          { type: "text-start", id: "t" },
          { type: "text-delta", id: "t", delta: "partial" },
          { type: "error", error: new ApiError({ kind: "overloaded", status: 529, message: "server_is_overloaded" }) },
        ],
        false,
      ),
      (e: unknown) => e instanceof sdk!.APIError && /server_is_overloaded/.test(String((e as Error).message)),
    );
  });

  it("round-trips a foreign reasoning signature through the client into decode-request", async () => {
    const msg = await finalMessage([
      { type: "start" },
      { type: "reasoning-start", id: "r", itemId: "rs_9" },
      { type: "reasoning-delta", id: "r", delta: "summary" },
      { type: "reasoning-end", id: "r", encryptedContent: "gAAAAB+enc/==", origin: "openai-responses" },
      { type: "reasoning-start", id: "r2" },
      { type: "reasoning-end", id: "r2", signature: "chat-opaque", origin: "openai-chat" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "done" },
      { type: "text-end", id: "t" },
      finish("stop"),
    ]);
    // What Claude Code sends back on the next turn: the assistant content as received.
    const req = decodeAnthropicRequest({
      model: "m",
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: JSON.parse(JSON.stringify(msg.content)) },
        { role: "user", content: "next" },
      ],
    });
    assert.deepEqual(req.messages[1], {
      role: "assistant",
      content: [
        { type: "reasoning", text: "summary", itemId: "rs_9", encryptedContent: "gAAAAB+enc/==", origin: "openai-responses" },
        { type: "reasoning", text: "", signature: "chat-opaque", origin: "openai-chat" },
        { type: "text", text: "done" },
      ],
    });
  });
});
