import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { LazyHeaders } from "./lazy-headers.js";

const NativeRequest = globalThis.Request;
const NativeHeaders = globalThis.Headers;

/**
 * A request's headers read straight from Node's parsed header list: nothing is copied or converted
 * until a name is asked for. Repeated headers are joined with ", " ("; " for cookie), as web Headers
 * join them (Node's own `headers` object drops repeats of some names instead). Changing them, which
 * a server-side request is rarely asked to do, turns them into real Headers first.
 */
export class IncomingHeaders extends LazyHeaders {
  constructor(private readonly raw: string[]) {
    super();
  }

  protected read(key: string): string | null {
    const raw = this.raw;
    let value: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      if (n.length === key.length && n.toLowerCase() === key) value = value === null ? raw[i + 1]! : `${value}${key === "cookie" ? "; " : ", "}${raw[i + 1]!}`;
    }
    return value;
  }

  protected fill(headers: Headers): void {
    for (let i = 0; i < this.raw.length; i += 2) headers.append(this.raw[i]!, this.raw[i + 1]!);
  }
}

const PREMATURE_CLOSE = "Client connection prematurely closed.";

/**
 * The Request a Node request is handed to Hono as: method, URL and headers read from the incoming
 * message, the body read from the socket only when asked for (as bytes or text without a web stream,
 * or as a stream over the socket), and an AbortSignal, made when first asked for, that aborts when
 * the client goes away before its answer has been sent. What a server-side handler rarely needs
 * (clone, formData, cache modes...) comes from a real Request built on demand over the same socket.
 * `instanceof Request` holds.
 */
export class NodeRequest {
  readonly method: string;
  readonly url: string;
  private headersView: IncomingHeaders | undefined;
  private controller: AbortController | undefined;
  private abortReason: string | undefined;
  private consumed = false;
  private stream: ReadableStream<Uint8Array> | undefined;
  private native: Request | undefined;

  constructor(
    readonly incoming: IncomingMessage,
    url: string,
  ) {
    this.method = incoming.method ?? "GET";
    this.url = url;
  }

  get headers(): Headers {
    return (this.headersView ??= new IncomingHeaders(this.incoming.rawHeaders)) as unknown as Headers;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** The client left before the answer was sent (node-listener.ts): the signal aborts with a string reason (errors.ts reads it as a cancel). */
  abort(reason: string = PREMATURE_CLOSE): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(reason);
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.method === "GET" || this.method === "HEAD") return null;
    if (!this.stream) {
      this.consumed = true;
      this.stream = Readable.toWeb(this.incoming) as ReadableStream<Uint8Array>;
    }
    return this.stream;
  }

  get bodyUsed(): boolean {
    return this.consumed;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.readAll().then((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) as ArrayBuffer);
  }

  bytes(): Promise<Uint8Array> {
    return this.readAll().then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }

  text(): Promise<string> {
    // As Request.text() (TextDecoder) reads it: a leading BOM dropped.
    return this.readAll().then((b) => {
      const text = b.toString("utf8");
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    });
  }

  json(): Promise<unknown> {
    return this.text().then(JSON.parse);
  }

  blob(): Promise<Blob> {
    return this.bytes().then((b) => new Blob([b as Uint8Array<ArrayBuffer>], { type: this.headers.get("content-type") ?? "" }));
  }

  formData(): Promise<FormData> {
    return this.toNative().formData();
  }

  clone(): Request {
    return this.toNative().clone();
  }

  /** The whole body from the socket, without a web stream. */
  private readAll(): Promise<Buffer> {
    if (this.consumed) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this.consumed = true;
    if (this.method === "GET" || this.method === "HEAD") return Promise.resolve(Buffer.alloc(0));
    const incoming = this.incoming;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (chunk: Buffer) => chunks.push(chunk);
      const onEnd = () => {
        cleanup();
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onClose = () => {
        cleanup();
        if (incoming.readableEnded) resolve(Buffer.concat(chunks));
        else reject(new Error(PREMATURE_CLOSE));
      };
      const cleanup = () => {
        incoming.off("data", onData);
        incoming.off("end", onEnd);
        incoming.off("error", onError);
        incoming.off("close", onClose);
      };
      if (incoming.readableEnded) return resolve(Buffer.alloc(0));
      incoming.on("data", onData);
      incoming.on("end", onEnd);
      incoming.on("error", onError);
      incoming.on("close", onClose);
    });
  }

  private toNative(): Request {
    if (!this.native) {
      const hasBody = !(this.method === "GET" || this.method === "HEAD");
      const headers = new NativeHeaders();
      for (const [k, v] of this.headers) headers.append(k, v);
      this.native = new NativeRequest(this.url, {
        method: this.method,
        headers,
        signal: this.signal,
        ...(hasBody ? { body: this.body, duplex: "half" } : {}),
      } as RequestInit);
    }
    return this.native;
  }
}
Object.setPrototypeOf(NodeRequest.prototype, NativeRequest.prototype);
// The real Request's other getters (cache, credentials, mode, redirect...) from the one built on demand.
for (const name of ["cache", "credentials", "destination", "duplex", "integrity", "keepalive", "mode", "redirect", "referrer", "referrerPolicy"]) {
  Object.defineProperty(NodeRequest.prototype, name, {
    get(this: NodeRequest) {
      return (this as unknown as { toNative(): Request }).toNative()[name as keyof Request];
    },
  });
}
