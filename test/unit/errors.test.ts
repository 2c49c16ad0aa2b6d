import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError, badRequest, fromUpstream, kindForStatus, MAX_ERROR_MESSAGE_CHARS, notFound, toApiError } from "../../src/errors.js";
import { Recorder } from "../../src/observability/recorder.js";
import { clip, ECHO_CHARS, quote } from "../../src/text.js";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("fromUpstream", () => {
  it('unwraps {"error":{message,code,type,param}}', () => {
    const e = fromUpstream(400, h(), JSON.stringify({ error: { message: "The requested model is not supported.", code: "model_not_supported", param: "model", type: "invalid_request_error" } }));
    assert.equal(e.message, "The requested model is not supported.");
    assert.equal(e.code, "model_not_supported");
    assert.equal(e.param, "model");
    assert.equal(e.kind, "invalid_request");
    assert.equal(e.status, 400);
    assert.equal(e.upstream, true);
  });

  it("reads the same fields bare", () => {
    const e = fromUpstream(400, h(), JSON.stringify({ message: "model \"gpt-5.3-codex\" is not accessible via the /chat/completions endpoint", code: "unsupported_api_for_model" }));
    assert.equal(e.code, "unsupported_api_for_model");
    assert.match(e.message, /not accessible via the \/chat\/completions endpoint/);
  });

  it("reads GitHub's {message, documentation_url}", () => {
    const e = fromUpstream(403, h(), JSON.stringify({ message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest", status: "403" }));
    assert.equal(e.message, "Resource not accessible by integration");
    assert.equal(e.kind, "permission");
  });

  it("reads Anthropic's {type:error, error:{type, message}}", () => {
    const e = fromUpstream(400, h(), JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "messages: field required" } }));
    assert.equal(e.message, "messages: field required");
    assert.equal(e.code, "invalid_request_error");
  });

  it("keeps a plain-text body verbatim (trimmed)", () => {
    const e = fromUpstream(404, h({ "content-type": "text/plain" }), "404 page not found\n");
    assert.equal(e.message, "404 page not found");
    assert.equal(e.kind, "not_found");
  });

  it("an empty body gets a message naming the status", () => {
    assert.equal(fromUpstream(502, h(), "").message, "Upstream answered HTTP 502");
  });

  it("never double-encodes: the message is never the JSON text itself", () => {
    const bodies = [
      { error: { message: "inner" } },
      { message: "bare" },
      { error: "a plain string error" },
      { error: "invalid_grant", error_description: "The code has expired." },
    ];
    for (const body of bodies) {
      const e = fromUpstream(400, h(), JSON.stringify(body));
      assert.ok(!e.message.trimStart().startsWith("{"), `double-encoded: ${e.message}`);
      assert.ok(!e.message.includes('\\"'), `escaped quotes: ${e.message}`);
    }
    assert.equal(fromUpstream(400, h(), JSON.stringify({ error: "a plain string error" })).message, "a plain string error");
    const oauth = fromUpstream(400, h(), JSON.stringify({ error: "invalid_grant", error_description: "The code has expired." }));
    assert.equal(oauth.message, "The code has expired.");
    assert.equal(oauth.code, "invalid_grant");
  });

  it("a JSON body that is not an object doesn't crash", () => {
    assert.equal(fromUpstream(500, h(), "null").message, "null");
    assert.equal(fromUpstream(500, h(), '"quoted"').message, '"quoted"');
    assert.equal(fromUpstream(500, h(), "[1,2]").status, 500);
  });

  it("keeps retry-after and x-github-request-id", () => {
    const e = fromUpstream(429, h({ "retry-after": "30", "x-github-request-id": "F00D:BEEF" }), JSON.stringify({ error: { message: "rate limited", code: "rate_limited" } }));
    assert.equal(e.retryAfter, "30");
    assert.equal(e.requestId, "F00D:BEEF");
    assert.equal(e.kind, "rate_limit");
    const noHeader = fromUpstream(429, h(), "{}");
    assert.equal(noHeader.retryAfter, undefined);
  });

  it("classifies 'prompt token count of N exceeds the limit of M' as context_window", () => {
    const byMessage = fromUpstream(400, h(), JSON.stringify({ error: { message: "prompt token count of 74490 exceeds the limit of 72000" } }));
    assert.equal(byMessage.kind, "context_window");
    assert.equal(byMessage.status, 400);
    const byCode = fromUpstream(400, h(), JSON.stringify({ error: { message: "too long", code: "model_max_prompt_tokens_exceeded" } }));
    assert.equal(byCode.kind, "context_window");
    assert.equal(fromUpstream(400, h(), JSON.stringify({ error: { message: "other" } })).kind, "invalid_request");
  });

  it("466 names X-GitHub-Api-Version and the configured value", () => {
    const e = fromUpstream(
      466,
      h(),
      JSON.stringify({ error: { message: "bad request: the specified API version is no longer supported. You may need to update your client to a newer version.\n", type: "error" } }),
      "2025-04-01",
    );
    assert.equal(e.kind, "api_version");
    assert.match(e.message, /X-GitHub-Api-Version is 2025-04-01/);
    assert.match(e.message, /COPILOT_API_VERSION/);
    assert.match(e.message, /no longer supported/);
    assert.equal(e.code, "api_version_unsupported");
  });

  it("kindForStatus covers the documented statuses", () => {
    const table: [number, string][] = [
      [400, "invalid_request"], [401, "authentication"], [402, "quota"], [403, "permission"], [404, "not_found"],
      [413, "payload_too_large"], [422, "invalid_request"], [429, "rate_limit"], [466, "api_version"], [499, "cancelled"],
      [500, "upstream"], [502, "upstream"], [503, "overloaded"], [504, "timeout"], [529, "overloaded"],
    ];
    for (const [status, kind] of table) assert.equal(kindForStatus(status), kind, String(status));
  });
});

describe("toApiError", () => {
  it("passes an ApiError through unchanged", () => {
    const e = badRequest("nope", "model");
    assert.equal(toApiError(e), e);
    assert.equal(e.param, "model");
    assert.equal(notFound("gone").status, 404);
  });

  it("network codes (on the error or its cause, as undici does) become a 502 network error", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]) {
      const viaCause = toApiError(Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("x"), { code }) }));
      assert.equal(viaCause.kind, "network", code);
      assert.equal(viaCause.status, 502);
      assert.match(viaCause.message, new RegExp(code));
      const direct = toApiError(Object.assign(new Error("x"), { code }));
      assert.equal(direct.kind, "network", code);
    }
  });

  it("an AbortError becomes a 499 cancellation", () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    const e = toApiError(abort);
    assert.equal(e.status, 499);
    assert.equal(e.kind, "cancelled");
  });

  it("anything else is an internal 500 that keeps the message", () => {
    const e = toApiError(new Error("kaboom"));
    assert.equal(e.status, 500);
    assert.equal(e.message, "Internal error: kaboom");
    assert.equal(toApiError("weird").message, "Internal error");
    assert.ok(toApiError(undefined) instanceof ApiError);
  });

  it("the server's abort reason when a client leaves is a cancellation, not a 500", () => {
    const e = toApiError("Client connection prematurely closed.");
    assert.equal(e.status, 499);
    assert.equal(e.kind, "cancelled");
  });
});

describe("echoed values are bounded", () => {
  it("quote() cuts a client's value to 200 characters; ApiError bounds message, code and param", () => {
    const big = "x".repeat(5_000_000);
    assert.equal(quote(big), JSON.stringify(`${"x".repeat(ECHO_CHARS)}…`));
    assert.equal(quote({ toString: [] }), JSON.stringify('{"toString":[]}'));
    assert.equal(clip("short"), "short");
    const e = fromUpstream(400, h(), JSON.stringify({ error: { message: `bad type ${big}`, code: big, param: big } }));
    assert.equal(e.message.length, MAX_ERROR_MESSAGE_CHARS + 1);
    assert.ok(e.message.endsWith("…"));
    assert.equal(e.code!.length, ECHO_CHARS + 1);
    assert.equal(e.param!.length, ECHO_CHARS + 1);
  });

  it("the recorder keeps a path, model and error cut short", () => {
    const recorder = new Recorder(5);
    const seen: string[] = [];
    recorder.subscribe((r) => seen.push(r.error ?? ""));
    const big = "y".repeat(1_000_000);
    recorder.record({ id: 1, time: 0, method: "POST", path: `/${big}`, api: "other", model: big, status: 400, durationMs: 1, ttfbMs: 1, error: big });
    const [kept] = recorder.recent();
    assert.ok(kept!.path.length <= ECHO_CHARS + 1 && kept!.model!.length <= ECHO_CHARS + 1 && kept!.error!.length <= 1_001);
    assert.equal(seen[0], kept!.error, "listeners (the log file, dashboards) get the same record");
  });
});
