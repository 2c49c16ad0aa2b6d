/**
 * A request value as text, for ids compared as keys and names quoted in messages. `String(v)` and
 * template literals throw on a JSON object with its own `toString` key ({"toString": []}), which
 * any request body can hold, so untrusted values never go through them.
 */
export function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  if (v === null || typeof v !== "object") return String(v);
  return JSON.stringify(v) ?? "";
}
