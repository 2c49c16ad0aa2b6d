// Mutable state shared by the handlers of one fake upstream instance.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeGitHubApp } from "./github-app.js";
import type { IdGen } from "./ids.js";
import type { FakeModel } from "./models.js";
import type { Signer } from "./signer.js";
import type { RecordedCall, StreamFaultKind } from "./types.js";

export interface ResolvedDeviceFlow {
  pendingPolls: number;
  slowDownAt: number[];
  outcome: "success" | "access_denied" | "expired_token";
  interval: number;
  expiresIn: number;
}

export interface DeviceCode {
  clientId: string;
  scope: string;
  issuedAt: number;
  interval: number;
  polls: number;
  pendingServed: number;
}

export interface PromptRecord {
  key: string;
  conversation: string[];
  tokens: number;
}

export interface FakeState {
  url: string;
  githubUrl: string;
  githubApiUrl: string;
  endpointsApi: string;
  mode: "exchange" | "bearer";
  githubToken: string;
  tokenLifetimeSec: number;
  acceptedApiVersions: string[];
  models: FakeModel[];
  deviceFlow: ResolvedDeviceFlow;
  chunkSplit: boolean;
  paceMs: number;
  /** While set, every stream stops after its first event until this settles (FakeUpstream.holdStreams). */
  streamGate?: Promise<void>;
  /** While set, the token exchange waits for it (FakeUpstream.holdTokenExchange). */
  exchangeGate?: { gate: Promise<void>; arrived: () => void };
  promptCache: boolean;
  /** Send copilot_usage on answers (default true; FakeUpstream.copilotUsage turns it off). */
  copilotUsage: boolean;
  /** Whether /responses serves the hosted web_search tool (web-search.ts). */
  webSearch: boolean;
  now: () => number;
  copilotTokens: Map<string, { expiresAtMs: number; revoked: boolean }>;
  issuedCopilotTokens: string[];
  deviceCodes: Map<string, DeviceCode>;
  promptHistory: PromptRecord[];
  signer: Signer;
  ids: IdGen;
  /** A GitHub App whose installation tokens are accepted like the user's token (FakeUpstreamOptions.githubApp). */
  githubApp?: FakeGitHubApp;
}

/** Where a request landed: GitHub web (/login/...), GitHub API (/api/...), CAPI (/capi*\/...), or elsewhere. */
export type Area = "github" | "github-api" | "capi" | "other";

/** One request being answered. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  call: RecordedCall;
  area: Area;
  route: string;
  state: FakeState;
  /** Consumes the first queued stream/body fault matching this request (call when about to answer 200). */
  takeStreamFault(): StreamFaultKind | undefined;
  /** Destroys the socket on purpose (not counted as a client abort). */
  destroySocket(): void;
  /** True once the response is closed (finished, aborted or destroyed). */
  isClosed(): boolean;
}
