// Pixel size of a base64 image, read from its header bytes only.
//
// Image tokens depend on pixel size, never on byte size (docs/count-tokens.md), so the counter needs
// width and height without decoding megabytes of base64. We decode a prefix that grows only as far as
// the header needs: 4 KiB covers PNG, GIF and WebP; JPEG may put its SOF marker behind EXIF/ICC
// segments, so its scan may widen the prefix up to MAX_PREFIX_BYTES. Anything unknown, truncated or
// malformed gives `undefined` and the caller falls back to a fixed estimate. Nothing here throws.

export type ImageFormat = "png" | "jpeg" | "gif" | "webp";

export interface ImageSize {
  width: number;
  height: number;
  format: ImageFormat;
}

const FIRST_PREFIX_BYTES = 4 * 1024;
/** Hard cap on decoded bytes for one image (a JPEG with a large EXIF block); the image itself may be MBs. */
const MAX_PREFIX_BYTES = 256 * 1024;
/** Sizes above this are treated as garbage (no supported format allows more than 65535 anyway, WebP 16384). */
const MAX_DIMENSION = 1 << 24;

/**
 * Width and height of a base64-encoded PNG, JPEG, GIF or WebP (optionally a `data:` URL).
 * Reads the header bytes only. Returns undefined for anything it cannot read.
 */
export function imageSizeFromBase64(data: unknown): ImageSize | undefined {
  if (typeof data !== "string" || data.length === 0) return undefined;
  try {
    const b64 = stripDataUrl(data);
    if (b64.length === 0) return undefined;
    const reader = new PrefixReader(b64);
    return sniff(reader);
  } catch {
    return undefined;
  }
}

/** Same, for raw bytes (tests, and callers that already hold a Buffer). */
export function imageSizeFromBytes(bytes: Uint8Array): ImageSize | undefined {
  try {
    return sniff(new BytesReader(bytes));
  } catch {
    return undefined;
  }
}

function stripDataUrl(s: string): string {
  let start = 0;
  while (start < s.length && s.charCodeAt(start) <= 32) start++;
  if (s.startsWith("data:", start)) {
    const comma = s.indexOf(",", start);
    if (comma < 0 || comma - start > 256) return "";
    start = comma + 1;
  }
  return start === 0 ? s : s.slice(start);
}

interface ByteSource {
  /** Makes at least `n` bytes available if the image has them; returns the bytes known so far. */
  ensure(n: number): Uint8Array;
}

class BytesReader implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  ensure(): Uint8Array {
    return this.bytes;
  }
}

/** Decodes growing prefixes of a base64 string; never more than MAX_PREFIX_BYTES. */
class PrefixReader implements ByteSource {
  private decoded: Uint8Array = new Uint8Array(0);
  private decodedFor = 0;

  constructor(private readonly b64: string) {}

  ensure(n: number): Uint8Array {
    const want = Math.min(Math.max(n, FIRST_PREFIX_BYTES), MAX_PREFIX_BYTES);
    if (want <= this.decodedFor || this.decoded.length < this.decodedFor) return this.decoded;
    // Round the window up to whole base64 quads. Whitespace inside the string (MIME line breaks) only
    // shortens what we get; Buffer's decoder skips it and the caller sees fewer bytes.
    const chars = Math.min(this.b64.length, Math.ceil((want + 2) / 3) * 4);
    this.decoded = Buffer.from(this.b64.slice(0, chars), "base64");
    this.decodedFor = want;
    return this.decoded;
  }
}

function sniff(src: ByteSource): ImageSize | undefined {
  const b = src.ensure(FIRST_PREFIX_BYTES);
  if (b.length < 10) return undefined;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return png(b);
  if (b[0] === 0xff && b[1] === 0xd8) return jpeg(src);
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return gif(b);
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return webp(b);
  return undefined;
}

function valid(width: number, height: number, format: ImageFormat): ImageSize | undefined {
  if (!Number.isInteger(width) || !Number.isInteger(height)) return undefined;
  if (width <= 0 || height <= 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) return undefined;
  return { width, height, format };
}

function ascii(b: Uint8Array, at: number, len: number): string {
  if (at + len > b.length) return "";
  let s = "";
  for (let i = at; i < at + len; i++) s += String.fromCharCode(b[i]!);
  return s;
}

const be16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const le16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const le24 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const be32 = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

/** PNG: signature (8) + IHDR chunk length (4) + "IHDR" (4) + width (4, BE) + height (4, BE). */
function png(b: Uint8Array): ImageSize | undefined {
  if (b.length < 24 || ascii(b, 12, 4) !== "IHDR") return undefined;
  return valid(be32(b, 16), be32(b, 20), "png");
}

/** GIF87a/GIF89a: logical screen width and height, little-endian, at 6 and 8. */
function gif(b: Uint8Array): ImageSize | undefined {
  const sig = ascii(b, 0, 6);
  if (sig !== "GIF87a" && sig !== "GIF89a") return undefined;
  return valid(le16(b, 6), le16(b, 8), "gif");
}

/** WebP: the first chunk after "RIFF....WEBP" is VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function webp(b: Uint8Array): ImageSize | undefined {
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8 ") {
    // Frame tag (3 bytes) at 20, start code 9d 01 2a at 23, then 14-bit width and height.
    if (b.length < 30 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return valid(le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff, "webp");
  }
  if (chunk === "VP8L") {
    // Signature 0x2f at 20, then 14 bits width-1 and 14 bits height-1, little-endian bit order.
    if (b.length < 25 || b[20] !== 0x2f) return undefined;
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    return valid((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, "webp");
  }
  if (chunk === "VP8X") {
    // Flags (4) at 20, canvas width-1 (24 bits) at 24, canvas height-1 (24 bits) at 27.
    if (b.length < 30) return undefined;
    return valid(le24(b, 24) + 1, le24(b, 27) + 1, "webp");
  }
  return undefined;
}

/**
 * JPEG: walk the marker segments from SOI until a start-of-frame marker (SOF0..SOF15 except DHT C4,
 * JPG C8 and DAC CC), whose payload holds precision (1), height (2) and width (2).
 */
function jpeg(src: ByteSource): ImageSize | undefined {
  let b = src.ensure(FIRST_PREFIX_BYTES);
  let i = 2;
  for (let guard = 0; guard < 10_000; guard++) {
    if (i + 9 >= b.length) {
      const more = src.ensure(i + 4096);
      if (more.length <= b.length) return undefined; // truncated, or past MAX_PREFIX_BYTES
      b = more;
      if (i + 9 >= b.length) return undefined;
    }
    if (b[i] !== 0xff) return undefined; // lost sync: not a JPEG we understand
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image / start of scan before any SOF
    const length = be16(b, i + 2);
    if (length < 2) return undefined;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return valid(be16(b, i + 7), be16(b, i + 5), "jpeg");
    i += 2 + length;
  }
  return undefined;
}
