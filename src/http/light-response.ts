/**
 * The server-side Response on Node (src/http/node-listener.ts installs it as the global `Response`
 * while the server runs). Hono and our routes build one per request with `new Response(body, init)`;
 * Node's own (undici's) builds WHATWG headers, a body stream and webidl conversions for it, which
 * the listener would then have to read back through a stream reader. This one keeps what it was
 * given: the status, the headers in a plain map, and a string, bytes or a stream as the body, so
 * that the listener writes a string body to the socket as it is. Anything else a caller asks of it
 * (clone, formData, a string body's `body` stream...) is answered by a real Response built on demand.
 * `instanceof Response` holds, for the native class as for this one.
 */

const NativeResponse = globalThis.Response;
const NativeHeaders = globalThis.Headers;

type HeadersInitLike = HeadersInit | PlainHeaders | undefined | null;

/**
 * Headers as a map of lower-case names to values (set-cookie kept as a list), with the part of the
 * Headers interface that Hono and our code use. Iteration is in name order, as for Headers.
 */
export class PlainHeaders {
  private readonly map = new Map<string, string>();
  private cookies: string[] | undefined;

  constructor(init?: HeadersInitLike) {
    if (init === undefined || init === null) return;
    if (init instanceof PlainHeaders) {
      for (const [k, v] of init.map) this.map.set(k, v);
      if (init.cookies) this.cookies = [...init.cookies];
    } else if (init instanceof NativeHeaders || Array.isArray(init) || typeof (init as unknown as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const [k, v] of init as Iterable<[string, string]>) this.append(k, v);
    } else {
      for (const k of Object.keys(init)) {
        const v = (init as Record<string, string | string[]>)[k]!;
        if (Array.isArray(v)) for (const one of v) this.append(k, one);
        else this.append(k, v);
      }
    }
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    if (key === "set-cookie") return this.cookies ? this.cookies.join(", ") : null;
    return this.map.get(key) ?? null;
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return key === "set-cookie" ? this.cookies !== undefined : this.map.has(key);
  }

  set(name: string, value: string): void {
    const key = checkedName(name);
    const v = checkedValue(value);
    if (key === "set-cookie") this.cookies = [v];
    else this.map.set(key, v);
  }

  append(name: string, value: string): void {
    const key = checkedName(name);
    const v = checkedValue(value);
    if (key === "set-cookie") (this.cookies ??= []).push(v);
    else {
      const old = this.map.get(key);
      this.map.set(key, old === undefined ? v : `${old}, ${v}`);
    }
  }

  delete(name: string): void {
    const key = name.toLowerCase();
    if (key === "set-cookie") this.cookies = undefined;
    else this.map.delete(key);
  }

  getSetCookie(): string[] {
    return this.cookies ? [...this.cookies] : [];
  }

  forEach(callback: (value: string, name: string, parent: PlainHeaders) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  *entries(): IterableIterator<[string, string]> {
    const names = [...this.map.keys()];
    if (this.cookies) names.push("set-cookie");
    names.sort();
    for (const k of names) {
      if (k === "set-cookie") for (const c of this.cookies!) yield [k, c];
      else yield [k, this.map.get(k)!];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** For ServerResponse.writeHead: the map as a record, set-cookie as a list; no copy of the values. */
  toOutgoing(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of this.map) out[k] = v;
    if (this.cookies) out["set-cookie"] = this.cookies;
    return out;
  }
}
Object.setPrototypeOf(PlainHeaders.prototype, NativeHeaders.prototype);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
function checkedName(name: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: ${name}`);
  return name.toLowerCase();
}
function checkedValue(value: string): string {
  const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\0\r\n]/.test(v)) throw new TypeError(`Invalid header value: ${JSON.stringify(v)}`);
  return v;
}

type Body = string | Uint8Array | ReadableStream<Uint8Array> | null;

const DEFAULT_TEXT_TYPE = "text/plain;charset=UTF-8";
const encoder = new TextEncoder();

export class LightResponse {
  readonly status: number;
  readonly statusText: string;
  /** The body as given: a string or bytes (written as they are), a stream (piped), or null. */
  readonly rawBody: Body;
  private plain: PlainHeaders | undefined;
  private headersInit: HeadersInitLike;
  private native: Response | undefined;
  private used = false;

  constructor(body?: BodyInit | null, init?: ResponseInit | Response) {
    const status = init?.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    this.status = status;
    this.statusText = init?.statusText ?? "";
    this.headersInit = init?.headers as HeadersInitLike;
    if (body === undefined || body === null) this.rawBody = null;
    else if (typeof body === "string" || body instanceof ReadableStream) this.rawBody = body;
    else if (body instanceof Uint8Array) this.rawBody = body;
    else if (body instanceof ArrayBuffer) this.rawBody = new Uint8Array(body);
    else {
      // Blob, FormData, URLSearchParams...: what Node's Response makes of them, read as a stream.
      const native = new NativeResponse(body, init as ResponseInit);
      this.rawBody = native.body;
      this.headersInit = native.headers;
    }
    if (typeof this.rawBody === "string" && !hasContentType(this.headersInit)) {
      this.plain = new PlainHeaders(this.headersInit);
      this.plain.set("content-type", DEFAULT_TEXT_TYPE);
    }
  }

  get headers(): Headers {
    return (this.plain ??= new PlainHeaders(this.headersInit)) as unknown as Headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.rawBody === null || this.rawBody instanceof ReadableStream) return this.rawBody;
    return this.toNative().body;
  }

  get bodyUsed(): boolean {
    return this.native ? this.native.bodyUsed : this.used;
  }

  get type(): ResponseType {
    return "default";
  }

  get url(): string {
    return "";
  }

  get redirected(): boolean {
    return false;
  }

  text(): Promise<string> {
    const raw = this.take();
    if (typeof raw === "string") return Promise.resolve(raw);
    if (raw instanceof Uint8Array) return Promise.resolve(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8"));
    return this.toNative().text();
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const raw = this.take();
    if (typeof raw === "string") return Promise.resolve(encoder.encode(raw).buffer as ArrayBuffer);
    if (raw instanceof Uint8Array) return Promise.resolve(raw.slice().buffer as ArrayBuffer);
    return this.toNative().arrayBuffer();
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
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

  /** The string or bytes once (a second read fails as a used Response's does); undefined for the stream path. */
  private take(): string | Uint8Array | undefined {
    if (this.native) return undefined;
    if (this.used) throw new TypeError("Body is unusable: Body has already been read");
    const raw = this.rawBody;
    if (raw === null) {
      this.used = true;
      return "";
    }
    if (typeof raw === "string" || raw instanceof Uint8Array) {
      this.used = true;
      return raw;
    }
    return undefined;
  }

  /** A real Response with the same status, headers and body, for what this class does not do itself. */
  private toNative(): Response {
    if (!this.native) {
      const headers = new NativeHeaders();
      for (const [k, v] of this.headers as unknown as PlainHeaders) headers.append(k, v);
      this.native = new NativeResponse(this.rawBody as BodyInit | null, { status: this.status, statusText: this.statusText, headers });
    }
    return this.native;
  }

  static json(data: unknown, init?: ResponseInit): Response {
    const body = JSON.stringify(data);
    if (body === undefined) throw new TypeError("The data is not JSON serializable");
    const headers = new PlainHeaders(init?.headers as HeadersInitLike);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new LightResponse(body, { ...init, headers: headers as unknown as Headers }) as unknown as Response;
  }

  static redirect(url: string | URL, status = 302): Response {
    if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError("Invalid status code");
    return new LightResponse(null, { status, headers: { location: new URL(url).href } }) as unknown as Response;
  }

  static error(): Response {
    return NativeResponse.error();
  }

  /** `instanceof Response` is true of Node's own Responses too (undici's fetch, the upstream's). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof NativeResponse || Function.prototype[Symbol.hasInstance].call(LightResponse, value);
  }
}
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype);

function hasContentType(init: HeadersInitLike): boolean {
  if (init === undefined || init === null) return false;
  if (init instanceof PlainHeaders || init instanceof NativeHeaders) return init.has("content-type");
  if (Array.isArray(init) || typeof (init as unknown as Iterable<unknown>)[Symbol.iterator] === "function") {
    for (const [k] of init as Iterable<[string, string]>) if (k.toLowerCase() === "content-type") return true;
    return false;
  }
  for (const k of Object.keys(init)) if (k.length === 12 && k.toLowerCase() === "content-type") return true;
  return false;
}

let installed = 0;

/**
 * Makes `Response` the light one while a Node server runs (Hono and our routes construct it by that
 * name); the returned function puts Node's back when the last server closes. Code that needs Node's
 * own (the upstream client's answers) captured it when it loaded.
 */
export function installLightResponse(): () => void {
  if (installed++ === 0) Object.defineProperty(globalThis, "Response", { value: LightResponse, writable: true, configurable: true });
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--installed === 0) Object.defineProperty(globalThis, "Response", { value: NativeResponse, writable: true, configurable: true });
  };
}
