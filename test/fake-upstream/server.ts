// A fake GitHub + Copilot ("CAPI") upstream: a real HTTP server on 127.0.0.1.
//
// Layout of one instance at `url`:
//   {url}/login/...                      GitHub web (device flow)            = githubUrl
//   {url}/api/copilot_internal/...       GitHub API                          = githubApiUrl
//   {url}/capi/...                       CAPI, the base in endpoints.api     = capiUrl (initially)
//   {url}/capi<anything>/...             other CAPI-looking bases (e.g. endpoints.proxy = {url}/capi-proxy):
//                                        421 Misdirected Request unless it is the current endpoints.api
//
// CAPI checks (capi-gate.ts) run in this order: 421 base → 404 unknown route → auth → API version (466)
// → Editor-Version / Copilot-Integration-Id → JSON body → vision header → no external image URLs
// → model/endpoint.
// GET /_ping only gets the 421 check (it is a connectivity probe).
//
// Faults: status faults and drop-before-headers are consumed by the next request matching `path`
// (full path or prefix-stripped route; without `path`: any CAPI request) before any check runs.
// Stream faults (drop-after-first-chunk, stall-after-first-chunk, invalid-json, truncate,
// error-in-stream, auth-error-in-stream) are consumed by the next matching request that passes validation and would be
// answered 200; non-stream requests get the JSON-body equivalent.
import { createPublicKey } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkBodyAndModel, checkCapiHeaders, type CapiKind } from "./capi-gate.js";
import { handleChatCompletions } from "./chat-completions.js";
import { handleEmbeddings } from "./embeddings.js";
import { defaultFaultBody } from "./errors.js";
import {
  handleAccessToken,
  handleCopilotToken,
  handleCopilotUser,
  handleDeviceCode,
  handleDevicePage,
  handleGithubNotFound,
  userAgentGiven,
} from "./github-auth.js";
import { handleInstallationToken, handleRevokeInstallationToken } from "./github-app.js";
import { flatHeaders, parseBody, readBody, sendBody, sendJson, sendText } from "./http-io.js";
import { IdGen } from "./ids.js";
import { handleCountTokens, handleMessages } from "./messages.js";
import { defaultModels, type FakeModel } from "./models.js";
import { GENERIC_SHAPES, sendReplyJson } from "./reply-writer.js";
import { handleResponses } from "./responses.js";
import { Signer } from "./signer.js";
import type { Area, Exchange, FakeState } from "./state.js";
import type { Fault, FakeUpstream, FakeUpstreamOptions, RecordedCall, StreamFaultKind } from "./types.js";

export type { DeviceFlowOptions, Fault, FakeUpstream, FakeUpstreamOptions, RecordedCall, StreamFaultKind } from "./types.js";
export { defaultModels, type FakeModel } from "./models.js";
export { promptTokens, embeddingTokens, completionTokens } from "./token-count.js";
export { fakeNanoAiu, type TokenCounts } from "./copilot-usage.js";

export const DEFAULT_GITHUB_TOKEN = "ghu_fakeGithubToken000000000000000000";
export const DEFAULT_API_VERSIONS = ["2026-01-09", "2026-06-01", "2026-08-01"];

type CapiHandler = (ex: Exchange, model: FakeModel) => Promise<void>;

const CAPI_ROUTES: Record<string, { kind: CapiKind; handler?: CapiHandler }> = {
  "GET /_ping": { kind: "ping" },
  "GET /models": { kind: "models" },
  "POST /chat/completions": { kind: "chat", handler: handleChatCompletions },
  "POST /responses": { kind: "responses", handler: handleResponses },
  "POST /v1/messages": { kind: "messages", handler: handleMessages },
  "POST /v1/messages/count_tokens": { kind: "count_tokens", handler: handleCountTokens },
  "POST /embeddings": { kind: "embeddings", handler: handleEmbeddings },
};

function classify(path: string): { area: Area; prefix: string; route: string } {
  if (path === "/api" || path.startsWith("/api/")) return { area: "github-api", prefix: "/api", route: path.slice(4) || "/" };
  const capi = /^(\/capi[^/]*)(\/.*)?$/.exec(path);
  if (capi) return { area: "capi", prefix: capi[1]!, route: capi[2] ?? "/" };
  if (path.startsWith("/login/")) return { area: "github", prefix: "", route: path };
  return { area: "other", prefix: "", route: path };
}

function isStreamFault(f: Fault): f is { path?: string; kind: StreamFaultKind } {
  return "kind" in f && f.kind !== "drop-before-headers";
}

export async function startFakeUpstream(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const calls: RecordedCall[] = [];
  const faults: Fault[] = [];
  let aborted = 0;
  let active = 0;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  const abortWaiters: ((c: RecordedCall) => void)[] = [];
  const idleWaiters: (() => void)[] = [];

  const flow = opts.deviceFlow ?? {};
  const state: FakeState = {
    url: "",
    githubUrl: "",
    githubApiUrl: "",
    endpointsApi: "",
    // gho_ tokens (gh, the Copilot CLI) get no Copilot token: v2/token 404s and CAPI takes them directly (copilot-upstream.md 1.1).
    mode: opts.mode ?? ((opts.githubToken ?? "").startsWith("gho_") ? "bearer" : "exchange"),
    githubToken: opts.githubToken ?? DEFAULT_GITHUB_TOKEN,
    tokenLifetimeSec: opts.tokenLifetimeSec ?? 1800,
    acceptedApiVersions: opts.acceptedApiVersions ?? [...DEFAULT_API_VERSIONS],
    models: opts.models ?? defaultModels(),
    deviceFlow: {
      pendingPolls: flow.pendingPolls ?? 1,
      slowDownAt: flow.slowDownAt ?? [],
      outcome: flow.outcome ?? "success",
      interval: flow.interval ?? 5,
      expiresIn: flow.expiresIn ?? 900,
    },
    chunkSplit: opts.chunkSplit ?? true,
    paceMs: opts.paceMs ?? 0,
    promptCache: opts.promptCache ?? false,
    copilotUsage: opts.copilotUsage ?? true,
    webSearch: opts.webSearch ?? true,
    now: opts.now ?? Date.now,
    copilotTokens: new Map(),
    issuedCopilotTokens: [],
    deviceCodes: new Map(),
    promptHistory: [],
    signer: new Signer(),
    ids: new IdGen(),
    githubApp: opts.githubApp && {
      appId: opts.githubApp.appId,
      installationId: opts.githubApp.installationId,
      publicKey: createPublicKey(opts.githubApp.publicKeyPem),
      tokenLifetimeSec: opts.githubApp.tokenLifetimeSec ?? 3600,
      tokens: new Map(),
      issued: [],
    },
  };

  const faultMatches = (f: Fault, call: RecordedCall, area: Area): boolean =>
    f.path !== undefined ? f.path === call.path || f.path === call.route : area === "capi";

  const takeFault = (call: RecordedCall, area: Area, want: (f: Fault) => boolean): Fault | undefined => {
    const i = faults.findIndex((f) => want(f) && faultMatches(f, call, area));
    return i < 0 ? undefined : faults.splice(i, 1)[0];
  };

  /** Path of the current endpoints.api when it points at this server, else null (everything 421s). */
  const currentCapiPrefix = (): string | null => {
    try {
      const u = new URL(state.endpointsApi);
      const self = new URL(state.url);
      if (u.port !== self.port || !["127.0.0.1", "localhost"].includes(u.hostname)) return null;
      return u.pathname.replace(/\/+$/, "") || "/";
    } catch {
      return null;
    }
  };

  async function capi(ex: Exchange, prefix: string): Promise<void> {
    if (prefix !== currentCapiPrefix()) return sendText(ex.res, 421, "Misdirected Request");
    const route = ex.route.replace(/\/+$/, "") || "/";
    const spec = CAPI_ROUTES[`${ex.call.method} ${route}`];
    if (!spec) return sendText(ex.res, 404, "Not Found");
    if (spec.kind === "ping") return sendText(ex.res, 200, "OK");
    if (!checkCapiHeaders(ex)) return;
    if (spec.kind === "models") return sendReplyJson(ex, { object: "list", data: state.models }, GENERIC_SHAPES);
    const model = checkBodyAndModel(ex, spec.kind);
    if (!model || !spec.handler) return;
    return spec.handler(ex, model);
  }

  async function dispatch(ex: Exchange, prefix: string): Promise<void> {
    const key = `${ex.call.method} ${ex.route}`;
    switch (ex.area) {
      case "github":
        if (key === "POST /login/device/code") return handleDeviceCode(ex);
        if (key === "POST /login/oauth/access_token") return handleAccessToken(ex);
        if (key === "GET /login/device") return handleDevicePage(ex);
        return handleGithubNotFound(ex);
      case "github-api":
        if (!userAgentGiven(ex)) return;
        if (key === "GET /copilot_internal/v2/token") return handleCopilotToken(ex);
        if (key === "GET /copilot_internal/user") return handleCopilotUser(ex);
        if (key === "DELETE /installation/token") return handleRevokeInstallationToken(ex);
        {
          const inst = /^POST \/app\/installations\/([^/]+)\/access_tokens$/.exec(key);
          if (inst) return handleInstallationToken(ex, decodeURIComponent(inst[1]!));
        }
        return handleGithubNotFound(ex);
      case "capi":
        return capi(ex, prefix);
      default:
        return sendText(ex.res, 404, "Not Found");
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    active += 1;
    let closed = false;
    let selfDestroyed = false;
    let call: RecordedCall | undefined;
    res.on("close", () => {
      closed = true;
      active -= 1;
      if (!res.writableFinished && !selfDestroyed && !closing) {
        aborted += 1;
        const c = call ?? { method: req.method ?? "", path: req.url ?? "", route: "", query: "", headers: {}, body: "", rawBody: "", at: state.now() };
        for (const w of abortWaiters.splice(0)) w(c);
      }
      if (active === 0) for (const w of idleWaiters.splice(0)) w();
    });

    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const { area, prefix, route } = classify(url.pathname);
    const headers = flatHeaders(req);
    call = {
      method: req.method ?? "GET",
      path: url.pathname,
      route,
      query: url.search.replace(/^\?/, ""),
      headers,
      body: parseBody(raw, headers["content-type"]),
      rawBody: raw,
      at: state.now(),
    };
    calls.push(call);
    const thisCall = call;
    const ex: Exchange = {
      req,
      res,
      call,
      area,
      route,
      state,
      takeStreamFault: () => {
        const f = takeFault(thisCall, area, isStreamFault);
        return f && isStreamFault(f) ? f.kind : undefined;
      },
      destroySocket: () => {
        selfDestroyed = true;
        res.socket?.destroy();
        req.socket.destroy();
      },
      isClosed: () => closed,
    };

    const immediate = takeFault(call, area, (f) => "status" in f || f.kind === "drop-before-headers");
    if (immediate) {
      if ("status" in immediate) return sendBody(res, immediate.status, immediate.body ?? defaultFaultBody(immediate.status), immediate.headers);
      return ex.destroySocket();
    }
    await dispatch(ex, prefix);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (closing || res.destroyed) return;
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake upstream internal error: ${String(err)}`, code: "fake_internal" } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.githubUrl = state.url;
  state.githubApiUrl = `${state.url}/api`;
  state.endpointsApi = `${state.url}/capi`;

  const api: FakeUpstream = {
    url: state.url,
    githubUrl: state.githubUrl,
    githubApiUrl: state.githubApiUrl,
    /** The current endpoints.api (initially url + "/capi"; follows setEndpointsApi). */
    get capiUrl() {
      return state.endpointsApi;
    },
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path || c.route === path),
    fault: (f) => {
      faults.push(f);
    },
    issuedCopilotTokens: state.issuedCopilotTokens,
    installationTokens: state.githubApp?.issued ?? [],
    revokeCopilotTokens: () => {
      for (const rec of state.copilotTokens.values()) rec.revoked = true;
    },
    setEndpointsApi: (u) => {
      state.endpointsApi = u.replace(/\/+$/, "");
    },
    reset: () => {
      calls.length = 0;
      faults.length = 0;
      state.promptHistory.length = 0;
    },
    close: () => {
      closePromise ??= new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closePromise;
    },
    get abortedRequests() {
      return aborted;
    },
    get activeRequests() {
      return active;
    },
    nextAbort: () => new Promise<RecordedCall>((resolve) => abortWaiters.push(resolve)),
    whenIdle: () => new Promise<void>((resolve) => (active === 0 ? resolve() : idleWaiters.push(resolve))),
    holdStreams: () => {
      let release!: () => void;
      state.streamGate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        state.streamGate = undefined;
        release();
      };
    },
    holdTokenExchange: () => {
      let release!: () => void;
      let arrived!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const seen = new Promise<void>((resolve) => (arrived = resolve));
      state.exchangeGate = { gate, arrived };
      return {
        arrived: seen,
        release: () => {
          state.exchangeGate = undefined;
          release();
        },
      };
    },
    get copilotUsage() {
      return state.copilotUsage;
    },
    set copilotUsage(on: boolean) {
      state.copilotUsage = on;
    },
    get pendingFaults() {
      return faults.length;
    },
  };
  return api;
}
