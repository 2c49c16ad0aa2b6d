import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SseEvent, SseParser, sseDecoderStream } from "../../src/sse/sse-decoder.js";
import { encodeSse, formatSse } from "../../src/sse/sse-encoder.js";

const enc = new TextEncoder();

function parseAll(chunks: (Uint8Array | string)[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) p.push(c, out);
  p.end(out);
  return out;
}

function splitAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const o of offsets) {
    parts.push(bytes.subarray(prev, o));
    prev = o;
  }
  parts.push(bytes.subarray(prev));
  return parts;
}

describe("SseParser", () => {
  it("parses data, event and id fields; a blank line dispatches", () => {
    const events = parseAll(["event: message_start\ndata: {\"a\":1}\nid: 7\n\ndata: plain\n\n"]);
    assert.deepEqual(events, [{ event: "message_start", data: '{"a":1}', id: "7" }, { data: "plain", id: "7" }]);
  });

  it("accepts \\n, \\r\\n and \\r line endings alike", () => {
    const expected = [{ event: "e", data: "one" }, { data: "two" }];
    for (const eol of ["\n", "\r\n", "\r"]) {
      assert.deepEqual(parseAll([`event: e${eol}data: one${eol}${eol}data: two${eol}${eol}`]), expected, JSON.stringify(eol));
    }
    assert.deepEqual(parseAll(["event: e\r\ndata: one\n\rdata: two\r\n\r\n"]), expected, "mixed");
  });

  it("a \\r\\n pair split across pushes is one line ending", () => {
    assert.deepEqual(parseAll(["data: a\r", "\ndata: b\r", "\n\r", "\n"]), [{ data: "a\nb" }]);
    // and a lone \r at the end of a push followed by a new line is still only one ending
    assert.deepEqual(parseAll(["data: a\r", "data: b\r\r"]), [{ data: "a\nb" }]);
  });

  it("multi-line data joins with \\n", () => {
    assert.deepEqual(parseAll(["data: line1\ndata: line2\ndata:\ndata: line4\n\n"]), [{ data: "line1\nline2\n\nline4" }]);
  });

  it("comments and unknown fields are ignored; a colon-less line is a field with an empty value", () => {
    assert.deepEqual(parseAll([": ping\nretry: 100\nfoo: bar\ndata\n\n:keep-alive\n\n"]), [{ data: "" }]);
  });

  it("only one leading space is stripped from the value", () => {
    assert.deepEqual(parseAll(["data:  two spaces\ndata:none\n\n"]), [{ data: " two spaces\nnone" }]);
  });

  it("an event name without data dispatches nothing and does not leak into the next event", () => {
    assert.deepEqual(parseAll(["event: ping\n\ndata: x\n\n"]), [{ data: "x" }]);
  });

  it("a trailing event without the final blank line is flushed by end()", () => {
    assert.deepEqual(parseAll(["data: [DONE]"]), [{ data: "[DONE]" }]);
    assert.deepEqual(parseAll(["data: last\n"]), [{ data: "last" }]);
  });

  it("multi-byte UTF-8 split mid-character decodes intact", () => {
    const text = 'data: {"t":"héllo wörld — 日本語 🎉"}\n\n';
    const bytes = enc.encode(text);
    const events = [];
    for (let i = 1; i < bytes.length; i++) events.push(parseAll(splitAt(bytes, [i])));
    for (const e of events) assert.deepEqual(e, [{ data: '{"t":"héllo wörld — 日本語 🎉"}' }]);
    // every byte its own push
    assert.deepEqual(parseAll(Array.from(bytes, (b) => Uint8Array.of(b))), [{ data: '{"t":"héllo wörld — 日本語 🎉"}' }]);
  });

  it("a stream split at every single byte offset (and every pair of offsets) yields the same events", () => {
    const stream =
      ": hello\r\n" +
      "event: message_start\r\ndata: {\"type\":\"message_start\",\"x\":\"é\"}\r\n\r\n" +
      "data: a\rdata: b\r\r" +
      "event: delta\ndata: {\"text\":\"🎉\"}\nid: 1\n\n" +
      "data: [DONE]\n\n";
    const bytes = enc.encode(stream);
    const whole = parseAll([bytes]);
    assert.deepEqual(whole, [
      { event: "message_start", data: '{"type":"message_start","x":"é"}' },
      { data: "a\nb" },
      { event: "delta", data: '{"text":"🎉"}', id: "1" },
      { data: "[DONE]", id: "1" },
    ]);
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(parseAll(splitAt(bytes, [i])), whole, `split at ${i}`);
    }
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        assert.deepEqual(parseAll(splitAt(bytes, [i, j])), whole, `split at ${i},${j}`);
      }
    }
    assert.deepEqual(parseAll(Array.from(bytes, (b) => Uint8Array.of(b))), whole, "one byte per push");
  });

  it("random line-ending mixes parse the same whole or byte by byte", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const eols = ["\n", "\r\n", "\r"];
    for (let round = 0; round < 200; round++) {
      let s = "";
      const expected: SseEvent[] = [];
      const events = 1 + rand(4);
      for (let e = 0; e < events; e++) {
        const lines = 1 + rand(3);
        const data: string[] = [];
        for (let l = 0; l < lines; l++) {
          const v = `v${round}-${e}-${l}${rand(2) ? "ü" : ""}`;
          data.push(v);
          s += `data: ${v}${eols[rand(3)]}`;
          if (rand(4) === 0) s += `: comment${eols[rand(3)]}`;
        }
        s += eols[rand(3)];
        if (rand(3) === 0) s += eols[rand(3)];
        expected.push({ data: data.join("\n") });
      }
      const bytes = enc.encode(s);
      assert.deepEqual(parseAll([bytes]), expected, JSON.stringify(s));
      assert.deepEqual(parseAll(Array.from(bytes, (b) => Uint8Array.of(b))), expected, JSON.stringify(s));
    }
  });

  it("string pushes work like bytes", () => {
    assert.deepEqual(parseAll(["data: a", "bc\n", "\n"]), [{ data: "abc" }]);
  });
});

describe("sseDecoderStream", () => {
  it("turns a byte stream into events, flushing the tail", async () => {
    const bytes = enc.encode('event: x\ndata: {"n":1}\n\ndata: {"n":2}');
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        for (const part of splitAt(bytes, [3, 11, 17])) c.enqueue(part);
        c.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const ev of source.pipeThrough(sseDecoderStream()) as unknown as AsyncIterable<SseEvent>) events.push(ev);
    assert.deepEqual(events, [{ event: "x", data: '{"n":1}' }, { data: '{"n":2}' }]);
  });
});

describe("sse encoder round trip", () => {
  it("formatSse output parses back to the same event", () => {
    assert.equal(formatSse('{"a":1}', "ping"), 'event: ping\ndata: {"a":1}\n\n');
    assert.deepEqual(parseAll([encodeSse('{"a":1}', "ping"), encodeSse("[DONE]")]), [{ event: "ping", data: '{"a":1}' }, { data: "[DONE]" }]);
  });
});
