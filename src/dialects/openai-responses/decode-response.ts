import type { StreamPart } from "../../ir/stream.js";
import { ResponsesStreamDecoder, type ResponsesStreamDecoderOptions } from "./decode-stream.js";
import type { ResponsesEventWire, ResponsesObjectWire } from "./wire.js";

/**
 * A non-streaming Responses object → IR stream parts (fold them with ir/accumulate.ts). The answer
 * is replayed as the events a stream would have carried (response.created, then an
 * output_item.added/.done pair per item, then the terminal event for its status) through the same
 * ResponsesStreamDecoder, so both paths share every fix: custom tools unwrapped (cao#242), argument
 * normalisation (T5/T6), reasoning ids and encrypted content byte-exact, finish reasons, errors.
 */
export function decodeResponsesResponse(json: unknown, options: ResponsesStreamDecoderOptions = {}): StreamPart[] {
  const decoder = new ResponsesStreamDecoder(options);
  // Not an object: reported as an answer that never came.
  if (!json || typeof json !== "object" || Array.isArray(json)) return decoder.end();
  const body = json as ResponsesObjectWire;
  const parts: StreamPart[] = [];
  const push = (event: ResponsesEventWire) => parts.push(...decoder.push({ event: event.type, data: JSON.stringify(event) }));

  const { output, ...rest } = body;
  // A 200 carrying an error (status failed, or a bare {"error": …} body).
  if (body.status === "failed" || (body.error && typeof body.error === "object" && body.status === undefined)) {
    push({ type: "response.failed", response: { ...rest, output: [] } });
    return parts;
  }
  push({ type: "response.created", response: { ...rest, output: [], usage: null } });
  const items = Array.isArray(output) ? output : [];
  for (const [i, item] of items.entries()) {
    if (!item || typeof item !== "object") continue;
    push({ type: "response.output_item.added", output_index: i, item });
    push({ type: "response.output_item.done", output_index: i, item });
  }
  const terminal = body.status === "incomplete" ? "response.incomplete" : "response.completed";
  push({ type: terminal, response: body });
  return parts;
}
