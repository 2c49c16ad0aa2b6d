import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { ApiError } from "../../src/errors.js";
import { type Logger, redact } from "../../src/log.js";
import type { CopilotTokenEnvelope, CopilotUser, GitHubClient } from "../../src/upstream/github.js";
import { TokenManager } from "../../src/upstream/token-manager.js";

const GITHUB_TOKEN = "ghu_githubTokenForTests0001";
const FALLBACK = "https://api.githubcopilot.com";

function fakeLogger() {
  const lines: { level: string; text: string }[] = [];
  let onWarn: ((text: string) => void) | undefined;
  const push = (level: string) => (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    lines.push({ level, text });
    if (level === "warn") onWarn?.(text);
  };
  const log: Logger = {
    debug: push("debug"),
    info: push("info"),
    warn: push("warn"),
    error: push("error"),
    success: push("success"),
    box: push("box"),
    secret: push("secret"),
    setVerbose: () => {},
    prompt: async () => undefined,
  };
  return { log, lines, nextWarn: () => new Promise<string>((resolve) => (onWarn = resolve)) };
}

type ExchangeAnswer = CopilotTokenEnvelope | undefined | Error | Promise<CopilotTokenEnvelope | undefined>;

/** A GitHubClient stand-in: scripted exchange answers, a fixed user record, and a call log. */
function fakeGitHub(opts: { exchange: (n: number) => ExchangeAnswer; user?: (scheme: string) => CopilotUser | Error }) {
  const calls: string[] = [];
  let exchanges = 0;
  const github = {
    async exchangeToken(token: string) {
      calls.push(`exchange ${token}`);
      const answer = opts.exchange(++exchanges);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async user(token: string, scheme: "token" | "Bearer" = "token") {
      calls.push(`user ${scheme} ${token}`);
      const answer = opts.user ? opts.user(scheme) : {};
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { github: github as unknown as GitHubClient, calls, exchangeCount: () => exchanges };
}

function envelope(n: number, nowMs: number, extra: Partial<CopilotTokenEnvelope> = {}): CopilotTokenEnvelope {
  return {
    token: `tid=token${n};exp=${Math.floor(nowMs / 1000) + 1800};sku=free:mac${n}`,
    expires_at: Math.floor(nowMs / 1000) + 1800,
    refresh_in: 1500,
    endpoints: { api: "https://api.business.githubcopilot.com/" },
    ...extra,
  };
}

describe("TokenManager (mode A: exchanged Copilot token)", () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = Date.UTC(2026, 10, 1, 12, 0, 0);
  });

  it("exchanges once and routes to endpoints.api from the envelope (trailing slash trimmed)", async () => {
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const s = await tm.get();
    assert.equal(s.mode, "exchange");
    assert.equal(s.apiBase, "https://api.business.githubcopilot.com");
    assert.match(s.token, /^tid=token1;/);
    assert.equal(s.expiresAt, (Math.floor(clock / 1000) + 1800) * 1000);
    assert.deepEqual(gh.calls, [`exchange ${GITHUB_TOKEN}`], "no user() call when the envelope names the host");
    assert.equal(tm.current, s);
  });

  it("registers both the GitHub token and the Copilot token as secrets for the logger", async () => {
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock, { token: "opaque-copilot-session-9f8e7d6c" }) });
    const tm = new TokenManager({ github: gh.github, githubToken: "custom-github-secret-77", fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    await tm.get();
    const out = redact("gh=custom-github-secret-77 cp=opaque-copilot-session-9f8e7d6c");
    assert.ok(!out.includes("custom-github-secret-77"), out);
    assert.ok(!out.includes("opaque-copilot-session-9f8e7d6c"), out);
  });

  it("reuses the session until refreshAt (refresh_in + 60 s - 5 min), then renews in the background", async () => {
    const start = clock;
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const first = await tm.get();
    assert.equal(first.refreshAt, start + (1500 + 60) * 1000 - 5 * 60_000);
    clock = first.refreshAt - 1;
    assert.equal(await tm.get(), first);
    assert.equal(gh.exchangeCount(), 1);
    clock = first.refreshAt;
    // Still valid for minutes: served at once while the exchange runs.
    assert.equal(await tm.get(), first);
    assert.equal(gh.exchangeCount(), 2);
    await tm.idle();
    const second = await tm.get();
    assert.match(second.token, /^tid=token2;/);
    assert.equal(gh.exchangeCount(), 2);
  });

  it("past refreshAt with a renewal held, callers get the valid token without waiting; past expiry they wait", async () => {
    let release!: (e: CopilotTokenEnvelope) => void;
    const gh = fakeGitHub({
      exchange: (n) => (n === 1 ? envelope(1, clock) : new Promise<CopilotTokenEnvelope>((resolve) => (release = resolve))),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const first = await tm.get();
    clock = first.refreshAt + 1;
    assert.equal(await tm.get(), first);
    assert.equal(await tm.get(), first);
    assert.equal(gh.exchangeCount(), 2, "one background exchange, shared");
    clock = first.expiresAt;
    let settled = false;
    const waiting = tm.get().then((s) => {
      settled = true;
      return s;
    });
    await Promise.resolve();
    assert.equal(settled, false, "no valid token left: the caller waits for the exchange");
    release(envelope(2, clock));
    assert.match((await waiting).token, /^tid=token2;/);
  });

  it("laptop sleep: the wall clock jumps 2 h with no timer firing, and the next get() renews (case 24)", async () => {
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const before = await tm.get();
    clock += 2 * 60 * 60_000; // well past expires_at
    assert.ok(clock > before.expiresAt);
    const after = await tm.get();
    assert.notEqual(after.token, before.token);
    assert.equal(gh.exchangeCount(), 2);
    assert.ok(after.refreshAt > clock, "the renewed session is valid now");
  });

  it("concurrent get() calls share one exchange", async () => {
    let release!: (e: CopilotTokenEnvelope) => void;
    const gate = new Promise<CopilotTokenEnvelope>((resolve) => (release = resolve));
    const gh = fakeGitHub({ exchange: () => gate });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const all = Promise.all([tm.get(), tm.get(), tm.refresh(), tm.get()]);
    release(envelope(1, clock));
    const sessions = await all;
    assert.equal(gh.exchangeCount(), 1);
    for (const s of sessions) assert.equal(s, sessions[0]);
  });

  it("asks copilot_internal/user (token scheme) for endpoints.api when the envelope has none", async () => {
    const gh = fakeGitHub({
      exchange: (n) => envelope(n, clock, { endpoints: undefined }),
      user: () => ({ endpoints: { api: "https://copilot-api.acme.ghe.com" } }),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const s = await tm.get();
    assert.equal(s.apiBase, "https://copilot-api.acme.ghe.com");
    assert.deepEqual(gh.calls, [`exchange ${GITHUB_TOKEN}`, `user token ${GITHUB_TOKEN}`]);
  });

  it("uses the fallback host only when neither the envelope nor the user record names one", async () => {
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock, { endpoints: {} }), user: () => new Error("socket hang up") });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    assert.equal((await tm.get()).apiBase, FALLBACK);
  });

  it("a local clock far ahead of GitHub's does not renew on every call", async () => {
    // The envelope's expires_at is 30 min after GitHub's "now", which is an hour behind ours.
    const serverNow = clock - 60 * 60_000;
    const gh = fakeGitHub({ exchange: (n) => envelope(n, serverNow) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const first = await tm.get();
    clock += 1000;
    assert.equal(await tm.get(), first);
    assert.equal(gh.exchangeCount(), 1, "refresh_in (relative) governs when the clocks disagree");
    clock += 25 * 60_000;
    await tm.get();
    assert.equal(gh.exchangeCount(), 2);
  });

  it("a failed refresh rejects the caller, and the next get() tries again", async () => {
    const gh = fakeGitHub({
      exchange: (n) => (n === 1 ? new ApiError({ kind: "upstream", status: 502, message: "GitHub is down" }) : envelope(n, clock)),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    await assert.rejects(tm.get(), /GitHub is down/);
    assert.equal(tm.current, undefined);
    const s = await tm.get();
    assert.match(s.token, /^tid=token2;/);
    assert.equal(gh.exchangeCount(), 2);
  });

  it("a failed renewal keeps nothing stale: the old session is not returned after its expiry", async () => {
    const gh = fakeGitHub({
      exchange: (n) => (n >= 2 ? new ApiError({ kind: "authentication", status: 401, message: "Bad credentials" }) : envelope(n, clock)),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const first = await tm.get();
    clock = first.expiresAt + 1;
    await assert.rejects(tm.get(), (e: unknown) => e instanceof ApiError && e.status === 401);
    assert.equal((tm.lastFailure?.error as ApiError).status, 401);
  });

  it("invalidate() drops only the matching token", async () => {
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const first = await tm.get();
    tm.invalidate("tid=some-other-token");
    assert.equal(tm.current, first);
    assert.equal(await tm.get(), first);
    assert.equal(gh.exchangeCount(), 1);
    tm.invalidate(first.token);
    assert.equal(tm.current, undefined);
    const second = await tm.get();
    assert.notEqual(second.token, first.token);
    assert.equal(gh.exchangeCount(), 2);
  });

  it("refresh() forces a new session even while the current one is valid (401/421 path)", async () => {
    const gh = fakeGitHub({
      exchange: (n) => envelope(n, clock, { endpoints: { api: n === 1 ? "https://api.individual.githubcopilot.com" : "https://api.enterprise.githubcopilot.com" } }),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    assert.equal((await tm.get()).apiBase, "https://api.individual.githubcopilot.com");
    assert.equal((await tm.refresh()).apiBase, "https://api.enterprise.githubcopilot.com");
    assert.equal((await tm.get()).apiBase, "https://api.enterprise.githubcopilot.com");
  });
});

describe("TokenManager (mode B: GitHub token as Bearer)", () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = Date.UTC(2026, 10, 1, 12, 0, 0);
  });

  it("a 404 from the exchange switches to bearer mode with endpoints.api from copilot_internal/user (case 49)", async () => {
    const gh = fakeGitHub({ exchange: () => undefined, user: () => ({ endpoints: { api: "https://api.enterprise.githubcopilot.com/" } }) });
    const tm = new TokenManager({ github: gh.github, githubToken: "gho_bearerTokenForTests99", fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const s = await tm.get();
    assert.equal(s.mode, "bearer");
    assert.equal(s.token, "gho_bearerTokenForTests99");
    assert.equal(s.apiBase, "https://api.enterprise.githubcopilot.com");
    assert.equal(s.expiresAt, Number.POSITIVE_INFINITY);
    assert.deepEqual(gh.calls, ["exchange gho_bearerTokenForTests99", "user Bearer gho_bearerTokenForTests99"]);
  });

  it("re-checks the host after an hour", async () => {
    const gh = fakeGitHub({ exchange: () => undefined, user: () => ({ endpoints: { api: "https://api.individual.githubcopilot.com" } }) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    const s = await tm.get();
    clock += 59 * 60_000;
    assert.equal(await tm.get(), s);
    clock += 2 * 60_000;
    await tm.get();
    assert.equal(gh.exchangeCount(), 2);
  });

  it("a 401 from copilot_internal/user rejects (the GitHub token is bad), not a silent fallback", async () => {
    const gh = fakeGitHub({
      exchange: () => undefined,
      user: () => new ApiError({ kind: "authentication", status: 401, message: "GitHub rejected the token" }),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now });
    await assert.rejects(tm.get(), /GitHub rejected the token/);
  });

  it("falls back to the configured host when the user record has no endpoints", async () => {
    const gh = fakeGitHub({ exchange: () => undefined, user: () => ({ login: "octocat" }) });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: "https://copilot-api.acme.ghe.com/", log: fakeLogger().log, now });
    assert.equal((await tm.get()).apiBase, "https://copilot-api.acme.ghe.com");
  });
});

describe("TokenManager.start(): the periodic wall-clock check", () => {
  let clock = 0;
  const now = () => clock;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    clock = Date.UTC(2026, 10, 1, 12, 0, 0);
    unhandled.length = 0;
    process.on("unhandledRejection", onUnhandled);
    mock.timers.enable({ apis: ["setInterval"] });
  });
  afterEach(() => {
    mock.timers.reset();
    process.off("unhandledRejection", onUnhandled);
  });

  it("does nothing while the session is fresh and renews once the wall clock passes refreshAt", async () => {
    const gh = fakeGitHub({ exchange: (n) => envelope(n, clock) });
    const logger = fakeLogger();
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: logger.log, now });
    const first = await tm.get();
    tm.start(30_000);
    mock.timers.tick(30_000);
    assert.equal(gh.exchangeCount(), 1);
    clock = first.refreshAt + 1;
    mock.timers.tick(30_000);
    const renewed = await tm.refresh(); // joins the timer's pending refresh
    assert.equal(gh.exchangeCount(), 2, "the timer's refresh was shared, not repeated");
    assert.match(renewed.token, /^tid=token2;/);
    tm.stop();
    clock += 10 * 60 * 60_000;
    mock.timers.tick(60_000);
    assert.equal(gh.exchangeCount(), 2, "stop() stops the checks");
  });

  it("a failed background refresh is logged as a warning, never an unhandled rejection", async () => {
    const gh = fakeGitHub({ exchange: () => new ApiError({ kind: "network", status: 502, message: "Could not reach GitHub (ECONNRESET)" }) });
    const logger = fakeLogger();
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: logger.log, now });
    const warned = logger.nextWarn();
    tm.start(30_000);
    mock.timers.tick(30_000);
    assert.match(await warned, /refresh failed.*ECONNRESET/);
    // Let any stray rejection surface before checking.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
    assert.equal(gh.exchangeCount(), 1);
    tm.stop();
  });
});

describe("TokenManager when an early renewal fails", () => {
  it("keeps serving the still-valid token, retries 15 s later, and fails once it has expired", async () => {
    let clock = Date.UTC(2026, 10, 1, 12, 0, 0);
    const now = () => clock;
    const start = clock;
    const gh = fakeGitHub({ exchange: (n) => (n === 1 ? envelope(1, start) : new Error("GitHub is having a moment")) });
    const logger = fakeLogger();
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: logger.log, now });
    const first = await tm.get();
    // Past the renewal point (refresh_in 1500 s + 60 − 300) but before expires_at (1800 s).
    clock = start + 1_300_000;
    assert.equal((await tm.get()).token, first.token);
    assert.equal(gh.exchangeCount(), 2);
    await tm.idle();
    assert.ok(logger.lines.some((l) => l.level === "warn" && /still using the current one/.test(l.text)));
    // Within the back-off: no new exchange.
    clock += 5_000;
    assert.equal((await tm.get()).token, first.token);
    assert.equal(gh.exchangeCount(), 2);
    // Past expiry: the failure surfaces.
    clock = start + 1_801_000;
    await assert.rejects(tm.get(), /having a moment/);
  });

  it("a 401 from GitHub (token revoked) is recorded for /health while the valid session is still served", async () => {
    let clock = Date.UTC(2026, 10, 1, 12, 0, 0);
    const start = clock;
    const gh = fakeGitHub({
      exchange: (n) => (n === 1 ? envelope(1, start) : new ApiError({ kind: "authentication", status: 401, message: "Bad credentials" })),
    });
    const tm = new TokenManager({ github: gh.github, githubToken: GITHUB_TOKEN, fallbackApiBase: FALLBACK, log: fakeLogger().log, now: () => clock });
    const first = await tm.get();
    clock = start + 1_300_000;
    assert.equal((await tm.get()).token, first.token);
    await tm.idle();
    assert.match(tm.lastFailure?.error.message ?? "", /Bad credentials/);
    clock = start + 1_801_000;
    await assert.rejects(tm.get(), /Bad credentials/);
  });
});
