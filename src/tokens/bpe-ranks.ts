// An OpenAI BPE rank table (o200k_base, cl100k_base) in typed arrays, read from gpt-tokenizer's own data.
//
// gpt-tokenizer ships each table as a JavaScript module: one array literal of ~200,000 token strings.
// Requiring it makes V8 compile 2.4 MB of source (0.2-0.3 s) and builds a Map of 200,000 strings (another
// 0.15 s and ~60 MB of RSS that stays). Counting needs neither: this reads the same file as text, takes
// the tokens out of the literal with a small scanner, and stores their UTF-8 bytes in one buffer with an
// open-addressing hash index: ~50 ms and ~6 MB. If the file ever stops looking like what the scanner
// expects, the module is required after all (slow, but the same data).

import { mkdirSync, readFileSync, statSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

/** A table entry as gpt-tokenizer lists it: the token's text, or its bytes when they are not UTF-8. */
export type RankEntry = string | number[] | undefined;

const requireCjs = createRequire(import.meta.url);

/**
 * The table for `encoding`, read from gpt-tokenizer's `bpeRanks/<encoding>.js`. With a cache directory,
 * the built table is kept there (bpe-<encoding>.bin, stamped with gpt-tokenizer's version and the source
 * file's size and time) and later starts load it in a few milliseconds instead of scanning the source
 * with cold code (50-300 ms). A missing, stale or unreadable cache is rebuilt; a cache that can't be
 * written is only a slower next start.
 */
export function loadRankTable(encoding: "o200k_base" | "cl100k_base", cacheDir?: string): RankTable {
  const file = requireCjs.resolve(`gpt-tokenizer/cjs/bpeRanks/${encoding}`);
  const stamp = sourceStamp(encoding, file);
  const cacheFile = cacheDir && stamp ? join(cacheDir, `bpe-${encoding}.bin`) : undefined;
  if (cacheFile) {
    try {
      const cached = RankTable.deserialize(readFileSync(cacheFile), stamp!);
      if (cached) return cached;
    } catch {
      // no cache yet
    }
  }
  const table = buildRankTable(file);
  if (cacheFile) void saveCache(cacheFile, table.serialize(stamp!));
  return table;
}

function sourceStamp(encoding: string, file: string): string | undefined {
  try {
    const version = (requireCjs("gpt-tokenizer/package.json") as { version?: string }).version ?? "?";
    const st = statSync(file);
    return `${encoding}|gpt-tokenizer@${version}|${st.size}|${Math.floor(st.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

async function saveCache(file: string, bytes: Uint8Array): Promise<void> {
  try {
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, file);
  } catch {
    // read-only data directory: the table is rebuilt at each start
  }
}

function buildRankTable(file: string): RankTable {
  const scanned = scanRanksSource(readFileSync(file));
  if (scanned) return scanned;
  // Another layout than the scanner knows: the module itself (slow, same data).
  const table = new RankTable(1 << 16, 1 << 10);
  (requireCjs(file) as { default: RankEntry[] }).default.forEach((e, rank) => {
    if (typeof e === "string") table.addText(e, rank);
    else if (e) table.addBytes(Uint8Array.from(e), 0, e.length, rank, true);
  });
  return table.done();
}

/**
 * Reads the module's bytes: `const cN = [ "text", [1, 2, 3], … ];` chunks joined by
 * `const bpe = c0.concat(c1, …)`. String literals are UTF-8 in the file, so a literal without escapes is
 * copied as bytes, never made into a JavaScript string. undefined when the file has another shape.
 */
export function scanRanksSource(file: Uint8Array): RankTable | undefined {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  // One char per byte: indexes are byte offsets, and every byte the scanner looks at is ASCII.
  const src = buf.toString("latin1");
  const join = /const\s+\w+\s*=\s*(c\d+)\.concat\(([^)]*)\)/.exec(src);
  if (!join) return undefined;
  const names = [join[1]!, ...join[2]!.split(",").map((x) => x.trim()).filter(Boolean)];
  let lines = 0;
  for (let i = src.indexOf("\n"); i >= 0; i = src.indexOf("\n", i + 1)) lines++;
  const table = new RankTable(buf.length, lines + 1);
  const rank = { next: 0 };
  for (const name of names) {
    const start = new RegExp(`const\\s+${name}\\s*=\\s*\\[`).exec(src);
    if (!start || !scanArray(src, buf, start.index + start[0].length, table, rank)) return undefined;
  }
  return table.done();
}

/** Adds the elements of the array literal whose `[` ends just before `i`; false on anything unexpected. */
function scanArray(src: string, buf: Buffer, i: number, table: RankTable, rank: { next: number }): boolean {
  let expectElement = true;
  for (;;) {
    i = skipSpace(src, i);
    const ch = src.charCodeAt(i);
    if (ch === 93 /* ] */) return true; // a trailing comma before it is not a hole
    if (ch === 44 /* , */) {
      if (expectElement) rank.next++; // a hole
      expectElement = true;
      i++;
      continue;
    }
    if (!expectElement) return false;
    if (ch === 34 /* " */) {
      const end = stringEnd(src, i + 1);
      if (end < 0) return false;
      if (hasBackslash(src, i + 1, end)) {
        const text = unescapeJs(buf.toString("utf8", i + 1, end));
        if (text === undefined) return false;
        table.addText(text, rank.next++);
      } else {
        table.addBytes(buf, i + 1, end, rank.next++, false);
      }
      i = end + 1;
    } else if (ch === 91 /* [ */) {
      const close = src.indexOf("]", i);
      if (close < 0) return false;
      const bytes = src
        .slice(i + 1, close)
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "")
        .map(Number);
      if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return false;
      table.addBytes(Uint8Array.from(bytes), 0, bytes.length, rank.next++, true);
      i = close + 1;
    } else {
      return false;
    }
    expectElement = false;
  }
}

function hasBackslash(src: string, from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (src.charCodeAt(j) === 92) return true;
  return false;
}

function skipSpace(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      const nl = src.indexOf("\n", i);
      i = nl < 0 ? src.length : nl + 1;
    } else return i;
  }
}

/** Index of the closing quote of a string literal whose body starts at `i`. */
function stringEnd(src: string, i: number): number {
  for (;;) {
    const q = src.indexOf('"', i);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let j = q - 1; src.charCodeAt(j) === 92; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", v: "\v", "0": "\0" };

/** The value of a double-quoted JavaScript string literal's body; undefined for escapes it can't read. */
export function unescapeJs(raw: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const bs = raw.indexOf("\\", i);
    if (bs < 0) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, bs);
    const e = raw[bs + 1];
    if (e === undefined) return undefined;
    if (e === "u") {
      if (raw[bs + 2] === "{") {
        const close = raw.indexOf("}", bs + 3);
        const cp = Number.parseInt(raw.slice(bs + 3, close), 16);
        if (close < 0 || !Number.isFinite(cp)) return undefined;
        out += String.fromCodePoint(cp);
        i = close + 1;
      } else {
        const hex = raw.slice(bs + 2, bs + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i = bs + 6;
      }
    } else if (e === "x") {
      const hex = raw.slice(bs + 2, bs + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i = bs + 4;
    } else if (e === "\n") {
      i = bs + 2; // line continuation
    } else if (e === "0" && /[0-9]/.test(raw[bs + 2] ?? "")) {
      return undefined; // legacy octal: never written by the generator
    } else {
      out += SIMPLE_ESCAPES[e] ?? e;
      i = bs + 2;
    }
  }
  return out;
}

const NOT_FOUND = -1;
/** Bumped whenever the serialized layout or the lookup rules change. */
const FORMAT = "copilot-api-bpe-ranks/1";

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The rank table: every token's bytes in `data` (token k at offsets[k]..offsets[k+1]), its rank, whether
 * gpt-tokenizer keeps it as text or as raw bytes (it looks the two kinds up differently, see
 * rankOfBytes), and a hash index over the bytes. Built with addText/addBytes, then done().
 */
export class RankTable {
  private data: Uint8Array;
  private offsets: Uint32Array;
  private ranks: Int32Array;
  private binary: Uint8Array;
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  private at = 0;
  /** longestToken, computed on first use (a deserialized table has no constructor run). */
  private longest?: number;

  constructor(bytes: number, entries: number) {
    this.data = new Uint8Array(Math.max(16, bytes));
    this.offsets = new Uint32Array(entries + 1);
    this.ranks = new Int32Array(entries);
    this.binary = new Uint8Array(entries);
    let size = 1;
    while (size < entries * 2) size <<= 1;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** A text token (stored as UTF-8). Text with a lone surrogate is skipped: no valid UTF-8 ever decodes to it. */
  addText(text: string, rank: number): void {
    if (hasLoneSurrogate(text)) return;
    this.reserve(text.length * 3);
    const start = this.at;
    const end = encodeUtf8(text, this.data, start);
    this.insert(start, end, rank, false);
  }

  /** A token given as bytes: text already in UTF-8 (`binary` false), or gpt-tokenizer's byte tokens. */
  addBytes(src: Uint8Array, from: number, to: number, rank: number, binary: boolean): void {
    this.reserve(to - from);
    const start = this.at;
    const data = this.data;
    // A loop, not set(subarray()): tokens are a few bytes, and a view per token costs more than the copy.
    for (let i = from, j = start; i < to; i++, j++) data[j] = src[i]!;
    this.insert(start, start + (to - from), rank, binary);
  }

  /** Trims the buffers to what they hold. */
  done(): this {
    this.data = this.data.slice(0, this.at);
    this.offsets = this.offsets.slice(0, this.count + 1);
    this.ranks = this.ranks.slice(0, this.count);
    this.binary = this.binary.slice(0, this.count);
    return this;
  }

  /** Rank of the whole piece (gpt-tokenizer's Map lookup of the regex match: text tokens only), or -1. */
  rankOfText(buf: Uint8Array, start: number, end: number): number {
    const k = this.find(buf, start, end, false);
    return k === NOT_FOUND ? NOT_FOUND : this.ranks[k]!;
  }

  /**
   * Rank of a byte range during merging, as gpt-tokenizer's getBpeRankFromBytes finds it: valid UTF-8 is
   * decoded (TextDecoder, which drops one leading byte-order mark) and looked up among text tokens;
   * anything else among byte tokens. -1 when absent.
   */
  rankOfBytes(buf: Uint8Array, start: number, end: number): number {
    let binary = true;
    if (isValidUtf8(buf, start, end)) {
      binary = false;
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
      if (start === end) return NOT_FOUND;
    }
    const k = this.find(buf, start, end, binary);
    return k === NOT_FOUND ? NOT_FOUND : this.ranks[k]!;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Bytes of the longest token. A range longer than this plus a byte-order mark (which rankOfBytes
   * drops) is never a token, so merging can refuse it without hashing it: what keeps a long run of one
   * character class from costing a lookup as long as the run at every step.
   */
  get longestToken(): number {
    if (this.longest === undefined) {
      let longest = 0;
      for (let k = 0; k < this.count; k++) longest = Math.max(longest, this.offsets[k + 1]! - this.offsets[k]!);
      this.longest = longest;
    }
    return this.longest;
  }

  /** The table as bytes, for tokenizer-cache.ts: a header, then each array, 4-byte aligned. */
  serialize(stamp: string): Uint8Array {
    const head = new TextEncoder().encode(`${FORMAT}\n${stamp}\n${this.count}\n${this.at}\n${this.slots.length}\n`);
    const headLen = align4(head.length);
    const parts: Uint8Array[] = [
      new Uint8Array(this.offsets.buffer, this.offsets.byteOffset, (this.count + 1) * 4),
      new Uint8Array(this.ranks.buffer, this.ranks.byteOffset, this.count * 4),
      new Uint8Array(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength),
      this.binary.subarray(0, this.count),
      this.data.subarray(0, this.at),
    ];
    let size = 4 + headLen;
    for (const p of parts) size += align4(p.byteLength);
    const out = new Uint8Array(size);
    new DataView(out.buffer).setUint32(0, head.length, true);
    out.set(head, 4);
    let at = 4 + headLen;
    for (const p of parts) {
      out.set(p, at);
      at += align4(p.byteLength);
    }
    return out;
  }

  /** A table from serialize()'s bytes, viewing them in place; undefined unless they carry `stamp`. */
  static deserialize(bytes: Uint8Array, stamp: string): RankTable | undefined {
    if (bytes.byteLength < 8) return undefined;
    // Typed views need 4-byte alignment within the buffer.
    const own = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const view = new DataView(own.buffer, own.byteOffset, own.byteLength);
    const headLen = view.getUint32(0, true);
    if (headLen > 1024 || 4 + headLen > own.byteLength) return undefined;
    const [format, savedStamp, countText, bytesText, slotsText] = new TextDecoder().decode(own.subarray(4, 4 + headLen)).split("\n");
    if (format !== FORMAT || savedStamp !== stamp) return undefined;
    const count = Number(countText);
    const dataLen = Number(bytesText);
    const slotCount = Number(slotsText);
    if (![count, dataLen, slotCount].every((n) => Number.isInteger(n) && n >= 0) || (slotCount & (slotCount - 1)) !== 0) return undefined;
    let at = own.byteOffset + 4 + align4(headLen);
    const end = own.byteOffset + own.byteLength;
    const take = (n: number) => {
      const from = at;
      at += align4(n);
      return at <= end ? from : -1;
    };
    const offsetsAt = take((count + 1) * 4);
    const ranksAt = take(count * 4);
    const slotsAt = take(slotCount * 4);
    const binaryAt = take(count);
    const dataAt = take(dataLen);
    if ([offsetsAt, ranksAt, slotsAt, binaryAt, dataAt].some((x) => x < 0)) return undefined;
    const table = Object.create(RankTable.prototype) as RankTable;
    const t = table as unknown as Record<string, unknown>;
    t.offsets = new Uint32Array(own.buffer, offsetsAt, count + 1);
    t.ranks = new Int32Array(own.buffer, ranksAt, count);
    t.slots = new Int32Array(own.buffer, slotsAt, slotCount);
    t.binary = new Uint8Array(own.buffer, binaryAt, count);
    t.data = new Uint8Array(own.buffer, dataAt, dataLen);
    t.mask = slotCount - 1;
    t.count = count;
    t.at = dataLen;
    if ((t.offsets as Uint32Array)[count] !== dataLen) return undefined;
    return table;
  }

  /** Bytes held, for memory accounting. */
  get byteSize(): number {
    return this.data.byteLength + this.offsets.byteLength + this.ranks.byteLength + this.binary.byteLength + this.slots.byteLength;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.data.length) return;
    const grown = new Uint8Array(Math.max(this.data.length * 2, this.at + bytes));
    grown.set(this.data.subarray(0, this.at));
    this.data = grown;
  }

  private insert(start: number, end: number, rank: number, binary: boolean): void {
    // gpt-tokenizer keeps text tokens in a Map (a repeated text keeps its last rank) and byte tokens in a
    // sorted list: a repeat overwrites the rank of the equal entry of the same kind. One probe does both.
    const { data, offsets, slots } = this;
    const len = end - start;
    const want = binary ? 1 : 0;
    let slot = hashBytes(data, start, end) & this.mask;
    for (let s = slots[slot]!; s !== 0; s = slots[slot]!) {
      const k = s - 1;
      const a = offsets[k]!;
      if (offsets[k + 1]! - a === len && this.binary[k] === want) {
        let i = 0;
        while (i < len && data[a + i] === data[start + i]) i++;
        if (i === len) {
          this.ranks[k] = rank;
          return;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.count + 1 > this.ranks.length) {
      this.grow();
      return this.insert(start, end, rank, binary);
    }
    const k = this.count++;
    this.offsets[k] = start;
    this.offsets[k + 1] = end;
    this.ranks[k] = rank;
    this.binary[k] = want;
    this.at = end;
    this.slots[slot] = k + 1;
  }

  private grow(): void {
    const entries = this.ranks.length * 2;
    const offsets = new Uint32Array(entries + 1);
    offsets.set(this.offsets);
    const ranks = new Int32Array(entries);
    ranks.set(this.ranks);
    const binary = new Uint8Array(entries);
    binary.set(this.binary);
    this.offsets = offsets;
    this.ranks = ranks;
    this.binary = binary;
    let size = this.slots.length * 2;
    while (size < entries * 2) size <<= 1;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      let slot = hashBytes(this.data, this.offsets[k]!, this.offsets[k + 1]!) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = k + 1;
    }
  }

  private find(buf: Uint8Array, start: number, end: number, binary: boolean): number {
    const { data, offsets, slots } = this;
    const len = end - start;
    const want = binary ? 1 : 0;
    let slot = hashBytes(buf, start, end) & this.mask;
    for (;;) {
      const s = slots[slot]!;
      if (s === 0) return NOT_FOUND;
      const k = s - 1;
      const a = offsets[k]!;
      if (offsets[k + 1]! - a === len && this.binary[k] === want) {
        let i = 0;
        while (i < len && data[a + i] === buf[start + i]) i++;
        if (i === len) return k;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

/** FNV-1a over a byte range. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * Writes `s` as UTF-8 into `buf` from `at` (room for 3 bytes per UTF-16 unit is the caller's) and
 * returns the end. A lone surrogate becomes U+FFFD, as TextEncoder writes it.
 */
export function encodeUtf8(s: string, buf: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[at++] = c;
    } else if (c < 0x800) {
      buf[at++] = 0xc0 | (c >> 6);
      buf[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[at++] = 0xf0 | (cp >> 18);
          buf[at++] = 0x80 | ((cp >> 12) & 0x3f);
          buf[at++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[at++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 0x3f);
      buf[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}

export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** gpt-tokenizer's isValidUTF8 (utfUtil.ts), on a range: no overlongs, no surrogates, nothing past U+10FFFF. */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b1 = bytes[i]!;
    let n: number;
    let cp: number;
    if (b1 <= 0x7f) {
      i++;
      continue;
    } else if ((b1 & 0xe0) === 0xc0) {
      if (b1 <= 0xc1) return false;
      n = 2;
      cp = b1 & 0x1f;
    } else if ((b1 & 0xf0) === 0xe0) {
      n = 3;
      cp = b1 & 0x0f;
    } else if ((b1 & 0xf8) === 0xf0) {
      if (b1 > 0xf4) return false;
      n = 4;
      cp = b1 & 0x07;
    } else {
      return false;
    }
    if (i + n > end) return false;
    for (let j = 1; j < n; j++) {
      const b = bytes[i + j]!;
      if ((b & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((n === 2 && cp < 0x80) || (n === 3 && cp < 0x800) || (n === 4 && cp < 0x10000)) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    if (cp > 0x10ffff) return false;
    i += n;
  }
  return true;
}
