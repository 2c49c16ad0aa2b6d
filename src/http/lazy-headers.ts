const WebHeaders = globalThis.Headers;

/**
 * Headers over what the HTTP layer already parsed: `get` and `has` read it as it is, nothing copied
 * or converted; anything else (changing them, iterating) converts them once to real Headers and goes
 * on there. A subclass says how a name is read and how the real Headers are filled. Its prototype
 * chain reaches Headers', so `instanceof Headers` holds.
 */
export abstract class LazyHeaders {
  private native: Headers | undefined;

  /** The value for a lower-case name, repeats joined as web Headers join them; null when absent. */
  protected abstract read(key: string): string | null;

  /** Appends every header to `headers`. */
  protected abstract fill(headers: Headers): void;

  get(name: string): string | null {
    return this.native ? this.native.get(name) : this.read(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.native ? this.native.has(name) : this.read(name.toLowerCase()) !== null;
  }

  set(name: string, value: string): void {
    this.real().set(name, value);
  }

  append(name: string, value: string): void {
    this.real().append(name, value);
  }

  delete(name: string): void {
    this.real().delete(name);
  }

  getSetCookie(): string[] {
    return this.real().getSetCookie();
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    this.real().forEach((v, k) => callback.call(thisArg, v, k, this as unknown as Headers));
  }

  entries(): IterableIterator<[string, string]> {
    return this.real().entries();
  }

  keys(): IterableIterator<string> {
    return this.real().keys();
  }

  values(): IterableIterator<string> {
    return this.real().values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  private real(): Headers {
    if (!this.native) {
      const h = new WebHeaders();
      this.fill(h);
      this.native = h;
    }
    return this.native;
  }
}
Object.setPrototypeOf(LazyHeaders.prototype, WebHeaders.prototype);
