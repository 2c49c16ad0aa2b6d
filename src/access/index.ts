import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";
import { renderError } from "../http/render-error.js";
import type { Runtime } from "../runtime.js";
import { ApiKeys, presentedKeys } from "./api-keys.js";
import { isGeminiPath, isGoogleClient } from "../dialects/gemini/paths.js";
import {
  ALLOWED_METHODS,
  allowedRequestHeaders,
  EXPOSED_HEADERS,
  isSameOrigin,
  normaliseOrigin,
  originHostnames,
} from "./cors.js";
import { DashboardSessions } from "./dashboard-session.js";
import { hostAllowed, isLoopback } from "./host-guard.js";
import { KEY_PAGE_HEADERS, keyPage } from "./key-page.js";
import { meta } from "../observability/request-meta.js";

/**
 * Who may call the server (known-failures S1, acceptance case 38), in this order:
 * 1. Host guard (DNS rebinding), without API keys only: a loopback listener answers loopback Host
 *    names only; any other listener refuses dotted DNS names (e.g. Docker, where the server listens
 *    on 0.0.0.0 but is published on the host's loopback). With keys a rebinding page gets nowhere.
 * 2. Browsers: a request carrying an Origin other than our own is refused unless --cors-origin
 *    lists it; preflights are answered for listed origins only.
 * 3. API keys: with keys configured, everything but /health and HEAD / (Claude Code's preconnect,
 *    Docker's health check) needs `Authorization: Bearer <key>`, `x-api-key: <key>` or
 *    `x-goog-api-key: <key>` (on the Gemini API also `?key=<key>`), or, for GET
 *    requests, the dashboard session cookie opened by `GET /?key=<key>`.
 * Errors answer in the client's dialect (renderError).
 */
export function accessControl(runtime: Runtime): MiddlewareHandler {
  const { config } = runtime;
  const keys = new ApiKeys(config.apiKeys, config.keyNames);
  const sessions = new DashboardSessions(config.apiKeys);
  const origins = new Set(config.corsOrigins.map(normaliseOrigin));
  // With keys, a rebinding page gets nowhere without the key: the guard is only needed without them.
  const guardHost = !keys.enabled;
  const hostPolicy = { loopbackOnly: isLoopback(config.host), extraNames: originHostnames(config.corsOrigins) };

  return async (c, next) => {
    const host = c.req.header("host");
    if (guardHost && !hostAllowed(host, hostPolicy)) {
      runtime.recorder.refuse("host");
      const answered = hostPolicy.loopbackOnly ? "127.0.0.1, localhost or [::1]" : "IP addresses, localhost and single-label names";
      return refuse(
        c,
        `Host not allowed: "${host}". Without an API key, copilot-api only answers requests addressed to ${answered} ` +
          "(a guard against DNS rebinding). To use this name, add its origin with --cors-origin (e.g. http://devbox.lan:4141), " +
          `or set an API key with --api-key${hostPolicy.loopbackOnly ? ", or listen on another address with --host" : ""}.`,
      );
    }

    const origin = c.req.header("origin");
    const crossOrigin = origin !== undefined && !isSameOrigin(origin, c.req.url, host);
    const allowedOrigin = crossOrigin && origins.has(normaliseOrigin(origin));
    if (c.req.method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method")) {
      if (!allowedOrigin) {
        runtime.recorder.refuse("origin");
        return refuse(c, corsMessage(origin));
      }
      return preflight(c, origin);
    }
    if (crossOrigin && !allowedOrigin) {
      runtime.recorder.refuse("origin");
      return refuse(c, corsMessage(origin));
    }

    if (keys.enabled && !isOpenPath(c)) {
      const dashboardKey = c.req.method === "GET" && c.req.path === "/" ? c.req.query("key") : undefined;
      if (dashboardKey !== undefined) {
        if (!keys.accepts(dashboardKey)) {
          runtime.recorder.refuse("invalid_key");
          return withCors(unauthorised(c, "The key in ?key= is not valid."), allowedOrigin && origin);
        }
        // The key goes into a cookie and out of the address bar (and the browser history).
        sessions.open(c, dashboardKey);
        const rest = new URL(c.req.url).searchParams;
        rest.delete("key");
        return c.redirect(rest.size ? `/?${rest}` : "/", 303);
      }
      const presented = presentedKeys(c.req.raw.headers);
      // Google's API also takes the key as `?key=`; only there, so keys stay out of other URLs.
      const queryKey = isGeminiPath(c.req.path) || isGoogleClient(c.req.raw.headers) ? c.req.query("key") : undefined;
      if (queryKey) presented.push(queryKey);
      const keyName = presented.map((k) => keys.match(k)).find((name) => name !== undefined);
      const keyed = keyName !== undefined;
      if (keyed) meta(c).keyName = keyName;
      const session = (c.req.method === "GET" || c.req.method === "HEAD") && sessions.isOpen(c);
      if (!keyed && !session) {
        const sent = presented.length > 0;
        runtime.recorder.refuse(sent ? "invalid_key" : "missing_key");
        return withCors(
          unauthorised(
            c,
            sent
              ? "Invalid API key."
              : "Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>` (for the dashboard, open /?key=<key> once).",
          ),
          allowedOrigin && origin,
        );
      }
    }

    await next();
    if (allowedOrigin) {
      // Hono's res setter copies the old headers onto the new response, so add ours after it.
      c.res = new Response(c.res.body, c.res);
      addCors(c.res.headers, origin);
    }
  };
}

/** Open without a key: the health check, and Claude Code's `HEAD /` preconnect. */
function isOpenPath(c: Context): boolean {
  if (c.req.path === "/health") return c.req.method === "GET" || c.req.method === "HEAD";
  return c.req.path === "/" && c.req.method === "HEAD";
}

function corsMessage(origin: string): string {
  return (
    `Cross-origin request from ${origin} refused: browsers may only call copilot-api from origins allowed with ` +
    "--cors-origin (none by default), so that a web page cannot spend your Copilot quota."
  );
}

function refuse(c: Context, message: string): Response {
  return renderError(c, new ApiError({ kind: "permission", status: 403, code: "forbidden", message }));
}

function unauthorised(c: Context, message: string): Response {
  // A person opening the dashboard in a browser gets a page that says what to do, not JSON.
  if (c.req.method === "GET" && c.req.path === "/" && (c.req.header("accept") ?? "").includes("text/html")) {
    return c.body(keyPage(message.replace(/`/g, "")), 401, KEY_PAGE_HEADERS);
  }
  return renderError(c, new ApiError({ kind: "authentication", status: 401, code: "invalid_api_key", message }));
}

function preflight(c: Context, origin: string): Response {
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-max-age": "600",
    vary: "Origin, Access-Control-Request-Headers",
  });
  const allowed = allowedRequestHeaders(c.req.header("access-control-request-headers"));
  if (allowed) headers.set("access-control-allow-headers", allowed);
  // Chrome's Private Network Access: a public page calling loopback asks for this explicitly.
  if (c.req.header("access-control-request-private-network") === "true") headers.set("access-control-allow-private-network", "true");
  return new Response(null, { status: 204, headers });
}

function addCors(headers: Headers, origin: string): void {
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  headers.append("vary", "Origin");
}

/** An early answer (401) to an allowed origin, with the CORS headers the page needs to read it. */
function withCors(res: Response, origin: string | false | undefined): Response {
  if (!origin) return res;
  const out = new Response(res.body, res);
  addCors(out.headers, origin);
  return out;
}
