import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ApiError } from "../../src/errors.js";
import { explainNetworkError } from "../../src/upstream/explain-network-error.js";

/** fetch's own shape: TypeError("fetch failed") with the system error as its cause. */
const failed = (cause: object) => new TypeError("fetch failed", { cause });

describe("explainNetworkError", () => {
  test("names the host, the cause in words, and --proxy-env", () => {
    const cases: [unknown, RegExp][] = [
      [failed({ code: "ENOTFOUND" }), /the name does not resolve \(DNS, ENOTFOUND\)/],
      [failed({ code: "EAI_AGAIN" }), /DNS, EAI_AGAIN/],
      [failed({ code: "ECONNREFUSED" }), /the connection was refused/],
      [failed({ code: "UND_ERR_CONNECT_TIMEOUT" }), /the connection timed out/],
      [failed({ code: "ENETUNREACH" }), /the network is unreachable/],
      [failed({ code: "SELF_SIGNED_CERT_IN_CHAIN" }), /TLS certificate was not accepted .*NODE_EXTRA_CA_CERTS/],
      [failed({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }), /TLS certificate/],
      // Happy eyeballs: an AggregateError whose first error carries the code.
      [failed(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })])), /refused/],
      [new DOMException("timed out", "TimeoutError"), /no answer in time/],
    ];
    for (const [error, pattern] of cases) {
      const e = explainNetworkError(error, "https://api.github.com/copilot_internal/v2/token", "GitHub");
      assert.ok(e instanceof ApiError, String(pattern));
      assert.equal(e.kind, "network");
      assert.match(e.message, /^Cannot reach GitHub at api\.github\.com: /);
      assert.match(e.message, pattern);
      assert.match(e.message, /--proxy-env/);
    }
  });

  test("leaves aborts, API errors and other errors alone", () => {
    assert.equal(explainNetworkError(new DOMException("x", "AbortError"), "https://x", "GitHub"), undefined);
    assert.equal(explainNetworkError(new ApiError({ kind: "upstream", status: 500, message: "m" }), "https://x", "GitHub"), undefined);
    assert.equal(explainNetworkError(new Error("something else"), "https://x", "GitHub"), undefined);
  });
});
