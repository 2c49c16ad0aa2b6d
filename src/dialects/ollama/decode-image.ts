import { badRequest } from "../../errors.js";
import type { ImagePart } from "../../ir/request.js";

/** Leading base64 characters of each format Copilot takes, by its magic bytes. */
const SIGNATURES: [string, string][] = [
  ["iVBORw0KGgo", "image/png"],
  ["/9j/", "image/jpeg"],
  ["R0lGOD", "image/gif"],
  ["UklGR", "image/webp"],
];

/**
 * An Ollama image: bare base64 (the ollama clients send file bytes so) or, from some tools, a
 * `data:` URI. Ollama names no media type, so it is read from the magic bytes.
 */
export function decodeOllamaImage(value: unknown, at: string): ImagePart {
  if (typeof value !== "string" || !value) throw badRequest(`\`${at}\` must be a base64 string`, at);
  const uri = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s.exec(value);
  if (uri) return { type: "image", source: { kind: "base64", mediaType: uri[1]!, data: uri[2]! } };
  const data = value.replace(/\s+/g, "");
  const hit = SIGNATURES.find(([prefix]) => data.startsWith(prefix));
  if (!hit) throw badRequest(`\`${at}\` is not a base64 PNG, JPEG, GIF or WebP image`, at);
  return { type: "image", source: { kind: "base64", mediaType: hit[1], data } };
}
