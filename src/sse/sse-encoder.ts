const encoder = new TextEncoder();

/** One SSE event as text. Data is written on one line (JSON never contains raw newlines). */
export function formatSse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

export function encodeSse(data: string, event?: string): Uint8Array {
  return encoder.encode(formatSse(data, event));
}

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};
