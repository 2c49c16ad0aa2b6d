export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/**
 * Bytes to SSE events, per the WHATWG event-stream rules: lines end in \n, \r\n or \r; `data:`
 * lines accumulate; a blank line dispatches. Bytes may arrive split anywhere, mid-line or mid-UTF-8
 * character (Copilot does this), so decoding is streaming and lines are buffered until complete.
 */
export class SseParser {
  private buffer = "";
  private decoder = new TextDecoder("utf-8");
  private data: string[] = [];
  private event?: string;
  private id?: string;
  private sawCR = false;

  push(chunk: Uint8Array | string, out: SseEvent[] = []): SseEvent[] {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    this.drain(out);
    return out;
  }

  end(out: SseEvent[] = []): SseEvent[] {
    this.buffer += this.decoder.decode();
    this.drain(out);
    if (this.buffer.length > 0) {
      this.line(this.buffer, out);
      this.buffer = "";
    }
    this.dispatch(out);
    return out;
  }

  private drain(out: SseEvent[]): void {
    let start = 0;
    const buf = this.buffer;
    for (let i = 0; i < buf.length; i++) {
      const ch = buf.charCodeAt(i);
      if (ch === 10 /* \n */) {
        if (this.sawCR && i === start) {
          // the \n of a \r\n pair split across pushes
          this.sawCR = false;
          start = i + 1;
          continue;
        }
        this.line(buf.slice(start, i), out);
        start = i + 1;
        this.sawCR = false;
      } else if (ch === 13 /* \r */) {
        this.line(buf.slice(start, i), out);
        if (buf.charCodeAt(i + 1) === 10) i++;
        else this.sawCR = i + 1 >= buf.length;
        start = i + 1;
      } else {
        this.sawCR = false;
      }
    }
    this.buffer = buf.slice(start);
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") return this.dispatch(out);
    if (line.charCodeAt(0) === 58 /* : comment */) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id") this.id = value;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length === 0) {
      this.event = undefined;
      return;
    }
    const ev: SseEvent = { data: this.data.join("\n") };
    if (this.event) ev.event = this.event;
    if (this.id !== undefined) ev.id = this.id;
    out.push(ev);
    this.data = [];
    this.event = undefined;
  }
}

/** A TransformStream of bytes to SSE events. */
export function sseDecoderStream(): TransformStream<Uint8Array, SseEvent> {
  const parser = new SseParser();
  return new TransformStream<Uint8Array, SseEvent>({
    transform(chunk, controller) {
      for (const ev of parser.push(chunk)) controller.enqueue(ev);
    },
    flush(controller) {
      for (const ev of parser.end()) controller.enqueue(ev);
    },
  });
}
