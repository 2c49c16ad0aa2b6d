import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from "undici";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * The one HTTP client for GitHub and Copilot. undici's defaults cut a response whose headers take
 * over 300 s or whose body goes silent for 300 s (known-failures N1): a high-effort Opus or GPT-5
 * turn does both. So headers and body timeouts are off (the client's own abort ends a request),
 * connecting is bounded, and idle keep-alive sockets are dropped after 30 s so a stale pool after a
 * network change does not linger (N2). `--proxy-env` honours HTTP(S)_PROXY / NO_PROXY (N6).
 */
export function createDispatcher(proxyEnv: boolean): Dispatcher {
  const options = {
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
    connect: { timeout: 15_000 },
  };
  return proxyEnv ? new EnvHttpProxyAgent(options) : new Agent(options);
}

export function createFetch(proxyEnv: boolean): FetchLike {
  if (isBun) {
    // Bun's fetch has no undici dispatcher; it reads HTTP(S)_PROXY itself and has no body timeout.
    return (url, init) => fetch(url, init);
  }
  const dispatcher = createDispatcher(proxyEnv);
  return (url, init) => undiciFetch(url, { ...(init as object), dispatcher } as never) as unknown as Promise<Response>;
}
