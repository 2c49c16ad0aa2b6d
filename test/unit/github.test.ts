import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import { GitHubClient } from "../../src/upstream/github.js";
import type { FetchLike } from "../../src/upstream/http.js";
import { buildIdentity } from "../../src/upstream/identity.js";

const identity = buildIdentity({ deviceId: "d", machineId: "m" }, {});

function fakeFetch(answer: () => Response) {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push({ url, headers: init?.headers as Record<string, string> });
    return answer();
  };
  return { fetch, seen };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a rejection");
}

describe("GitHubClient.exchangeToken", () => {
  it("GETs copilot_internal/v2/token with `token` auth and returns the envelope", async () => {
    const env = { token: "tid=1;exp=2:mac", expires_at: 2000000000, refresh_in: 1500, endpoints: { api: "https://api.business.githubcopilot.com" } };
    const f = fakeFetch(() => Response.json(env));
    const gh = new GitHubClient(f.fetch, "https://api.acme.ghe.com", identity);
    assert.deepEqual(await gh.exchangeToken("ghu_x"), env);
    assert.equal(f.seen[0]?.url, "https://api.acme.ghe.com/copilot_internal/v2/token");
    assert.equal(f.seen[0]?.headers.authorization, "token ghu_x");
    assert.equal(f.seen[0]?.headers["x-github-api-version"], "2025-04-01");
  });

  it("404 means 'use the GitHub token directly' (mode B)", async () => {
    const gh = new GitHubClient(fakeFetch(() => new Response("Not Found", { status: 404 })).fetch, "https://api.github.com", identity);
    assert.equal(await gh.exchangeToken("gho_x"), undefined);
  });

  it("401 tells the user to log in again", async () => {
    const gh = new GitHubClient(fakeFetch(() => Response.json({ message: "Bad credentials" }, { status: 401 })).fetch, "https://api.github.com", identity);
    const e = await rejection(gh.exchangeToken("ghu_x"));
    assert.equal(e.status, 401);
    assert.equal(e.kind, "authentication");
    assert.match(e.message, /Bad credentials/);
    assert.match(e.message, /copilot-api auth/);
  });

  it("403 shows GitHub's own message (no Copilot on this account)", async () => {
    const body = { message: "Copilot is not enabled for this account", error_details: { notification_id: "no_copilot_access" }, can_signup_for_limited: true };
    const gh = new GitHubClient(fakeFetch(() => Response.json(body, { status: 403 })).fetch, "https://api.github.com", identity);
    const e = await rejection(gh.exchangeToken("ghu_x"));
    assert.equal(e.status, 403);
    assert.equal(e.kind, "permission");
    assert.match(e.message, /Copilot is not enabled for this account/);
  });

  it("rate limiting keeps its status and retry-after", async () => {
    const gh = new GitHubClient(
      fakeFetch(() => Response.json({ message: "API rate limit exceeded" }, { status: 429, headers: { "retry-after": "60" } })).fetch,
      "https://api.github.com",
      identity,
    );
    const e = await rejection(gh.exchangeToken("ghu_x"));
    assert.equal(e.status, 429);
    assert.equal(e.retryAfter, "60");
  });

  it("an envelope without token/expires_at is a 502, lenient about everything else", async () => {
    const gh = new GitHubClient(fakeFetch(() => Response.json({ expires_at: 1 })).fetch, "https://api.github.com", identity);
    assert.equal((await rejection(gh.exchangeToken("ghu_x"))).status, 502);
    const lenient = new GitHubClient(fakeFetch(() => Response.json({ token: "t", expires_at: 1, unknown_new_field: true })).fetch, "https://api.github.com", identity);
    assert.equal((await lenient.exchangeToken("ghu_x"))?.token, "t");
  });

  it("a 200 that is not JSON (proxy or captive portal page) is a clear 502, not a SyntaxError", async () => {
    const gh = new GitHubClient(fakeFetch(() => new Response("<html>login</html>", { status: 200 })).fetch, "https://api.github.com", identity);
    const e = await rejection(gh.exchangeToken("ghu_x"));
    assert.equal(e.status, 502);
    assert.match(e.message, /not JSON|invalid JSON/i);
    const e2 = await rejection(gh.user("ghu_x"));
    assert.equal(e2.status, 502);
  });
});

describe("GitHubClient.user", () => {
  it("uses the requested auth scheme and returns the record", async () => {
    const f = fakeFetch(() => Response.json({ login: "octocat", endpoints: { api: "https://api.individual.githubcopilot.com" } }));
    const gh = new GitHubClient(f.fetch, "https://api.github.com", identity);
    const u = await gh.user("gho_x", "Bearer");
    assert.equal(u.endpoints?.api, "https://api.individual.githubcopilot.com");
    assert.equal(f.seen[0]?.url, "https://api.github.com/copilot_internal/user");
    assert.equal(f.seen[0]?.headers.authorization, "Bearer gho_x");
    await gh.user("ghu_x");
    assert.equal(f.seen[1]?.headers.authorization, "token ghu_x");
  });
});
