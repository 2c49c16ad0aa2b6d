// Deterministic splitting of a byte stream into pieces of odd sizes, cutting mid-line and
// (when multi-byte UTF-8 is present) mid-character.

export const PIECE_SIZES = [7, 13, 3, 29, 5, 11, 1, 17, 9, 23, 131, 257] as const;

/**
 * Splits `buf` into pieces whose sizes cycle through PIECE_SIZES starting at `cycle`.
 * Extra cuts are added inside the first 2/3-byte and the first 4-byte UTF-8 character so
 * that a decoder that is not streaming-aware always breaks. Returns the pieces and the cycle
 * position to continue from.
 */
export function splitPieces(buf: Uint8Array, cycle = 0): { pieces: Uint8Array[]; cycle: number } {
  const cuts = new Set<number>();
  let pos = 0;
  let c = cycle;
  for (;;) {
    pos += PIECE_SIZES[c % PIECE_SIZES.length]!;
    c += 1;
    if (pos >= buf.length) break;
    cuts.add(pos);
  }
  const firstLead = (min: number, max: number): number => buf.findIndex((b) => b >= min && b <= max);
  const threeByte = firstLead(0xc0, 0xef);
  if (threeByte >= 0 && threeByte + 1 < buf.length) cuts.add(threeByte + 1);
  const fourByte = firstLead(0xf0, 0xf7);
  if (fourByte >= 0 && fourByte + 2 < buf.length) cuts.add(fourByte + 2);

  const sorted = [...cuts].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of sorted) {
    pieces.push(buf.subarray(start, cut));
    start = cut;
  }
  if (start < buf.length) pieces.push(buf.subarray(start));
  return { pieces, cycle: c };
}
