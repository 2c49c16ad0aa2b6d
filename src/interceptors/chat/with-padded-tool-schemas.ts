import type { ChatInterceptor } from "./types.js";

/**
 * GPT models reject an object schema without `properties` ("object schema missing properties"),
 * Gemini an array schema without `items` (known-failures T23). Claude accepts both. Padding is
 * harmless everywhere, so every tool schema is padded, recursively.
 */
export const withPaddedToolSchemas: ChatInterceptor = (body) => {
  if (!Array.isArray(body.tools)) return;
  for (const tool of body.tools) {
    if (tool?.function && typeof tool.function === "object") tool.function.parameters = padSchema(tool.function.parameters ?? { type: "object" });
  }
};

export function padSchema(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema) || depth > 64) return schema;
  const s = { ...(schema as Record<string, unknown>) };
  if (s.type === "object" && (typeof s.properties !== "object" || s.properties === null)) s.properties = {};
  if (s.type === "array" && s.items === undefined) s.items = {};
  if (s.properties && typeof s.properties === "object") {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties as Record<string, unknown>)) props[k] = padSchema(v, depth + 1);
    s.properties = props;
  }
  if (s.items && typeof s.items === "object") s.items = padSchema(s.items, depth + 1);
  if (s.additionalProperties && typeof s.additionalProperties === "object") {
    s.additionalProperties = padSchema(s.additionalProperties, depth + 1);
  }
  // Shared definitions (pydantic and zod emit these): the $ref targets need the same padding.
  for (const key of ["$defs", "definitions"]) {
    const defs = s[key];
    if (!defs || typeof defs !== "object" || Array.isArray(defs)) continue;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(defs as Record<string, unknown>)) out[k] = padSchema(v, depth + 1);
    s[key] = out;
  }
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    if (Array.isArray(s[key])) s[key] = (s[key] as unknown[]).map((x) => padSchema(x, depth + 1));
  }
  return s;
}
