/**
 * The DNS-rebinding guard. A web page on evil.example can make its own name resolve to 127.0.0.1
 * and then call this server "same-origin", past any CORS check. The browser still sends
 * `Host: evil.example`, so a server that only listens on loopback answers only requests addressed
 * to a loopback name (known-failures S1).
 */

/** Whether an address we listen on (or a Host name) is loopback. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The name in a Host header, without the port: "[::1]:4141" → "::1", "localhost:4141" → "localhost". */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") >= 0 ? h.indexOf("]") : undefined);
  const colons = h.split(":").length - 1;
  return colons === 1 ? h.slice(0, h.indexOf(":")) : h;
}

/**
 * Whether a request's Host header may be answered. `extraNames` are further names the user asked
 * for (the hosts of --cors-origin values). A missing Host (HTTP/1.0) is not a browser: allowed.
 */
export function hostAllowed(hostHeader: string | undefined, extraNames: ReadonlySet<string>): boolean {
  if (!hostHeader) return true;
  const name = hostnameOf(hostHeader).replace(/\.$/, "");
  return isLoopback(name) || extraNames.has(name);
}
