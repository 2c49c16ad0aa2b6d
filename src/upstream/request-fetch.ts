import { pipeline, Readable, Transform } from "node:stream";
import zlib from "node:zlib";
import type { Dispatcher } from "undici";
import { LazyHeaders } from "../http/lazy-headers.js";
import type { FetchLike } from "./http.js";

/**
 * undici's fetch() costs ~0.4-0.6 ms of CPU per call (WHATWG Request/Headers objects, webidl
 * conversions, abort-signal WeakRefs that survive young-generation GCs), more than the rest of a
 * proxied request (docs/performance-history.md). This is the same call made with the dispatcher's
 * own API, answered with a real web Response whose body is fed straight from the socket.
 *
 * What goes on the wire and what callers see is what fetch() gives: the headers fetch adds when
 * they are absent (accept-language, sec-fetch-mode, accept-encoding), gzip/deflate/br bodies
 * decoded, connection failures as TypeError("fetch failed", { cause }), a body that breaks off as
 * TypeError("terminated", { cause }), aborts rejecting (and erroring the body) with the signal's
 * reason, and cancelling the body aborting the upstream request. Anything this path does not
 * handle itself (a redirect to follow, a body that is neither a string nor bytes, headers not given as a plain
 * record) goes to `fallback`, undici's fetch on the same dispatcher.
 */
export function requestFetch(dispatcher: Dispatcher, fallback: FetchLike): FetchLike {
  return (url, init = {}) => {
    const headers = plainHeaders(init.headers);
    const body = init.body;
    const manual = init.redirect === "manual";
    if (!headers || (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) || (init.redirect && init.redirect !== "follow" && !manual)) {
      return fallback(url, init);
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return fallback(url, init);
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") return fallback(url, init);
    const follow = manual ? undefined : () => fallback(url, init);
    return dispatchOnce(dispatcher, target, init.method ?? "GET", headers, body ?? undefined, init.signal ?? undefined, follow);
  };
}

// Node's own Response and Headers, captured before the Node listener installs its light server-side
// Response (src/http/light-response.ts) as the global one.
const WebResponse = globalThis.Response;
const WebHeaders = globalThis.Headers;

/** What undici's fetch adds to every request that doesn't set them (fetch spec: "HTTP-network-or-cache fetch"). */
const FETCH_DEFAULT_HEADERS: [string, string][] = [
  ["accept-language", "*"],
  ["sec-fetch-mode", "cors"],
  ["accept-encoding", "gzip, deflate"],
];
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** A plain record of header values with lower-case-unique names, plus fetch's defaults; undefined for anything else. */
function plainHeaders(h: RequestInit["headers"]): Record<string, string> | undefined {
  if (h === undefined || h === null) return withDefaults({});
  if (typeof h !== "object" || Array.isArray(h) || h instanceof WebHeaders) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h as Record<string, unknown>)) {
    if (typeof value !== "string") return undefined;
    const lower = name.toLowerCase();
    if (lower in out) return undefined;
    out[lower] = value;
  }
  return withDefaults(out);
}

function withDefaults(h: Record<string, string>): Record<string, string> {
  for (const [name, value] of FETCH_DEFAULT_HEADERS) if (!(name in h)) h[name] = value;
  return h;
}

/**
 * The calls waiting on each signal. A signal gets one "abort" listener of ours, which stays: removing
 * a listener from an AbortSignal costs Node several microseconds, once per upstream call, while a Set
 * is cheap. One listener per signal, whatever the number of calls made with it, so none accumulate.
 */
const waitingOn = new WeakMap<AbortSignal, Set<() => void>>();

function onAbortOf(signal: AbortSignal, callback: () => void): () => void {
  let waiting = waitingOn.get(signal);
  if (!waiting) {
    const set = new Set<() => void>();
    waiting = set;
    waitingOn.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const f of [...set]) f();
      set.clear();
    }, { once: true });
  }
  waiting.add(callback);
  const set = waiting;
  return () => void set.delete(callback);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

function dispatchOnce(
  dispatcher: Dispatcher,
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  signal: AbortSignal | undefined,
  /** undefined: `redirect: "manual"`, the 3xx itself is the answer. */
  followRedirect: (() => Promise<Response>) | undefined,
): Promise<Response> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<Response>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let sink: BodySink | undefined;
    let settled = false;
    let finished = false;

    const onAbort = () => {
      const reason = abortReason(signal!);
      if (!settled) {
        settled = true;
        reject(reason);
      }
      sink?.fail(reason);
      controller?.abort(reason as Error);
    };
    const stopWaiting = signal ? onAbortOf(signal, onAbort) : undefined;
    const done = () => {
      finished = true;
      stopWaiting?.();
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (signal?.aborted) c.abort(abortReason(signal) as Error);
      },
      onResponseStart(c, status, resHeaders, statusText) {
        if (status < 200) return; // informational: the final answer follows
        if (followRedirect && REDIRECT_STATUS.has(status) && resHeaders.location !== undefined) {
          // fetch follows redirects: let it, from the start (a redirect carries no answer).
          done();
          c.abort(new Error("redirect"));
          if (!settled) {
            settled = true;
            resolve(followRedirect());
          }
          return;
        }
        const nullBody = method === "HEAD" || NULL_BODY_STATUS.has(status);
        if (!nullBody) {
          let decoders: Transform[];
          try {
            const coding = resHeaders["content-encoding"];
            decoders = decodersFor(Array.isArray(coding) ? coding.join(", ") : (coding ?? null));
          } catch (error) {
            c.abort(error as Error);
            return;
          }
          sink = decoders.length > 0 ? new DecodedBody(c, decoders) : new DirectBody(c);
        }
        settled = true;
        resolve(new UpstreamResponse(status, statusText ?? "", resHeaders, sink) as unknown as Response);
      },
      onResponseData(c, chunk) {
        if (!sink) return;
        if (!sink.push(chunk)) c.pause();
      },
      onResponseEnd() {
        if (finished) return;
        done();
        sink?.end();
      },
      onResponseError(_c, error) {
        if (finished) return;
        const aborted = signal?.aborted;
        done();
        if (aborted) return; // onAbort already rejected or errored the body with the signal's reason
        if (!settled) {
          settled = true;
          reject(new TypeError("fetch failed", { cause: error }));
          return;
        }
        sink?.fail(new TypeError("terminated", { cause: error }));
      },
    };
    try {
      dispatcher.dispatch({ origin: target.origin, path: `${target.pathname}${target.search}`, method: method as Dispatcher.HttpMethod, headers, body }, handler);
    } catch (error) {
      done();
      if (!settled) {
        settled = true;
        reject(new TypeError("fetch failed", { cause: error }));
      }
    }
  });
}

/** Up to this many chunks wait unread before the socket is paused. */
const BUFFERED_CHUNKS = 16;

interface BodySink {
  /** The body as a web stream, made on first use. */
  readonly stream: ReadableStream<Uint8Array>;
  /** false: stop reading until the reader catches up. */
  push(chunk: Buffer): boolean;
  end(): void;
  fail(error: unknown): void;
}

/**
 * The answer as the callers see it: what fetch's Response gives (status, ok, headers, body, text(),
 * json()...), without building one. A non-streaming answer (most calls) is read with text() or
 * json() from the chunks as they came, with no web stream, headers object or webidl conversion;
 * `body` makes the stream when a caller asks for it (every streaming answer). Headers are converted
 * when first read. Anything else (clone, blob, formData) comes from a real Response built on demand.
 * `instanceof Response` holds.
 */
class UpstreamResponse {
  private headersView: Headers | undefined;
  private native: Response | undefined;
  private used = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly rawHeaders: Record<string, string | string[] | undefined>,
    private readonly sink: BodySink | undefined,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get redirected(): boolean {
    return false;
  }

  get type(): ResponseType {
    return "basic";
  }

  get url(): string {
    return "";
  }

  get headers(): Headers {
    return (this.headersView ??= new RecordHeaders(this.rawHeaders) as unknown as Headers);
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.native) return this.native.body;
    if (!this.sink) return null;
    this.used = true;
    return this.sink.stream;
  }

  get bodyUsed(): boolean {
    return this.native ? this.native.bodyUsed : this.used;
  }

  async text(): Promise<string> {
    const bytes = await this.bytes();
    // As fetch decodes it: UTF-8, a leading BOM dropped.
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  bytes(): Promise<Uint8Array> {
    if (this.native) return this.native.arrayBuffer().then((b) => new Uint8Array(b));
    if (this.used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this.used = true;
    if (!this.sink) return Promise.resolve(new Uint8Array(0));
    if (this.sink instanceof DirectBody) return this.sink.collect();
    return new WebResponse(this.sink.stream).arrayBuffer().then((b) => new Uint8Array(b));
  }

  blob(): Promise<Blob> {
    return this.toNative().blob();
  }

  formData(): Promise<FormData> {
    return this.toNative().formData();
  }

  clone(): Response {
    return this.toNative().clone();
  }

  private toNative(): Response {
    if (!this.native) {
      if (this.used) throw new TypeError("Body is unusable: Body has already been read");
      this.used = true;
      this.native = new WebResponse(this.sink ? this.sink.stream : null, { status: this.status, statusText: this.statusText, headers: this.headers });
    }
    return this.native;
  }
}
Object.setPrototypeOf(UpstreamResponse.prototype, WebResponse.prototype);

/**
 * The answer's headers over undici's record of them (lower-case names, repeated ones as lists): get()
 * and has() read it as it is; anything else converts them once to real Headers.
 */
class RecordHeaders extends LazyHeaders {
  constructor(private readonly record: Record<string, string | string[] | undefined>) {
    super();
  }

  protected read(key: string): string | null {
    const value = this.record[key];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }

  protected fill(headers: Headers): void {
    for (const name in this.record) {
      const value = this.record[name];
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.append(name, value);
    }
  }
}

/**
 * The response body fed by the dispatcher. Until a reader comes, chunks wait in a list (the socket is
 * paused once BUFFERED_CHUNKS wait); then either the whole body is collected as bytes (text(),
 * json(): no stream at all), or a web ReadableStream is made that takes over, paused while
 * BUFFERED_CHUNKS chunks wait unread and resumed when the reader pulls. Cancelling the stream
 * aborts the request.
 */
class DirectBody implements BodySink {
  private made: ReadableStream<Uint8Array> | undefined;
  private out: ReadableStreamDefaultController<Uint8Array> | undefined;
  private waiting: Uint8Array[] = [];
  private collector: { resolve(bytes: Uint8Array): void; reject(error: unknown): void } | undefined;
  private ended = false;
  private error: { reason: unknown } | undefined;
  private closed = false;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  get stream(): ReadableStream<Uint8Array> {
    if (this.made) return this.made;
    const controller = this.controller;
    this.made = new ReadableStream<Uint8Array>(
      {
        start: (out) => {
          this.out = out;
          for (const chunk of this.waiting) out.enqueue(chunk);
          this.waiting = [];
          if (this.error) out.error(this.error.reason);
          else if (this.ended) out.close();
        },
        pull: () => {
          if (controller.paused) controller.resume();
        },
        cancel: (reason) => {
          this.closed = true;
          controller.abort(reason instanceof Error ? reason : new Error(String(reason ?? "cancelled")));
        },
      },
      new CountQueuingStrategy({ highWaterMark: BUFFERED_CHUNKS }),
    );
    if (this.error || this.ended) this.closed = true;
    return this.made;
  }

  /** The whole body as bytes, from the chunks as they came. */
  collect(): Promise<Uint8Array> {
    if (this.error) return Promise.reject(this.error.reason);
    if (this.ended) return Promise.resolve(this.joined());
    return new Promise<Uint8Array>((resolve, reject) => {
      this.collector = { resolve, reject };
      if (this.controller.paused) this.controller.resume();
    });
  }

  push(chunk: Buffer): boolean {
    // undici hands over empty body spans when it resumes a paused parser with nothing buffered. Queued,
    // they would satisfy reads that carry no data: a reader looping on them (event-pump) would never
    // yield to the event loop, and so never let the socket deliver the rest. A Node Readable drops them too.
    if (this.closed || chunk.byteLength === 0) return true;
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.out) {
      this.out.enqueue(bytes);
      return (this.out.desiredSize ?? 1) > 0;
    }
    this.waiting.push(bytes);
    return this.collector !== undefined || this.waiting.length < BUFFERED_CHUNKS;
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    if (this.out) {
      this.closed = true;
      this.out.close();
    } else if (this.collector) {
      this.closed = true;
      this.collector.resolve(this.joined());
    }
  }

  fail(error: unknown): void {
    if (this.closed || this.ended || this.error) return;
    this.error = { reason: error };
    this.waiting = [];
    if (this.out) {
      this.closed = true;
      this.out.error(error);
    } else if (this.collector) {
      this.closed = true;
      this.collector.reject(error);
    }
  }

  private joined(): Uint8Array {
    const chunks = this.waiting;
    this.waiting = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}

/** A content-encoded body, decoded the way fetch decodes it: raw bytes → zlib decoders → web stream. */
class DecodedBody implements BodySink {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly raw: Readable;
  private closed = false;

  constructor(controller: Dispatcher.DispatchController, decoders: Transform[]) {
    this.raw = new Readable({ read: () => controller.resume() });
    const decoded = pipeline(this.raw, ...(decoders as [Transform]), (error) => {
      if (error && !this.closed) controller.abort(error);
    });
    this.stream = Readable.toWeb(decoded) as ReadableStream<Uint8Array>;
  }

  push(chunk: Buffer): boolean {
    return this.closed ? true : this.raw.push(chunk);
  }

  end(): void {
    if (!this.closed) this.raw.push(null);
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.destroy(error as Error);
  }
}

const MAX_CONTENT_CODINGS = 5;

/** zlib decoders for `content-encoding`, last coding first; [] when fetch would leave the body alone. */
function decodersFor(contentEncoding: string | null): Transform[] {
  const codings = contentEncoding ? contentEncoding.toLowerCase().split(",") : [];
  if (codings.length > MAX_CONTENT_CODINGS) throw new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CONTENT_CODINGS}`);
  const sync = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const decoders: Transform[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim();
    if (coding === "gzip" || coding === "x-gzip") decoders.push(zlib.createGunzip(sync));
    else if (coding === "deflate") decoders.push(new InflateStream(sync));
    else if (coding === "br") decoders.push(zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }));
    else return []; // a coding fetch doesn't know (identity included): the body as sent
  }
  return decoders;
}

/** "deflate" as fetch reads it: zlib-wrapped or raw, told apart by the first byte. */
class InflateStream extends Transform {
  private inflate?: Transform;

  constructor(private readonly zlibOptions: zlib.ZlibOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.inflate) {
      if (chunk.length === 0) return callback();
      this.inflate = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(this.zlibOptions) : zlib.createInflateRaw(this.zlibOptions);
      this.inflate.on("data", (d: Buffer) => this.push(d));
      this.inflate.on("end", () => this.push(null));
      this.inflate.on("error", (error) => this.destroy(error));
    }
    this.inflate.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inflate) {
      this.inflate.end();
      this.inflate = undefined;
    }
    callback();
  }
}
