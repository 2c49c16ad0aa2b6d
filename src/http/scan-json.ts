const HEX_BYTES = Buffer.from("0123456789abcdef", "latin1");

/**
 * UTF-8 JSON bytes as text for JSON.parse, in one pass that also checks the nesting depth (undefined
 * when it exceeds `limit`). A leading BOM is dropped, as TextDecoder drops it.
 *
 * Why not TextDecoder: a body with one non-ASCII character decodes to a two-byte string, twice the
 * size, and on Node 20 that decoding alone costs ~1 ms for a 112 KB Claude Code request (bench (d),
 * (e)). Here the ASCII runs are copied as one-byte text and each non-ASCII run inside a string
 * literal is written as \uXXXX escapes, which JSON.parse reads as the same characters; the text
 * stays one-byte and parses several times faster. A non-ASCII run outside a string, or right after a
 * backslash, is not valid JSON either way: it is decoded as it is, and JSON.parse refuses it as
 * before. Invalid UTF-8 becomes U+FFFD, as with TextDecoder.
 */
export function scanJson(bytes: Uint8Array, limit: number): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.length;
  const first = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let i = first;
  let start = i;
  let depth = 0;
  let inString = false;
  let afterBackslash = false;
  let parts: string[] | undefined;
  // Past this many non-ASCII runs, or characters escaped, the body is decoded as TextDecoder would:
  // piece by piece costs a call per run, and text such as "é" in every word, or megabytes of
  // CJK, took seconds (and twice the memory) where one decode takes milliseconds.
  let budget = MAX_ESCAPED_RUNS;
  let escapedChars = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      if (inString) {
        if (b === 92 /* \ */) {
          if (i + 1 < n && buf[i + 1]! >= 0x80) afterBackslash = true;
          else i++;
        } else if (b === 34 /* " */) inString = false;
      } else if (b === 34) inString = true;
      else if (b === 123 /* { */ || b === 91 /* [ */) {
        if (++depth > limit) return undefined;
      } else if (b === 125 /* } */ || b === 93 /* ] */) depth--;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && buf[j]! >= 0x80) j++;
    if (budget > 0 && escapedChars + (j - i) > MAX_ESCAPED_CHARS) budget = 0; // bytes >= characters
    if (budget > 0) {
      parts ??= [];
      if (i > start) parts.push(buf.toString("latin1", start, i));
      const text = buf.toString("utf8", i, j);
      parts.push(inString && !afterBackslash ? escapeAll(text) : text);
      escapedChars += text.length;
      budget--;
    }
    afterBackslash = false;
    start = i = j;
  }
  if (budget <= 0) return buf.toString("utf8", first, n);
  if (!parts) return buf.toString("latin1", start, n);
  if (n > start) parts.push(buf.toString("latin1", start, n));
  return parts.join("");
}

const MAX_ESCAPED_RUNS = 4_096;
const MAX_ESCAPED_CHARS = 65_536;

/**
 * `text` as \uXXXX escapes, written as bytes: building it by string concatenation cost ~1 µs a
 * character, so a body of a few MB of CJK or emoji held the event loop for seconds before parsing.
 */
function escapeAll(text: string): string {
  const out = Buffer.allocUnsafe(text.length * 6);
  let o = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    out[o] = 92; // \
    out[o + 1] = 117; // u
    out[o + 2] = HEX_BYTES[c >> 12]!;
    out[o + 3] = HEX_BYTES[(c >> 8) & 15]!;
    out[o + 4] = HEX_BYTES[(c >> 4) & 15]!;
    out[o + 5] = HEX_BYTES[c & 15]!;
    o += 6;
  }
  return out.toString("latin1", 0, o);
}

