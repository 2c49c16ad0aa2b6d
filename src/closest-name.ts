/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short names. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name closest to a mistyped one (`prot` → `port`, `apikey` → `api-key`), or undefined
 * when none is close. Case, `-` and `_` are ignored when comparing. Inputs are flag and setting
 * names typed by a person: short, so the quadratic distance costs nothing.
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const t = norm(typed).slice(0, 64);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const n = norm(name);
    const dist = n.startsWith(t) && t.length >= 3 ? 0.5 : distance(t, n);
    if (dist < bestDistance) {
      best = name;
      bestDistance = dist;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(t.length / 3)) ? best : undefined;
}
