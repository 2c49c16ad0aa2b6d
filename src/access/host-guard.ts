/**
 * The DNS-rebinding guard. A web page on evil.example can make its own name resolve to 127.0.0.1
 * (or to a LAN or Docker-published address) and then call this server "same-origin", past any CORS
 * check. The browser still sends `Host: evil.example`: a name in public DNS, which is the only kind
 * of name an outside attacker controls (known-failures S1).
 */

/** Whether an address we listen on (or a Host name) is loopback. */
export function isLoopback(hostname: string): boolean {
  const h = bare(hostname);
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The name in a Host header, without the port: "[::1]:4141" → "::1", "localhost:4141" → "localhost". */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return h.slice(1, end >= 0 ? end : undefined);
  }
  const colons = h.split(":").length - 1;
  return colons === 1 ? h.slice(0, h.indexOf(":")) : h;
}

function bare(name: string): string {
  return name.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

/** An IP address written as such: a page can only have that origin if it is served from that address. */
function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

export interface HostPolicy {
  /** The server listens on loopback: only loopback names are answered. */
  loopbackOnly: boolean;
  /** Further names the user asked for (the hosts of --cors-origin values). */
  extraNames: ReadonlySet<string>;
}

/**
 * Whether a request's Host header may be answered. On a loopback listener only loopback names pass.
 * On any other listener, IP addresses and single-label names (a Docker Compose service, a LAN
 * machine name) pass as well: an attacker cannot serve a page from those. A missing Host (HTTP/1.0)
 * is not a browser: allowed.
 */
export function hostAllowed(hostHeader: string | undefined, policy: HostPolicy): boolean {
  if (!hostHeader) return true;
  const name = bare(hostnameOf(hostHeader));
  if (isLoopback(name) || policy.extraNames.has(name)) return true;
  if (policy.loopbackOnly) return false;
  return isIpLiteral(name) || !name.includes(".");
}
