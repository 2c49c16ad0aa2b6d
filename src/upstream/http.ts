import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import type { Agent as AgentType, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType, fetch as FetchType } from "undici";
import { requestFetch } from "./request-fetch.js";

const requireCjs = createRequire(import.meta.url);

/**
 * One part of undici, from its own file: undici's index loads every feature it has (mock agents,
 * caches, WebSocket, EventSource, fetch...), ~100 ms of start-up and ~10 MB of memory for the two
 * dispatchers this needs. The whole package is the fallback should a future undici move the file.
 */
function undiciPart<T>(load: () => unknown, name: string): T {
  try {
    const part = load() as T | Record<string, T>;
    return (typeof part === "function" ? part : (part as Record<string, T>)[name]) as T;
  } catch {
    return (requireCjs("undici") as Record<string, T>)[name]!;
  }
}

// Each file named literally: the bundle (scripts/bundle.mjs) takes the two dispatchers into itself,
// which saves resolving and reading their ~50 files from node_modules on every start; fetch, rarely
// used, is still read from node_modules when first needed.
const loadAgent = () => requireCjs("undici/lib/dispatcher/agent.js");
const loadEnvHttpProxyAgent = () => requireCjs("undici/lib/dispatcher/env-http-proxy-agent.js");
const loadFetch = () => requireCjs("undici/lib/web/fetch/index.js");

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 first compiles it with its baseline
 * compiler (Liftoff), then recompiles the hot parser function with TurboFan on a background thread,
 * whose working memory (~10 MB) stays resident in that thread's malloc arena for the life of the
 * process: a third of what the server holds above a bare Node proxy. Staying on Liftoff costs
 * little, since parsing the answers' headers is a small share of a request (docs/benchmark.md).
 * Set before the first connection compiles the module; Bun (no llhttp) ignores it.
 */
let wasmBaselineSet = false;
function keepWasmBaseline(): void {
  if (wasmBaselineSet || isBun) return;
  wasmBaselineSet = true;
  setFlagsFromString("--liftoff-only");
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * The one HTTP client for GitHub and Copilot. undici's defaults cut a response whose headers take
 * over 300 s or whose body goes silent for 300 s (known-failures N1): a high-effort Opus or GPT-5
 * turn does both. So the headers timeout is off (the client's own abort ends a request), the body
 * timeout is the configured idle limit (10 minutes of silence by default), connecting is bounded,
 * and idle keep-alive sockets are dropped after 30 s so a stale pool after a network change does
 * not linger (N2). `--proxy-env` honours HTTP(S)_PROXY / NO_PROXY (N6).
 */
export function createDispatcher(proxyEnv: boolean, bodyTimeoutMs = 0, connect: Record<string, unknown> = {}): Dispatcher {
  keepWasmBaseline();
  const options = {
    headersTimeout: 0,
    // Silence mid-body (not the whole answer): config.upstreamIdleTimeoutMs, long by default.
    bodyTimeout: bodyTimeoutMs,
    keepAliveTimeout: 30_000,
    // `connect` adds socket options, such as the image downloads' checked DNS lookup (src/images/).
    connect: { timeout: 15_000, ...connect },
  };
  if (proxyEnv) return new (undiciPart<typeof EnvHttpProxyAgentType>(loadEnvHttpProxyAgent, "EnvHttpProxyAgent"))(options);
  return new (undiciPart<typeof AgentType>(loadAgent, "Agent"))(options);
}

export function createFetch(proxyEnv: boolean, bodyTimeoutMs = 0): FetchLike {
  if (isBun) {
    // Bun's fetch has no undici dispatcher and reads HTTP(S)_PROXY itself (so --proxy-env changes
    // nothing there). Its own 5-minute idle timer would cut a slow first byte: `timeout` sets it
    // to the same idle limit as on Node, or turns it off.
    const timeout = bodyTimeoutMs > 0 ? bodyTimeoutMs : false;
    return (url, init) => fetch(url, { ...init, timeout } as RequestInit);
  }
  return fetchThrough(createDispatcher(proxyEnv, bodyTimeoutMs));
}

/** A fetch over `dispatcher` (Node only). */
export function fetchThrough(dispatcher: Dispatcher): FetchLike {
  // undici's fetch, loaded on first use: only what the direct path leaves to it (redirects, odd bodies).
  let undiciFetch: typeof FetchType | undefined;
  const viaFetch: FetchLike = (url, init) => {
    undiciFetch ??= undiciPart<typeof FetchType>(loadFetch, "fetch");
    return undiciFetch(url, { ...(init as object), dispatcher } as never) as unknown as Promise<Response>;
  };
  // The same requests through the dispatcher API: fetch()'s own overhead was the largest CPU cost of a proxied call.
  return requestFetch(dispatcher, viaFetch);
}
