import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_API_VERSION, DEFAULT_PORT, fallbackCopilotBase, parseAccountType, parseConfigFile, parsePort, resolveConfig } from "../../src/config.js";

describe("parsePort", () => {
  it("defaults to 4141", () => {
    assert.equal(DEFAULT_PORT, 4141);
    assert.equal(parsePort(undefined), 4141);
    assert.equal(parsePort(""), 4141);
    assert.equal(parsePort("  "), 4141, "a blank PORT is unset, not port 0");
  });
  it("accepts whole numbers 0..65535 as numbers or strings", () => {
    assert.equal(parsePort("8080"), 8080);
    assert.equal(parsePort(" 8080 "), 8080);
    assert.equal(parsePort(0), 0);
    assert.equal(parsePort(65535), 65535);
  });
  it("refuses NaN, fractions, negatives, too large and junk", () => {
    for (const bad of ["abc", Number.NaN, "4141abc", 3.5, -1, 65536, "NaN", "0x10", "1e3", "-1", "80.5"]) {
      assert.throws(() => parsePort(bad as number | string), /Invalid port/, String(bad));
    }
  });
});

describe("parseAccountType", () => {
  it("accepts the three plans, case-insensitively; defaults to individual", () => {
    assert.equal(parseAccountType(undefined), "individual");
    assert.equal(parseAccountType("business"), "business");
    assert.equal(parseAccountType("Enterprise"), "enterprise");
  });
  it("refuses anything else (it must never be interpolated into a host name, A6)", () => {
    for (const bad of ["evil.com/", "individual.attacker", "pro", ""]) assert.throws(() => parseAccountType(bad), /Invalid account type/, bad);
  });
});

describe("resolveConfig", () => {
  it("defaults: 127.0.0.1 (case 38), port 4141, github.com, newest API version", () => {
    const c = resolveConfig({}, {});
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.port, 4141);
    assert.equal(c.githubUrl, "https://github.com");
    assert.equal(c.githubApiUrl, "https://api.github.com");
    assert.equal(c.apiVersion, DEFAULT_API_VERSION);
    assert.equal(c.apiVersion, "2026-08-01");
    assert.equal(c.accountType, "individual");
    assert.equal(c.enterpriseUrl, undefined);
    assert.equal(c.githubToken, undefined);
    assert.equal(c.dataDir, join(homedir(), ".local", "share", "copilot-api"));
  });

  it("PORT from the environment, the flag wins; a bad PORT is refused", () => {
    assert.equal(resolveConfig({}, { PORT: "5000" }).port, 5000);
    assert.equal(resolveConfig({ port: "6000" }, { PORT: "5000" }).port, 6000);
    assert.throws(() => resolveConfig({}, { PORT: "x" }), /Invalid port/);
  });

  it("validates the account type", () => {
    assert.equal(resolveConfig({ accountType: "business" }, {}).accountType, "business");
    assert.throws(() => resolveConfig({ accountType: "nope" }, {}), /Invalid account type/);
  });

  it("an enterprise URL moves every GitHub host to the tenant (A7, case 30)", () => {
    for (const url of ["https://acme.ghe.com", "acme.ghe.com", "https://acme.ghe.com/", "http://acme.ghe.com//"]) {
      const c = resolveConfig({ enterpriseUrl: url }, {});
      assert.equal(c.enterpriseUrl, "acme.ghe.com", url);
      assert.equal(c.githubUrl, "https://acme.ghe.com", url);
      assert.equal(c.githubApiUrl, "https://api.acme.ghe.com", url);
    }
    assert.equal(resolveConfig({}, { COPILOT_API_ENTERPRISE_URL: "acme.ghe.com" }).githubApiUrl, "https://api.acme.ghe.com");
  });

  it("COPILOT_API_GITHUB_URL / COPILOT_API_GITHUB_API_URL override both (trailing slash trimmed)", () => {
    const c = resolveConfig({ enterpriseUrl: "acme.ghe.com" }, { COPILOT_API_GITHUB_URL: "http://127.0.0.1:9999/", COPILOT_API_GITHUB_API_URL: "http://127.0.0.1:9998/api/" });
    assert.equal(c.githubUrl, "http://127.0.0.1:9999");
    assert.equal(c.githubApiUrl, "http://127.0.0.1:9998/api");
  });

  it("host, API version, token and data dir come from flags / environment", () => {
    const c = resolveConfig(
      { host: "0.0.0.0", githubToken: "  ghu_fromflag\n" },
      { COPILOT_API_VERSION: " 2026-06-01 ", COPILOT_API_HOME: "/tmp/copilot-home", GH_TOKEN: "ghu_fromenv" },
    );
    assert.equal(c.host, "0.0.0.0");
    assert.equal(c.apiVersion, "2026-06-01");
    assert.equal(c.githubToken, "ghu_fromflag", "trimmed; a trailing newline breaks auth (S3)");
    assert.equal(c.dataDir, "/tmp/copilot-home");
    assert.equal(resolveConfig({}, { GH_TOKEN: "ghu_fromenv" }).githubToken, "ghu_fromenv");
    assert.equal(resolveConfig({}, { GH_TOKEN: "   " }).githubToken, undefined);
    assert.equal(resolveConfig({}, { COPILOT_API_VERSION: "" }).apiVersion, DEFAULT_API_VERSION);
  });
});

describe("COPILOT_API_KEYS", () => {
  it("a value with no key in it is refused, naming the variable: it would start a server open to anyone", () => {
    for (const value of [",", " , ", ",,,"]) {
      assert.throws(() => resolveConfig({}, { COPILOT_API_KEYS: value }), /COPILOT_API_KEYS \(environment\).*no key/, JSON.stringify(value));
    }
    assert.deepEqual(resolveConfig({}, { COPILOT_API_KEYS: "a,,b " }).apiKeys, ["a", "b"]);
    assert.deepEqual(resolveConfig({}, { COPILOT_API_KEYS: "" }).apiKeys, []);
  });
});

describe("fallbackCopilotBase", () => {
  it("only a fallback: per plan, or the tenant's copilot-api host", () => {
    assert.equal(fallbackCopilotBase({ accountType: "individual" }), "https://api.githubcopilot.com");
    assert.equal(fallbackCopilotBase({ accountType: "business" }), "https://api.business.githubcopilot.com");
    assert.equal(fallbackCopilotBase({ accountType: "enterprise" }), "https://api.enterprise.githubcopilot.com");
    assert.equal(fallbackCopilotBase({ accountType: "individual", enterpriseUrl: "acme.ghe.com" }), "https://copilot-api.acme.ghe.com");
  });
});

describe("image URL, head timeout and connection settings", () => {
  it("defaults, environment, file and flags", () => {
    const d = resolveConfig({}, {});
    assert.deepEqual([d.imageUrls, d.imageUrlsAllowPrivate, d.headersTimeoutMs, d.maxConnections], [true, false, 30_000, 1_000]);
    const e = resolveConfig({}, { COPILOT_API_IMAGE_URLS: "off", COPILOT_API_IMAGE_URLS_ALLOW_PRIVATE: "1", COPILOT_API_HEADERS_TIMEOUT_MS: "5000", COPILOT_API_MAX_CONNECTIONS: "50" });
    assert.deepEqual([e.imageUrls, e.imageUrlsAllowPrivate, e.headersTimeoutMs, e.maxConnections], [false, true, 5_000, 50]);
    const f = resolveConfig({ imageUrls: true }, { COPILOT_API_IMAGE_URLS: "0" }, parseConfigFile('{"maxConnections": 7, "imageUrlsAllowPrivate": true}', "f.json"));
    assert.deepEqual([f.imageUrls, f.imageUrlsAllowPrivate, f.maxConnections], [true, true, 7]);
  });

  it("refuses what is out of range, naming the key or variable", () => {
    assert.throws(() => resolveConfig({}, { COPILOT_API_IMAGE_URLS: "maybe" }), /COPILOT_API_IMAGE_URLS/);
    assert.throws(() => resolveConfig({}, { COPILOT_API_MAX_CONNECTIONS: "-1" }), /COPILOT_API_MAX_CONNECTIONS/);
    assert.throws(() => parseConfigFile('{"headersTimeoutMs": 0}', "f.json"), /"headersTimeoutMs"/);
    assert.throws(() => parseConfigFile('{"maxConnections": 1.5}', "f.json"), /"maxConnections"/);
    assert.throws(() => parseConfigFile('{"imageUrls": "no"}', "f.json"), /"imageUrls" must be a boolean/);
  });
});

describe("GitHub App settings", () => {
  it("all three or none; ids are numbers", () => {
    assert.equal(resolveConfig({}, {}).githubApp, undefined);
    assert.deepEqual(resolveConfig({ githubAppId: "12", githubAppKey: "app.pem", githubAppInstallation: 34 }, {}).githubApp, {
      appId: "12",
      keyFile: "app.pem",
      installationId: "34",
    });
    assert.throws(() => resolveConfig({ githubAppId: "12" }, {}), /go together/);
    assert.throws(() => resolveConfig({ githubAppId: "x12", githubAppKey: "k", githubAppInstallation: 1 }, {}), /--github-app-id: must be a number/);
  });
});

describe("shared store settings", () => {
  it("--redis-url and --database-url take their schemes only; the environment fills in", () => {
    assert.equal(resolveConfig({}, {}).redisUrl, undefined);
    assert.equal(resolveConfig({}, { COPILOT_API_REDIS_URL: "redis://r:6379" }).redisUrl, "redis://r:6379");
    assert.equal(resolveConfig({ databaseUrl: "postgres://u@db/x" }, {}).databaseUrl, "postgres://u@db/x");
    assert.throws(() => resolveConfig({ redisUrl: "http://r:6379" }, {}), /--redis-url: must start with redis:\/\/ or rediss:\/\//);
    assert.throws(() => resolveConfig({ databaseUrl: "mysql://u:secret@db/x" }, {}), /--database-url: must start with postgres:\/\//);
    const bad = (() => {
      try {
        resolveConfig({ databaseUrl: "not a url with :secret@" }, {});
      } catch (error) {
        return (error as Error).message;
      }
    })();
    assert.match(bad ?? "", /--database-url: must be a URL/);
  });
});
