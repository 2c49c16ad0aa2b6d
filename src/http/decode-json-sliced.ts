// A large JSON body decoded in slices, so that no request holds the event loop for the whole of it.
//
// JSON.parse can't pause: a 32 MB body of tiny items took ~450 ms to parse, and the byte scan before
// it (scanJson) another ~100-250 ms, while every other request and stream waited. Here the body is
// first scanned in steps of SCAN_STEP bytes, which finds the containers larger than PIECE_BYTES (the
// ones worth cutting) and, inside each, runs of members of about PIECE_BYTES; then each run is
// parsed by JSON.parse (wrapped in the container's own brackets), a few runs per turn of the loop.
// Work is counted in bytes, not time, so the pauses fall at the same places on every machine.
//
// The result is the value JSON.parse would give for the same text (later duplicate keys win,
// `__proto__` stays an own property), and what JSON.parse refuses is refused: every run goes through
// JSON.parse itself, and what lies between runs (commas, colons, brackets, whitespace) is checked here.

import { scanJson } from "./scan-json.js";
import { nextTurn, WorkSlices } from "./work-slices.js";

/** Containers smaller than this are parsed whole; larger ones are cut into runs of about this size. */
export const PIECE_BYTES = 64 * 1024;

/** Bytes scanned, or parsed, between two turns of the event loop (~1-3 ms on a slow core). */
export const SLICE_BYTES = 256 * 1024;

/** Thrown for a body nested deeper than the limit. */
export class JsonDepthError extends Error {}

interface Run {
  start: number;
  end: number;
}

/** A member whose value is a large container: its key (objects) is [start, colon), its value (colon, end). */
interface NodeMember {
  start: number;
  colon: number;
  end: number;
  node: Node;
}

interface Node {
  kind: "object" | "array" | "string";
  /** The opening bracket's (or quote's) offset. */
  open: number;
  /** The closing bracket's (or quote's) offset. */
  close: number;
  /** Containers: runs of small members and large members. */
  parts: (Run | NodeMember)[];
  /** Strings: where each piece after the first starts. */
  splits?: number[];
}

export interface SliceOptions {
  pieceBytes?: number;
  sliceBytes?: number;
  /** Called at every pause instead of waiting for the next turn of the loop (tests count them). */
  pause?: () => Promise<void>;
}

/**
 * The value of the UTF-8 JSON text in `bytes` (a leading BOM dropped, as TextDecoder drops it).
 * Throws a SyntaxError where JSON.parse would, a JsonDepthError past `limit` levels of nesting.
 */
export async function decodeJsonSliced(bytes: Uint8Array, limit: number, options: SliceOptions = {}): Promise<unknown> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const piece = options.pieceBytes ?? PIECE_BYTES;
  const slice = options.sliceBytes ?? SLICE_BYTES;
  const pause = options.pause ?? nextTurn;
  const first = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const scan = new Scan(buf, first, limit, piece);
  while (!scan.step(slice)) await pause();
  const root = scan.finish();
  if (!root) return parseText(buf, first, buf.length);
  requireBlank(buf, first, root.open);
  requireBlank(buf, root.close + 1, buf.length);
  const build = new Build(buf, new WorkSlices(slice, pause));
  return build.node(root);
}

/** The scan: brackets, strings, commas and colons, one frame per open container. */
class Scan {
  private i: number;
  private inString = false;
  /** The open string's quote, and where it may next be cut (never inside a \uXXXX escape or a UTF-8 sequence). */
  private stringOpen = 0;
  private nextSplit = 0;
  private noSplitUntil = 0;
  private splits: number[] | undefined;
  private depth = 0;
  private root: Node | undefined;
  // Per open container, indexed by depth (1 = the outermost).
  private readonly kind: ("object" | "array")[] = [];
  private readonly open: number[] = [];
  /** Where the current run of small members starts. */
  private readonly runStart: number[] = [];
  /** Where the current member starts (after the last comma). */
  private readonly memberStart: number[] = [];
  private readonly colon: number[] = [];
  private readonly parts: ((Run | NodeMember)[] | undefined)[] = [];
  /** A large container closed inside the current member, waiting for the member's end. */
  private readonly pending: (Node | undefined)[] = [];

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly limit: number,
    private readonly piece: number,
  ) {
    this.i = start;
  }

  /** Scans up to `bytes` more bytes; true once the text is scanned. */
  step(bytes: number): boolean {
    const buf = this.buf;
    const end = Math.min(buf.length, this.i + bytes);
    let i = this.i;
    while (i < end) {
      const b = buf[i]!;
      if (this.inString) {
        if (i >= this.nextSplit && i >= this.noSplitUntil && (b < 0x80 || b >= 0xc0)) {
          (this.splits ??= []).push(i);
          this.nextSplit = i + this.piece;
        }
        if (b === 92 /* \ */) {
          if (buf[i + 1] === 117 /* u */) this.noSplitUntil = i + 6;
          i++;
        } else if (b === 34 /* " */) this.closeString(i);
      } else if (b === 34) this.openString(i);
      else if (b === 123 /* { */ || b === 91 /* [ */) this.openContainer(i, b === 123 ? "object" : "array");
      else if (b === 125 /* } */ || b === 93 /* ] */) this.closeContainer(i, b === 125 ? "object" : "array");
      else if (b === 44 /* , */ && this.depth > 0) this.endMember(i);
      else if (b === 58 /* : */ && this.depth > 0) {
        const d = this.depth;
        if (this.kind[d] !== "object" || this.colon[d]! >= 0) throw unexpected(":", i);
        this.colon[d] = i;
      }
      i++;
    }
    this.i = i;
    return i >= buf.length;
  }

  finish(): Node | undefined {
    if (this.depth > 0 || this.inString) throw new SyntaxError("Unexpected end of JSON input");
    return this.root;
  }

  private openString(at: number): void {
    this.inString = true;
    this.stringOpen = at;
    this.nextSplit = at + this.piece;
    this.splits = undefined;
  }

  private closeString(at: number): void {
    this.inString = false;
    const splits = this.splits;
    if (!splits) return;
    this.splits = undefined;
    const d = this.depth;
    // A long key stays in its run: only values (and array members) are cut.
    if (d > 0 && this.kind[d] === "object" && this.colon[d]! < 0) return;
    this.attach({ kind: "string", open: this.stringOpen, close: at, parts: [], splits });
  }

  private openContainer(at: number, kind: "object" | "array"): void {
    const d = ++this.depth;
    if (d > this.limit) throw new JsonDepthError();
    this.kind[d] = kind;
    this.open[d] = at;
    this.runStart[d] = at + 1;
    this.memberStart[d] = at + 1;
    this.colon[d] = -1;
    this.parts[d] = undefined;
    this.pending[d] = undefined;
  }

  private endMember(at: number): void {
    const d = this.depth;
    const node = this.pending[d];
    if (node) {
      // The large container is a member of its own; the runs around it are parsed apart.
      (this.parts[d] ??= []).push({ start: this.memberStart[d]!, colon: this.colon[d]!, end: at, node });
      this.pending[d] = undefined;
      this.runStart[d] = at + 1;
    } else if (at - this.runStart[d]! >= this.piece) {
      (this.parts[d] ??= []).push({ start: this.runStart[d]!, end: at });
      this.runStart[d] = at + 1;
    }
    this.memberStart[d] = at + 1;
    this.colon[d] = -1;
  }

  private closeContainer(at: number, kind: "object" | "array"): void {
    const d = this.depth;
    if (d === 0) throw unexpected(kind === "object" ? "}" : "]", at);
    if (this.kind[d] !== kind) throw unexpected(kind === "object" ? "}" : "]", at);
    let parts = this.parts[d];
    const large = parts !== undefined || this.pending[d] !== undefined || at + 1 - this.open[d]! >= this.piece;
    this.depth--;
    if (!large) return; // parsed whole, as part of its parent's run
    // The last member, as endMember() would close it at a comma.
    parts ??= [];
    const node = this.pending[d];
    if (node) parts.push({ start: this.memberStart[d]!, colon: this.colon[d]!, end: at, node });
    else if (parts.length > 0 || !isBlank(this.buf, this.runStart[d]!, at)) parts.push({ start: this.runStart[d]!, end: at });
    this.attach({ kind, open: this.open[d]!, close: at, parts });
  }

  /** A large value, just closed, as a member of the container around it (or the whole text). */
  private attach(done: Node): void {
    const p = this.depth;
    if (p === 0) {
      this.root = done;
      return;
    }
    // The run before this member ends where the member starts.
    if (this.pending[p]) throw unexpected(this.buf.toString("latin1", done.open, done.open + 1), done.open);
    if (this.memberStart[p]! > this.runStart[p]!) {
      (this.parts[p] ??= []).push({ start: this.runStart[p]!, end: this.memberStart[p]! - 1 });
    }
    this.parts[p] ??= [];
    this.pending[p] = done;
  }
}

/** Builds the value from the scan's nodes, parsing runs a slice at a time. */
class Build {
  constructor(
    private readonly buf: Buffer,
    private readonly slices: WorkSlices,
  ) {}

  async node(node: Node): Promise<unknown> {
    if (node.kind === "string") return this.string(node);
    const array = node.kind === "array";
    const out: unknown[] | Record<string, unknown> = array ? [] : {};
    for (const part of node.parts) {
      if ("node" in part) {
        const value = await this.node(part.node);
        if (array) {
          if (part.colon >= 0) throw unexpected(":", part.colon);
          requireBlank(this.buf, part.start, part.node.open);
          requireBlank(this.buf, part.node.close + 1, part.end);
          (out as unknown[]).push(value);
        } else {
          if (part.colon < 0) throw unexpected(kind(node), part.end);
          const key = parseText(this.buf, part.start, part.colon);
          if (typeof key !== "string") throw new SyntaxError(`Expected a property name in JSON at position ${part.start}`);
          requireBlank(this.buf, part.colon + 1, part.node.open);
          requireBlank(this.buf, part.node.close + 1, part.end);
          setOwn(out as Record<string, unknown>, key, value);
        }
        continue;
      }
      // A run of small members, parsed as a container of its own.
      if (isBlank(this.buf, part.start, part.end)) throw unexpected(kind(node), part.end);
      const text = decodeText(this.buf, part.start, part.end);
      const value = JSON.parse(array ? `[${text}]` : `{${text}}`) as unknown[] | Record<string, unknown>;
      if (array) for (const v of value as unknown[]) (out as unknown[]).push(v);
      else for (const key of Object.keys(value)) setOwn(out as Record<string, unknown>, key, (value as Record<string, unknown>)[key]);
      await this.slices.done(part.end - part.start);
    }
    return out;
  }

  /**
   * A long string, piece by piece; a surrogate pair cut in two escapes joins again when the pieces
   * are joined. Joined once at the end, not concatenated: a string built by `+=` is a rope of
   * pieces, and the first read of it (a slice, a regex) flattens it in one long step.
   */
  private async string(node: Node): Promise<string> {
    const pieces: string[] = [];
    let start = node.open + 1;
    for (const end of [...node.splits!, node.close]) {
      pieces.push(JSON.parse(`"${this.buf.toString("utf8", start, end)}"`) as string);
      await this.slices.done(end - start);
      start = end;
    }
    const out = pieces.join("");
    return out;
  }
}

function kind(node: Node): string {
  return node.kind === "array" ? "," : "}";
}

/** obj[key] = value, as JSON.parse sets it: `__proto__` becomes an own property, not the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function decodeText(buf: Buffer, start: number, end: number): string {
  // A BOM is only dropped at the very start of a body; elsewhere it is a character JSON refuses.
  if (buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) throw unexpected("\ufeff", start);
  return scanJson(buf.subarray(start, end), Number.POSITIVE_INFINITY)!;
}

function parseText(buf: Buffer, start: number, end: number): unknown {
  return JSON.parse(decodeText(buf, start, end));
}

/** JSON whitespace: space, tab, line feed, carriage return. */
function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== 32 && b !== 9 && b !== 10 && b !== 13) return false;
  }
  return true;
}

function requireBlank(buf: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== 32 && b !== 9 && b !== 10 && b !== 13) throw unexpected(String.fromCharCode(b), i);
  }
}

function unexpected(token: string, at: number): SyntaxError {
  return new SyntaxError(`Unexpected token '${token}' in JSON at position ${at}`);
}
