import { redact } from "../log.js";

/**
 * Redacts every string inside a JSON-able value. Done before serialising, not on the JSON text:
 * a pattern cut through an escape sequence could otherwise turn a line into invalid JSON.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v);
    return out as T;
  }
  return value;
}
