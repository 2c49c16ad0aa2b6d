import { ApiError } from "../errors.js";
import type { FetchLike } from "./http.js";

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** The innermost error with a code: fetch's TypeError("fetch failed") → its cause → an AggregateError's first. */
function rootCause(error: unknown): ErrorLike | undefined {
  let e = error as ErrorLike | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.code) return e;
    e = (e.cause as ErrorLike | undefined) ?? (e.errors?.[0] as ErrorLike | undefined);
  }
  return e;
}

/** What a connection failure means, in words a user can act on; undefined when it is not one. */
export function networkReason(error: unknown): string | undefined {
  const e = error as ErrorLike | undefined;
  if (e?.name === "TimeoutError") return "no answer in time";
  const code = rootCause(error)?.code ?? "";
  if (/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)$/.test(code)) return `the name does not resolve (DNS, ${code})`;
  if (code === "ECONNREFUSED") return "the connection was refused (ECONNREFUSED)";
  if (/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT)$/.test(code)) return `the connection timed out (${code})`;
  if (/^(ENETUNREACH|EHOSTUNREACH|ENETDOWN|EHOSTDOWN)$/.test(code)) return `the network is unreachable (${code})`;
  if (/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)$/.test(code)) return `the connection was closed (${code})`;
  if (/CERT|TLS|SSL|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) return `the TLS certificate was not accepted (${code}); behind an inspecting proxy, give Node its CA with NODE_EXTRA_CA_CERTS`;
  if (e?.name === "TypeError" && e.message === "fetch failed") return code ? `the connection failed (${code})` : "the connection failed";
  return undefined;
}

/**
 * A connection failure as an error that says which host could not be reached and why (DNS,
 * refused, timeout, TLS), and mentions --proxy-env, instead of fetch's bare "fetch failed".
 */
export function explainNetworkError(error: unknown, url: string, service: string): ApiError | undefined {
  if ((error as ErrorLike | undefined)?.name === "AbortError" || error instanceof ApiError) return undefined;
  const reason = networkReason(error);
  if (!reason) return undefined;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep what was given
  }
  return new ApiError({
    kind: "network",
    status: 502,
    code: "upstream_unreachable",
    message: `Cannot reach ${service} at ${host}: ${reason}. If this machine reaches the internet through a proxy, set HTTPS_PROXY and start with --proxy-env.`,
  });
}

/** `fetch` whose connection failures are explained (see explainNetworkError). */
export function explainingFetch(fetch: FetchLike, service: string): FetchLike {
  return async (url, init) => {
    try {
      return await fetch(url, init);
    } catch (error) {
      throw explainNetworkError(error, url, service) ?? error;
    }
  };
}
