import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { githubAppTokens } from "../../src/cli/github-app-tokens.js";
import type { Config } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { GitHubAppTokens, parseAppKey, signAppJwt } from "../../src/upstream/github-app.js";
import { createFetch } from "../../src/upstream/http.js";
import { startFakeUpstream } from "../fake-upstream/server.js";
import { captureLogger, startHarness } from "../helpers/harness.js";

const APP_ID = "123456";
const INSTALLATION = "7890";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privatePem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });

function appSource(apiUrl: string, now: () => number, key = parseAppKey(privatePem, "app.pem"), lines: string[] = []) {
  return new GitHubAppTokens({
    fetch: createFetch(false),
    apiUrl,
    appId: APP_ID,
    privateKey: key,
    installationId: INSTALLATION,
    log: captureLogger(lines),
    now,
  });
}

const installationCalls = `/app/installations/${INSTALLATION}/access_tokens`;

describe("GitHub App installation tokens against the fake GitHub", () => {
  test("the app JWT: RS256, iss = app id, iat 60 s back, exp under 10 minutes", () => {
    const now = 1_800_000_000_000;
    const [h, p] = signAppJwt(APP_ID, parseAppKey(privatePem, "app.pem"), now).split(".");
    assert.deepEqual(JSON.parse(Buffer.from(h!, "base64url").toString()), { alg: "RS256", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as { iat: number; exp: number; iss: string };
    assert.equal(claims.iss, APP_ID);
    assert.equal(claims.iat, now / 1000 - 60);
    assert.ok(claims.exp - now / 1000 <= 600 && claims.exp > now / 1000);
    assert.throws(() => parseAppKey("not a key", "app.pem"), /app\.pem is not a GitHub App private key/);
  });

  test("gets a token, exchanges it for a Copilot session, renews it before expiry, one renewal for concurrent requests", { timeout: 30_000 }, async () => {
    let clock = Date.now();
    const h = await startHarness({
      now: () => clock,
      fake: { now: () => clock, githubApp: { appId: APP_ID, installationId: INSTALLATION, publicKeyPem: publicPem } },
      githubToken: (fake) => appSource(fake.githubApiUrl, () => clock),
    });
    try {
      assert.equal(h.fake.installationTokens.length, 1);
      const ghs = h.fake.installationTokens[0]!;
      assert.match(ghs, /^ghs_/);
      const exchange = h.fake.callsTo("/copilot_internal/v2/token");
      assert.equal(exchange.at(-1)!.headers.authorization, `token ${ghs}`, "the installation token is exchanged like a user token");
      // GitHub's REST API refuses a call without a User-Agent (the fake does too): ours name themselves.
      assert.equal(h.fake.callsTo(`/app/installations/${INSTALLATION}/access_tokens`).at(-1)!.headers["user-agent"], "copilot-api");
      assert.match(exchange.at(-1)!.headers["user-agent"] ?? "", /^GitHubCopilotChat\//);
      const res = await chat(h.url);
      assert.equal(res.status, 200, await res.clone().text());
      await res.text();

      // 56 minutes on: the Copilot session has expired and the installation token has < 5 minutes left.
      clock += 56 * 60_000;
      const answers = await Promise.all(Array.from({ length: 5 }, () => chat(h.url)));
      for (const r of answers) assert.equal(r.status, 200, await r.text());
      assert.equal(h.fake.installationTokens.length, 2, "one renewal shared by five concurrent requests");
      const renewed = h.fake.installationTokens[1]!;
      assert.equal(h.fake.callsTo("/copilot_internal/v2/token").at(-1)!.headers.authorization, `token ${renewed}`);
      assert.ok(!h.logs.join("\n").includes(renewed.slice(4)), "the installation token is never logged");

      // The old token is refused by GitHub once past its hour.
      clock += 10 * 60_000;
      const stale = await fetch(`${h.fake.githubApiUrl}/copilot_internal/v2/token`, { headers: { authorization: `token ${ghs}` } });
      assert.equal(stale.status, 401);
    } finally {
      await h.close();
    }
  });

  test("in bearer mode the installation token is the Bearer, and the session ends with it", { timeout: 30_000 }, async () => {
    let clock = Date.now();
    const h = await startHarness({
      now: () => clock,
      fake: { mode: "bearer", now: () => clock, githubApp: { appId: APP_ID, installationId: INSTALLATION, publicKeyPem: publicPem } },
      githubToken: (fake) => appSource(fake.githubApiUrl, () => clock),
    });
    try {
      const session = h.runtime.tokens.current!;
      assert.equal(session.mode, "bearer");
      assert.equal(session.token, h.fake.installationTokens[0]);
      assert.ok(Number.isFinite(session.expiresAt) && session.refreshAt < session.expiresAt);
      clock = session.expiresAt + 1;
      const res = await chat(h.url);
      assert.equal(res.status, 200, await res.text());
      assert.equal(h.runtime.tokens.current!.token, h.fake.installationTokens[1]);
    } finally {
      await h.close();
    }
  });

  for (const mode of ["exchange", "bearer"] as const) {
    test(`an installation token GitHub revoked before its expiry is replaced at once (${mode} mode)`, { timeout: 30_000 }, async () => {
      let clock = Date.now();
      const lines: string[] = [];
      const h = await startHarness({
        now: () => clock,
        fake: { mode, now: () => clock, githubApp: { appId: APP_ID, installationId: INSTALLATION, publicKeyPem: publicPem } },
        githubToken: (fake) => appSource(fake.githubApiUrl, () => clock, undefined, lines),
      });
      try {
        const ghs = h.fake.installationTokens[0]!;
        const revoked = await fetch(`${h.fake.githubApiUrl}/installation/token`, { method: "DELETE", headers: { authorization: `token ${ghs}` } });
        assert.equal(revoked.status, 204);
        // Half an hour on: the Copilot session (mode A) needs a new exchange; the token has 30 minutes left by our clock.
        clock += 30 * 60_000;
        const res = await chat(h.url);
        assert.equal(res.status, 200, await res.text());
        assert.equal(h.fake.installationTokens.length, 2, "one new installation token");
        assert.match(lines.join("\n"), /refused the GitHub App's installation token before its expiry/);
        assert.ok(![...lines, ...h.logs].join("\n").includes(ghs.slice(4)), "never logged");
        // A token refused within a minute of being minted is not minted again for every request.
        const second = h.fake.installationTokens[1]!;
        await fetch(`${h.fake.githubApiUrl}/installation/token`, { method: "DELETE", headers: { authorization: `token ${second}` } });
        h.runtime.tokens.invalidate(h.runtime.tokens.current!.token);
        const refused = await chat(h.url);
        assert.equal(refused.status, 401);
        await refused.text();
        assert.equal(h.fake.installationTokens.length, 2);
      } finally {
        await h.close();
      }
    });
  }

  test("a JWT signed with the wrong key is refused; the failure is cached with a growing backoff", { timeout: 30_000 }, async () => {
    let clock = Date.now();
    const fake = await startFakeUpstream({ now: () => clock, githubApp: { appId: APP_ID, installationId: INSTALLATION, publicKeyPem: publicPem } });
    const lines: string[] = [];
    try {
      const source = appSource(fake.githubApiUrl, () => clock, other, lines);
      await assert.rejects(source.token(), (e: Error) => /refused the app's JWT/.test(e.message) && /could not be decoded/.test(e.message));
      await assert.rejects(source.token(), /refused the app's JWT/);
      assert.equal(fake.callsTo(installationCalls).length, 1, "the second call is answered from the cached failure");
      clock += 5_001;
      await assert.rejects(source.token());
      assert.equal(fake.callsTo(installationCalls).length, 2);
      clock += 5_001;
      await assert.rejects(source.token());
      assert.equal(fake.callsTo(installationCalls).length, 2, "the backoff doubled to 10 s");
      assert.match(lines.join("\n"), /next try in 10 s/);

      const wrongInstallation = new GitHubAppTokens({
        fetch: createFetch(false),
        apiUrl: fake.githubApiUrl,
        appId: APP_ID,
        privateKey: parseAppKey(privatePem, "app.pem"),
        installationId: "1",
        log: createLogger(),
      });
      await assert.rejects(wrongInstallation.token(), /no such installation/);
    } finally {
      await fake.close();
    }
  });

  test("at start: the key file is read and checked, the first token fetched, a key others can read is warned about", { timeout: 30_000 }, async () => {
    const fake = await startFakeUpstream({ githubApp: { appId: APP_ID, installationId: INSTALLATION, publicKeyPem: publicPem } });
    const dir = await mkdtemp(join(tmpdir(), "copilot-api-app-key-"));
    try {
      const keyFile = join(dir, "app.pem");
      await writeFile(keyFile, privatePem, { mode: 0o600 });
      const config = (file: string) => ({ githubApp: { appId: APP_ID, keyFile: file, installationId: INSTALLATION }, proxyEnv: false, githubApiUrl: fake.githubApiUrl }) as unknown as Config;
      const lines: string[] = [];
      const source = await githubAppTokens(config(keyFile), captureLogger(lines));
      assert.equal(fake.installationTokens.length, 1, "the first token is fetched before the server starts");
      assert.equal((await source.token()).token, fake.installationTokens[0]);
      assert.doesNotMatch(lines.join("\n"), /can be read by other users/);
      await chmod(keyFile, 0o644);
      await githubAppTokens(config(keyFile), captureLogger(lines));
      assert.match(lines.join("\n"), /app\.pem can be read by other users \(mode 644\): chmod 600 it/);
      assert.ok(!lines.join("\n").includes("PRIVATE KEY"));
      await assert.rejects(githubAppTokens(config(join(dir, "missing.pem")), captureLogger([])), /--github-app-key: cannot read .*missing\.pem: ENOENT/);
      await writeFile(join(dir, "bad.pem"), "not a key", { mode: 0o600 });
      await assert.rejects(githubAppTokens(config(join(dir, "bad.pem")), captureLogger([])), /bad\.pem is not a GitHub App private key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await fake.close();
    }
  });

  test("the fake refuses an expired JWT and one issued in the future", async () => {
    let clock = Date.now();
    const fake = await startFakeUpstream({ now: () => clock, githubApp: { appId: APP_ID, installationId: INSTALLATION, publicKeyPem: publicPem } });
    try {
      const key = parseAppKey(privatePem, "app.pem");
      const post = (jwt: string) => fetch(`${fake.githubApiUrl}${installationCalls}`, { method: "POST", headers: { authorization: `Bearer ${jwt}` } });
      const old = signAppJwt(APP_ID, key, clock - 20 * 60_000);
      assert.equal((await post(old)).status, 401);
      const future = signAppJwt(APP_ID, key, clock + 5 * 60_000);
      const res = await post(future);
      assert.equal(res.status, 401);
      assert.match(await res.text(), /Issued at/);
      const good = await post(signAppJwt(APP_ID, key, clock));
      assert.equal(good.status, 201);
      const body = (await good.json()) as { token: string; expires_at: string };
      assert.match(body.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    } finally {
      await fake.close();
    }
  });
});
