import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { closestName } from "../../src/closest-name.js";
import { ConfigError, SETTING_CHECKS } from "../../src/config-checks.js";
import { parseConfigFile, resolveConfig } from "../../src/config.js";

const file = (settings: object) => () => parseConfigFile(JSON.stringify(settings), "copilot-api.json");

describe("setting checks", () => {
  test("flags: empty or out-of-range values are refused naming the flag, as a ConfigError (exit 2)", () => {
    const cases: [object, RegExp][] = [
      [{ apiKeys: [""] }, /^--api-key: must not be empty/],
      [{ apiKeys: ["  "] }, /^--api-key: must not be empty/],
      [{ host: "" }, /^--host: must not be empty/],
      [{ port: "99999" }, /^--port: Invalid port/],
      [{ rateLimitSeconds: "-1" }, /^--rate-limit: /],
      [{ logFile: "" }, /^--log-file: must not be empty/],
      [{ corsOrigins: [""] }, /^--cors-origin: must not be empty/],
      [{ modelAliases: { fast: "" } }, /^--alias: needs name=model pairs/],
    ];
    for (const [flags, pattern] of cases) {
      assert.throws(() => resolveConfig(flags, {}), (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && pattern.test(e.message), JSON.stringify(flags));
    }
  });

  test("config file: the key and the file are named; good values pass", () => {
    assert.throws(file({ bodyLimit: -1 }), /copilot-api\.json: "bodyLimit" must be a whole number of bytes from 1/);
    assert.throws(file({ bodyLimit: 1.5 }), /"bodyLimit" must be a whole number/);
    assert.throws(file({ upstreamIdleTimeoutMs: -5 }), /"upstreamIdleTimeoutMs" must be a whole number of milliseconds \(0: never\)/);
    assert.throws(file({ upstreamIdleTimeoutMs: 2 ** 31 }), /"upstreamIdleTimeoutMs"/);
    assert.throws(file({ responseStoreTtlSeconds: 0 }), /"responseStoreTtlSeconds" must be a whole number of seconds from 1/);
    assert.throws(file({ responseStoreMaxBytes: -1 }), /"responseStoreMaxBytes" must be a whole number of bytes \(0: keep none\)/);
    assert.throws(file({ imageFetchTimeoutMs: 0 }), /"imageFetchTimeoutMs" Invalid image fetch timeout/);
    assert.throws(file({ apiKeys: ["a key"] }), /"apiKeys" must not contain spaces/);
    assert.throws(file({ accountType: "team" }), /"accountType" Invalid account type/);
    assert.throws(file({ prot: 1 }), (e: unknown) => e instanceof ConfigError && /unknown setting "prot" \(did you mean "port"\?\)/.test(e.message));
    const ok = file({ bodyLimit: 1024, upstreamIdleTimeoutMs: 0, host: "::", apiKeys: ["k-1"], port: 0 })();
    assert.equal(ok.bodyLimit, 1024);
    assert.equal(resolveConfig({}, {}, ok).upstreamIdleTimeoutMs, 0);
  });

  test("an API key may come as an object with a key (entries that carry a name or a budget)", () => {
    assert.doesNotThrow(() => SETTING_CHECKS.apiKeys!.check([{ key: "k-1", name: "ci" }]) ?? undefined);
    assert.equal(SETTING_CHECKS.apiKeys!.check([{ key: "k-1" }]), undefined);
    assert.match(SETTING_CHECKS.apiKeys!.check([{ key: "" }]) ?? "", /must not be empty/);
  });

  test("closestName suggests near names only", () => {
    assert.equal(closestName("prot", ["port", "host"]), "port");
    assert.equal(closestName("apikey", ["api-key", "alias"]), "api-key");
    assert.equal(closestName("corsorigin", ["cors-origin"]), "cors-origin");
    assert.equal(closestName("strat", ["start", "auth", "check-usage", "debug"]), "start");
    assert.equal(closestName("zzzzzz", ["port", "host"]), undefined);
  });
});
