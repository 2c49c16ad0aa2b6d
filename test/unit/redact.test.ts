import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createConsola } from "consola";
import { createLogger, redact, registeredSecretCount, registerSecret } from "../../src/log.js";

const GHU = "ghu_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const GHO = "gho_16C7e42F292c6912E7710c838347Ae178B4a";
const GHP = "ghp_R2d2C3poLukeLeiaHanSolo0123456789ab";
const GHS = "ghs_ServerToServerTokenValue000111222333";
const GHR = "ghr_RefreshTokenValueForGitHubApps0123456789";
const PAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV";
const COPILOT = "tid=9f8e7d6c5b4a39281706f5e4d3c2b1a0;exp=1790000000;sku=copilot_for_business_seat;proxy-ep=proxy.business.githubcopilot.com;8kp=1:0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const OPAQUE = "Xk9-opaque-registered-secret-value";
const ALL = [GHU, GHO, GHP, GHS, GHR, PAT, COPILOT, OPAQUE];

function captured() {
  const lines: string[] = [];
  const consola = createConsola({
    level: 3,
    reporters: [{ log: (o) => lines.push([o.message ?? "", ...(o.args ?? []).map((a: unknown) => (typeof a === "string" ? a : JSON.stringify(a)))].join(" ")) }],
  });
  return { log: createLogger(consola), lines };
}

function assertClean(lines: string[]) {
  const text = lines.join("\n");
  for (const secret of ALL) {
    assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 12)}… in:\n${text}`);
  }
  // No fragment long enough to be useful either.
  for (const secret of ALL) assert.ok(!text.includes(secret.slice(0, 20)), `leaked prefix of ${secret.slice(0, 12)}…`);
}

describe("redact", () => {
  it("GitHub token shapes", () => {
    for (const t of [GHU, GHO, GHP, GHS, GHR, PAT]) {
      const out = redact(`token file said ${t} ok`);
      assert.ok(!out.includes(t), out);
      assert.match(out, /\[redacted\]/);
      assert.match(out, /^token file said .* ok$/);
    }
  });

  it("Copilot session tokens (tid=…;exp=…)", () => {
    const out = redact(`got ${COPILOT}, expires soon`);
    assert.equal(out, "got [redacted], expires soon");
  });

  it("Authorization values: Bearer and token schemes, any case", () => {
    assert.equal(redact("authorization: Bearer abc.def-ghi_jkl"), "authorization: Bearer [redacted]");
    assert.equal(redact("Authorization: token 0123456789abcdef0123"), "Authorization: token [redacted]");
    assert.equal(redact("AUTHORIZATION: BEARER sk-live-1234567890"), "AUTHORIZATION: BEARER [redacted]");
    assert.equal(redact(JSON.stringify({ authorization: `Bearer ${COPILOT}` })), '{"authorization":"Bearer [redacted]"}');
  });

  it("registered secrets of any shape", () => {
    registerSecret(OPAQUE);
    assert.equal(redact(`x ${OPAQUE} y ${OPAQUE}`), "x [redacted] y [redacted]");
    registerSecret("short"); // too short to register: would redact ordinary words
    assert.equal(redact("a short word"), "a short word");
  });

  it("ordinary log sentences about tokens stay readable", () => {
    assert.equal(redact("Copilot token renewed; valid until 2026-11-01T12:30:00.000Z"), "Copilot token renewed; valid until 2026-11-01T12:30:00.000Z");
    assert.equal(redact("Token exchange not offered for this token; using it directly"), "Token exchange not offered for this token; using it directly");
    assert.equal(redact("GitHub token expired"), "GitHub token expired");
  });
});

describe("createLogger output never contains a token, at any level", () => {
  it("strings, objects, errors and boxes, verbose on", () => {
    registerSecret(OPAQUE);
    const { log, lines } = captured();
    log.setVerbose(true);
    for (const secret of ALL) {
      log.debug(`debug ${secret}`);
      log.info("info", secret);
      log.warn(`warn Authorization: Bearer ${secret}`);
      log.error(new Error(`failed with ${secret}`));
      log.success({ headers: { authorization: `token ${secret}` }, body: { access_token: secret } });
      log.box(`box ${secret}`);
    }
    assert.ok(lines.length >= ALL.length * 6, `captured ${lines.length} lines`);
    assert.ok(lines.some((l) => l.includes("[redacted]")));
    assertClean(lines);
  });

  it("the OAuth poll response (known-failures A4) is redacted", () => {
    const { log, lines } = captured();
    log.setVerbose(true);
    log.debug("poll response", { access_token: GHU, token_type: "bearer", scope: "read:user" });
    assert.equal(lines.length, 1);
    assertClean(lines);
    assert.match(lines[0]!, /read:user/);
  });

  it("debug lines are hidden unless verbose", () => {
    const { log, lines } = captured();
    log.debug("hidden");
    assert.deepEqual(lines, []);
    log.setVerbose(true);
    log.debug("shown");
    assert.equal(lines.length, 1);
  });

  it("log.secret is the one deliberate exception (--show-token)", () => {
    const { log, lines } = captured();
    log.secret("GitHub token", GHU);
    assert.ok(lines.join("\n").includes(GHU));
  });
});

describe("registered secrets stay bounded over a long uptime", () => {
  it("a rotating kind keeps only its newest values; pinned secrets stay", () => {
    const pinned = "Pinned-opaque-secret-kept-for-life";
    registerSecret(pinned);
    const before = registeredSecretCount();
    // A month of hourly renewals; opaque values, so only the registry (not a pattern) can redact them.
    const values = Array.from({ length: 720 }, (_, i) => `Rotating-opaque-session-value-${i.toString(36).padStart(4, "q")}`);
    for (const value of values) registerSecret(value, "test-rotating");
    const growth = registeredSecretCount() - before;
    assert.ok(growth > 0 && growth <= 4, `the list grew by ${growth}`);
    const newest = values.at(-1)!;
    assert.equal(redact(`sent ${newest} upstream`), "sent [redacted] upstream");
    assert.equal(redact(`just renewed from ${values.at(-2)!}`), "just renewed from [redacted]");
    assert.equal(redact(`pinned ${pinned}`), "pinned [redacted]");
    registerSecret(newest, "test-rotating"); // registering the same value again adds nothing
    assert.equal(registeredSecretCount() - before, growth);
  });
});
