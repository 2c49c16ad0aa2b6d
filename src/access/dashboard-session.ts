import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { sameSecret } from "./api-keys.js";

/**
 * The browser dashboard cannot send an API key header with EventSource, so `GET /?key=<key>` opens
 * a session: an HttpOnly, SameSite=Strict cookie holding a random token (never the key itself),
 * valid until the server restarts. It authorises read-only GET requests only: a page elsewhere can
 * neither read it nor make the browser send it (Strict), and it can never spend quota (POST).
 */
export class DashboardSessions {
  private readonly token = randomBytes(32).toString("base64url");

  /** Cookies are shared across ports of one host: the port in the name keeps two servers apart. */
  private cookieName(c: Context): string {
    const port = new URL(c.req.url).port || "80";
    return `copilot_api_session_${port}`;
  }

  open(c: Context): void {
    setCookie(c, this.cookieName(c), this.token, { httpOnly: true, sameSite: "Strict", path: "/" });
  }

  isOpen(c: Context): boolean {
    const value = getCookie(c, this.cookieName(c));
    return value !== undefined && sameSecret(value, this.token);
  }
}
