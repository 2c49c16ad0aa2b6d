import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";

/** How long a dashboard session lasts before the key must be given again. */
export const DASHBOARD_SESSION_TTL_MS = 12 * 60 * 60_000;

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * The browser dashboard cannot send an API key header with EventSource, so `GET /?key=<key>` opens
 * a session: an HttpOnly, SameSite=Strict cookie. It authorises read-only GET requests only: a page
 * elsewhere can neither read it nor make the browser send it (Strict), and it can never spend
 * quota (POST). Cookies ignore ports, so any local service on another port receives it too; the
 * cookie is therefore worth little on its own:
 * - it holds an expiry and an HMAC over the expiry and the key's digest, never the key;
 * - the HMAC key is random per process: a restart revokes every session;
 * - it is bound to the key that opened it: a session for a key no longer configured is refused;
 * - it expires (Max-Age and the signed expiry, DASHBOARD_SESSION_TTL_MS).
 */
export class DashboardSessions {
  private readonly secret = randomBytes(32);
  private readonly keyDigests: Buffer[];

  constructor(
    keys: readonly string[],
    private readonly now: () => number = Date.now,
    private readonly ttlMs = DASHBOARD_SESSION_TTL_MS,
  ) {
    this.keyDigests = keys.filter(Boolean).map(digest);
  }

  /** Cookies are shared across ports of one host: the port in the name keeps two servers apart. */
  private cookieName(c: Context): string {
    const port = new URL(c.req.url).port || "80";
    return `copilot_api_session_${port}`;
  }

  private mac(expiry: number, keyDigest: Buffer): Buffer {
    return createHmac("sha256", this.secret).update(`${expiry}.`).update(keyDigest).digest();
  }

  /** Opens a session for `key`, which the caller has already checked. */
  open(c: Context, key: string): void {
    const expiry = this.now() + this.ttlMs;
    const value = `${expiry}.${this.mac(expiry, digest(key)).toString("base64url")}`;
    setCookie(c, this.cookieName(c), value, { httpOnly: true, sameSite: "Strict", path: "/", maxAge: Math.floor(this.ttlMs / 1000) });
  }

  isOpen(c: Context): boolean {
    const value = getCookie(c, this.cookieName(c));
    const m = value === undefined ? null : /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return false;
    const expiry = Number(m[1]);
    if (!(expiry > this.now())) return false;
    const given = Buffer.from(m[2]!, "base64url");
    let ok = false;
    // Every configured key is checked (no early exit): timing says nothing about which one matched.
    for (const d of this.keyDigests) ok = timingSafeEqual(given, this.mac(expiry, d)) || ok;
    return ok;
  }
}
