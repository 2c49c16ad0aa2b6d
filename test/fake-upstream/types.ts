// Public types of the fake GitHub + Copilot upstream (re-exported by server.ts).
import type { FakeModel } from "./models.js";

export interface DeviceFlowOptions {
  /** authorization_pending answers before the outcome (slow_down polls don't count). Default 1. */
  pendingPolls?: number;
  /** 1-based poll numbers answered with slow_down (interval += 5). Default []. */
  slowDownAt?: number[];
  /** Default "success". */
  outcome?: "success" | "access_denied" | "expired_token";
  /** Seconds, returned by /login/device/code. Default 5. */
  interval?: number;
  /** Seconds, returned by /login/device/code; polls after it (per now()) get expired_token. Default 900. */
  expiresIn?: number;
}

export interface FakeUpstreamOptions {
  port?: number;
  /** "bearer": v2/token answers 404 and CAPI takes the GitHub token directly. Default: "bearer" for gho_ tokens, else "exchange". */
  mode?: "exchange" | "bearer";
  githubToken?: string;
  tokenLifetimeSec?: number;
  acceptedApiVersions?: string[];
  models?: FakeModel[];
  deviceFlow?: DeviceFlowOptions;
  chunkSplit?: boolean;
  paceMs?: number;
  now?: () => number;
  /**
   * Opt-in prompt-cache simulation (default false). When true, a chat-like request whose
   * conversation strictly extends an earlier request's conversation (same endpoint, model,
   * system/instructions and tools) reports that earlier prompt's token count as cached
   * (chat: prompt_tokens_details.cached_tokens; responses: input_tokens_details.cached_tokens;
   * messages: cache_read_input_tokens, with input_tokens = total - cached).
   */
  promptCache?: boolean;
  /**
   * Send `copilot_usage` (the cost in nano-AIU, priced from the model's billing.token_prices) on
   * every answer, as Copilot does since 2026-06. Default true; false for answers without it.
   */
  copilotUsage?: boolean;
  /**
   * A GitHub App installed on an organisation: POST /app/installations/{installationId}/access_tokens
   * mints installation tokens for a JWT signed with the private key matching publicKeyPem.
   */
  githubApp?: { appId: string; installationId: string; publicKeyPem: string; tokenLifetimeSec?: number };
  /** Serve OpenAI's hosted web_search tool on /responses (default true); false refuses it with a 400 [U]. */
  webSearch?: boolean;
}

export interface RecordedCall {
  method: string;
  /** Full request path as received, e.g. "/capi/chat/completions" or "/api/copilot_internal/v2/token". */
  path: string;
  /** Path after the "/api" or "/capi*" prefix, e.g. "/chat/completions"; equals `path` for other paths. */
  route: string;
  /** Raw query string without "?", e.g. "beta=true"; "" when absent. */
  query: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON; an object for form-urlencoded bodies; otherwise the raw string ("" when empty). */
  body: any;
  rawBody: string;
  /** now() when the request arrived. */
  at: number;
}

export type StreamFaultKind =
  | "drop-after-first-chunk"
  | "stall-after-first-chunk"
  | "invalid-json"
  | "truncate"
  | "error-in-stream"
  /** The first event is a 401 (the endpoint's authentication error) and the token is revoked, as if it expired just then. */
  | "auth-error-in-stream";

export type Fault =
  | { path?: string; status: number; body?: unknown; headers?: Record<string, string> }
  | { path?: string; kind: "drop-before-headers" }
  | { path?: string; kind: StreamFaultKind };

export interface FakeUpstream {
  url: string;
  githubUrl: string;
  githubApiUrl: string;
  capiUrl: string;
  calls: RecordedCall[];
  /** Calls whose full `path` or prefix-stripped `route` equals `path`. */
  callsTo(path: string): RecordedCall[];
  fault(f: Fault): void;
  issuedCopilotTokens: string[];
  /** GitHub App installation tokens minted so far (with FakeUpstreamOptions.githubApp). */
  installationTokens: string[];
  revokeCopilotTokens(): void;
  setEndpointsApi(url: string): void;
  reset(): void;
  close(): Promise<void>;
  /** Requests whose client went away before the answer was complete. */
  readonly abortedRequests: number;
  /** Requests currently being answered. */
  readonly activeRequests: number;
  /** Resolves with the next request that the client aborts (no polling or sleeps needed). */
  nextAbort(): Promise<RecordedCall>;
  /** Resolves once no request is being answered. */
  whenIdle(): Promise<void>;
  /**
   * From now on, every stream sends its first event and then waits until the returned function is
   * called: streams that are certainly still running upstream, whatever the machine's speed.
   */
  holdStreams(): () => void;
  /**
   * From now on, every token exchange (copilot_internal/v2/token) waits until `release` is called;
   * `arrived` resolves when the first one is waiting: a GitHub that is slow to renew, on cue.
   */
  holdTokenExchange(): { arrived: Promise<void>; release: () => void };
  /** Whether answers carry copilot_usage (settable: false makes the server estimate the cost). */
  copilotUsage: boolean;
  /** Faults queued and not yet consumed. */
  readonly pendingFaults: number;
}
