type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keys of Google's Schema object that JSON Schema lacks or spells differently; dropped. */
const DROPPED = new Set(["nullable", "propertyOrdering"]);

/**
 * Google's OpenAPI-style `Schema` (in `parameters` and `responseSchema`: upper-case types such as
 * "OBJECT", `nullable`, `propertyOrdering`) → plain JSON Schema, which every Copilot endpoint
 * takes. `nullable: true` becomes a type union with "null". Bodies are depth-checked on reading
 * (http/request.ts), so the recursion is bounded.
 */
export function convertGeminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convertGeminiSchema);
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    if (key === "type" && typeof value === "string") out.type = value.toLowerCase();
    else if (key === "properties" && isObj(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, convertGeminiSchema(sub)]));
    } else if (key === "items" || key === "anyOf" || key === "not") out[key] = convertGeminiSchema(value);
    else out[key] = value;
  }
  if (schema.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}
