// A large body serialised in slices, for the call to Copilot: one JSON.stringify of a 32 MB body
// (or of 300,000 small items) held the event loop for 50-200 ms. Values smaller than PIECE_CHARS are
// still serialised by JSON.stringify; larger containers are walked member by member, and long
// strings are escaped a piece at a time. The text is what JSON.stringify gives for the same value.

import { nextTurn, WorkSlices } from "./work-slices.js";

/** Values smaller than this (estimated in characters) go to JSON.stringify whole. */
const PIECE_CHARS = 64 * 1024;

/** Characters written between two turns of the event loop. */
const SLICE_CHARS = 256 * 1024;

export interface EncodeSliceOptions {
  pieceChars?: number;
  sliceChars?: number;
  /** Called at every pause instead of waiting for the next turn of the loop (tests count them). */
  pause?: () => Promise<void>;
}

interface Encoding {
  /** Text written since the last pause. */
  out: string[];
  /** Text before it, as UTF-8: joining and encoding it all at the end would be one long step again. */
  bytes: Buffer[];
  slices: WorkSlices;
  piece: number;
}

/** `value` as JSON text in UTF-8, the bytes of Buffer.from(JSON.stringify(value)). */
export async function encodeJsonSliced(value: unknown, options: EncodeSliceOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const pause = options.pause ?? nextTurn;
  const e: Encoding = {
    out: [],
    bytes: [],
    slices: new WorkSlices(options.sliceChars ?? SLICE_CHARS, () => {
      e.bytes.push(Buffer.from(e.out.join("")));
      e.out = [];
      return pause();
    }),
    piece: options.pieceChars ?? PIECE_CHARS,
  };
  await write(value, e);
  e.bytes.push(Buffer.from(e.out.join("")));
  const all = Buffer.concat(e.bytes);
  return new Uint8Array(all.buffer as ArrayBuffer, all.byteOffset, all.byteLength);
}

async function write(value: unknown, e: Encoding): Promise<void> {
  const v = toJsonValue(value);
  const text = small(v, e.piece);
  if (text !== undefined) {
    e.out.push(text);
    await e.slices.done(text.length);
  } else if (typeof v === "string") await writeString(v, e);
  else if (Array.isArray(v)) {
    e.out.push("[");
    for (let i = 0; i < v.length; i++) {
      if (i > 0) e.out.push(",");
      const pending = member(v[i], e);
      if (pending) await pending;
    }
    e.out.push("]");
  } else {
    e.out.push("{");
    let first = true;
    for (const key of Object.keys(v as object)) {
      const item = toJsonValue((v as Record<string, unknown>)[key]);
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      e.out.push(`${first ? "" : ","}${JSON.stringify(key)}:`);
      first = false;
      const pending = member(item, e);
      if (pending) await pending;
    }
    e.out.push("}");
  }
}

/** A member of a large container: small ones without the cost of an async call each. */
function member(value: unknown, e: Encoding): Promise<void> | undefined {
  const v = toJsonValue(value);
  const text = v === undefined || typeof v === "function" || typeof v === "symbol" ? "null" : small(v, e.piece);
  if (text === undefined) return write(v, e);
  e.out.push(text);
  return e.slices.done(text.length);
}

/** JSON.stringify's text for a value estimated below PIECE_CHARS; undefined for a larger one. */
function small(v: unknown, piece: number): string | undefined {
  if (typeof v === "string") return v.length > piece ? undefined : JSON.stringify(v);
  if (v === null || typeof v !== "object" || estimate(v, piece) <= piece) return JSON.stringify(v) ?? "null";
  return undefined;
}

/** What JSON.stringify would serialise in place of `value` (a Date's string, say). */
function toJsonValue(value: unknown): unknown {
  return value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function"
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;
}

/** A long string escaped in pieces; a piece never ends between the two halves of a surrogate pair. */
async function writeString(s: string, e: Encoding): Promise<void> {
  e.out.push('"');
  for (let from = 0; from < s.length; ) {
    let to = Math.min(s.length, from + e.piece);
    const last = s.charCodeAt(to - 1);
    if (to < s.length && last >= 0xd800 && last <= 0xdbff) to++;
    const text = JSON.stringify(s.slice(from, to));
    e.out.push(text.slice(1, -1));
    from = to;
    await e.slices.done(text.length);
  }
  e.out.push('"');
}

/** A rough size of `value` as JSON, counted until it passes `cap` (then any figure above it). */
function estimate(value: unknown, cap: number): number {
  let size = 0;
  const walk = (v: unknown): void => {
    if (size > cap) return;
    if (typeof v === "string") size += v.length + 2;
    else if (v === null || typeof v !== "object") size += 8;
    else if (Array.isArray(v)) {
      size += 2;
      for (const item of v) {
        walk(item);
        if (size > cap) return;
      }
    } else {
      size += 2;
      for (const key in v) {
        size += key.length + 4;
        walk((v as Record<string, unknown>)[key]);
        if (size > cap) return;
      }
    }
  };
  walk(value);
  return size;
}
