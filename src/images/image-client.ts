import dns, { type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { createDispatcher, createFetch, type FetchLike, fetchThrough } from "../upstream/http.js";
import { hostAddress, isPublicAddress } from "./address-policy.js";

/**
 * The HTTP client image downloads use, with the address rule of address-policy.ts.
 *
 * On Node without --proxy-env, every name is resolved by the connection's own DNS lookup, which
 * checks every address of the answer and hands only checked ones to the socket: the address that
 * was checked is the one connected to, so a DNS answer cannot change in between (rebinding). Hosts
 * given as IP addresses never reach a lookup and are checked by check(), before each hop, redirects
 * included. With --proxy-env the proxy resolves the name and under Bun fetch resolves it itself:
 * check() then resolves it first and checks every address, which a DNS answer that changes within
 * that moment could get past. [U] No way to pin the address through an HTTP proxy or Bun's fetch.
 */
export interface ImageClient {
  fetch: FetchLike;
  /** Rejects with AddressRefused when `url`'s host is, or (see above) resolves to, a refused address. */
  check(url: URL): Promise<void>;
}

/** A host whose address images may not come from. Its message stays in the debug log. */
export class AddressRefused extends Error {
  override readonly name = "AddressRefused";
  readonly code = "EADDRESSREFUSED";
}

export interface ImageClientOptions {
  proxyEnv: boolean;
  /** Any address (imageUrlsAllowPrivate): no checks at all. */
  allowPrivate: boolean;
  /** The address rule; isPublicAddress unless a test widens it. */
  allowed?: (address: string) => boolean;
  /** DNS; dns.lookup unless a test answers for it. */
  lookup?: typeof dns.lookup;
}

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

export function createImageClient(options: ImageClientOptions): ImageClient {
  if (options.allowPrivate) return { fetch: createFetch(options.proxyEnv), check: async () => undefined };
  const allowed = options.allowed ?? isPublicAddress;
  const lookup = options.lookup ?? dns.lookup;
  const pinned = !isBun && !options.proxyEnv;
  const fetch = pinned ? fetchThrough(createDispatcher(false, 0, { lookup: checkedLookup(allowed, lookup) })) : createFetch(options.proxyEnv);
  return {
    fetch,
    async check(url) {
      const ip = hostAddress(url);
      if (ip !== undefined) {
        if (!allowed(ip)) throw new AddressRefused(`${ip} is not a public address`);
        return;
      }
      if (pinned) return; // checked as it is connected to
      const addresses = await resolveAll(lookup, url.hostname);
      refuseUnlessAllAllowed(url.hostname, addresses, allowed);
    },
  };
}

function resolveAll(lookup: typeof dns.lookup, host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

function refuseUnlessAllAllowed(host: string, addresses: LookupAddress[], allowed: (address: string) => boolean): void {
  if (addresses.length === 0) throw new AddressRefused(`${host} has no address`);
  const refused = addresses.find((a) => !allowed(a.address));
  if (refused) throw new AddressRefused(`${host} resolves to ${refused.address}, not a public address`);
}

/** A socket's DNS lookup that refuses the whole answer when any address in it is refused. */
function checkedLookup(allowed: (address: string) => boolean, lookup: typeof dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { family: options.family, hints: options.hints, all: true, verbatim: true }, (error, addresses) => {
      const done = callback as (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
      if (error) return done(error, "");
      try {
        refuseUnlessAllAllowed(hostname, addresses, allowed);
      } catch (refused) {
        return done(refused as NodeJS.ErrnoException, "");
      }
      if (options.all) return done(null, addresses);
      done(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
