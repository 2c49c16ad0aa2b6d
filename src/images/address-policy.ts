import { BlockList, isIP } from "node:net";

/**
 * Which addresses an image URL may reach. Anyone who may use the server can make it download a URL,
 * so by default only public unicast addresses are allowed: never the machine itself, its networks,
 * or a cloud metadata service (169.254.169.254, fd00:ec2::254).
 *
 * IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d,
 * IPv4-compatible ::a.b.c.d, the
 * NAT64 prefix 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address inside. Teredo
 * (2001::/32) hides its client address (obfuscated) and is refused outright.
 */

const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8], // "this network"; 0.0.0.0 itself connects to the local machine
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // carrier-grade NAT (RFC 6598)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255 broadcast
];

const V6_BLOCKED: [string, number][] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001::", 32], // Teredo
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local (ULA), e.g. fd00:ec2::254
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of V4_BLOCKED) blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of V6_BLOCKED) blocked.addSubnet(net, prefix, "ipv6");

/** True for an address an image URL may reach by default: public unicast, IPv4 or IPv6. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, "ipv4");
  if (family !== 6) return false;
  const words = ipv6Words(address);
  if (!words) return false;
  const embedded = embeddedIPv4(words);
  if (embedded !== undefined) return isPublicAddress(embedded);
  return !blocked.check(address, "ipv6");
}

/**
 * The IP address a URL's host names, if it is an address rather than a name. WHATWG URL parsing has
 * already turned every IPv4 spelling (127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1) into dotted decimal
 * and put IPv6 in brackets.
 */
export function hostAddress(url: URL): string | undefined {
  const host = url.hostname.startsWith("[") && url.hostname.endsWith("]") ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : undefined;
}

/** The IPv4 address carried by an IPv6 address of one of the embedding forms, as dotted decimal. */
function embeddedIPv4(w: number[]): string | undefined {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; :: and ::1 excluded)
  if (zeros(0, 5) && w[5] === 0xffff) return v4(w[6]!, w[7]!);
  // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765)
  if (zeros(0, 4) && w[4] === 0xffff && w[5] === 0) return v4(w[6]!, w[7]!);
  if (zeros(0, 6) && (w[6] !== 0 || w[7]! > 1)) return v4(w[6]!, w[7]!);
  // 64:ff9b::a.b.c.d (NAT64, RFC 6052)
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return v4(w[6]!, w[7]!);
  // 2002:aabb:ccdd::/48 (6to4)
  if (w[0] === 0x2002) return v4(w[1]!, w[2]!);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (a zone id dropped), or undefined. */
export function ipv6Words(address: string): number[] | undefined {
  let text = address.split("%")[0]!.toLowerCase();
  // A trailing dotted quad stands for the last two words.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const b = quad.slice(1).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    text = `${text.slice(0, quad.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? Number.parseInt(h, 16) : Number.NaN)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return words.some((x) => Number.isNaN(x)) ? undefined : words;
}
