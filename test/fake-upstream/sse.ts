// Server-sent event values built by the endpoint handlers.

export interface SseEvent {
  /** `event:` line; omitted for OpenAI Chat-style streams. */
  event?: string;
  /** Already serialized `data:` payload (JSON text, or e.g. "[DONE]"). */
  data: string;
  /** Part of the stream's ending (finish/usage/[DONE] …); dropped by the "truncate" fault. */
  terminal?: boolean;
}

export function sse(data: unknown, event?: string, terminal = false): SseEvent {
  const out: SseEvent = { data: typeof data === "string" ? data : JSON.stringify(data) };
  if (event !== undefined) out.event = event;
  if (terminal) out.terminal = true;
  return out;
}

export function serializeEvent(e: SseEvent): string {
  return `${e.event !== undefined ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`;
}

/** What the stream faults inject, per dialect. */
export interface FaultShapes {
  /** In-stream error event ("error-in-stream"). */
  streamError: SseEvent;
  /** The endpoint's authentication error as a stream event ("auth-error-in-stream"). */
  authError: SseEvent;
  /** A data line that is not JSON ("invalid-json"). */
  invalidJson: SseEvent;
  /** 200 body carrying an error, for the non-stream variant of "error-in-stream". */
  bodyError: unknown;
}
