import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import { planUpstream } from "../../src/bridge/plan.js";
import { type CopilotModel, isUsable, modelType, supportedEndpoints, supports } from "../../src/upstream/model-catalog.js";

const gpt41: CopilotModel = { id: "gpt-4.1", capabilities: { type: "chat" } };
const codex: CopilotModel = { id: "gpt-5.3-codex", capabilities: { type: "chat" }, supported_endpoints: ["/responses", "ws:/responses"] };
const claude: CopilotModel = { id: "claude-sonnet-4.5", capabilities: { type: "chat" }, supported_endpoints: ["/v1/messages", "/chat/completions"] };
const embed: CopilotModel = { id: "text-embedding-3-small", capabilities: { type: "embeddings" } };
const completion: CopilotModel = { id: "gpt-4o-copilot", capabilities: { type: "completion" } };

function refused(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e;
  }
  assert.fail("expected a refusal");
}

describe("planUpstream (case 50)", () => {
  it("supported_endpoints absent -> /chat/completions for every client API", () => {
    assert.equal(planUpstream(gpt41, "chat"), "/chat/completions");
    assert.equal(planUpstream(gpt41, "messages"), "/chat/completions");
    assert.equal(planUpstream(gpt41, "responses"), "/chat/completions");
    assert.equal(planUpstream({ ...gpt41, supported_endpoints: [] }, "chat"), "/chat/completions");
  });

  it("the client's own dialect comes first when listed", () => {
    assert.equal(planUpstream(claude, "messages"), "/v1/messages");
    assert.equal(planUpstream(claude, "chat"), "/chat/completions");
    assert.equal(planUpstream(codex, "responses"), "/responses");
    assert.equal(planUpstream(codex, "chat"), "/responses");
    assert.equal(planUpstream(codex, "messages"), "/responses");
  });

  it("only reachable endpoints are chosen", () => {
    assert.equal(planUpstream(claude, "messages", ["/chat/completions"]), "/chat/completions");
  });

  it("a responses-only model from chat with only /chat/completions reachable -> 400 naming /responses (case 10)", () => {
    const e = refused(() => planUpstream(codex, "chat", ["/chat/completions"]));
    assert.equal(e.status, 400);
    assert.equal(e.code, "unsupported_api_for_model");
    assert.equal(e.param, "model");
    assert.match(e.message, /gpt-5\.3-codex/);
    assert.match(e.message, /\/responses/);
    assert.match(e.message, /\/v1\/chat\/completions/);
  });

  it("non-chat models are refused for every chat API, with a message saying what they are", () => {
    for (const model of [embed, completion]) {
      for (const client of ["chat", "messages", "responses"] as const) {
        const e = refused(() => planUpstream(model, client));
        assert.equal(e.status, 400);
        assert.ok(e.message.includes(model.id));
        assert.ok(e.message.includes(String(model.capabilities?.type)), e.message);
        assert.ok(!/served by Copilot only on \/chat\/completions/.test(e.message), `misleading: ${e.message}`);
      }
    }
  });
});

describe("model-catalog helpers", () => {
  it("supportedEndpoints defaults, modelType defaults, isUsable", () => {
    assert.deepEqual(supportedEndpoints(gpt41), ["/chat/completions"]);
    assert.deepEqual(supportedEndpoints(codex), ["/responses", "ws:/responses"]);
    assert.equal(modelType({ id: "x" }), "chat");
    assert.equal(isUsable({ id: "x", policy: { state: "disabled" } }), false);
    for (const state of ["enabled", "unconfigured", "pending", "requires_consent"]) assert.equal(isUsable({ id: "x", policy: { state } }), true);
    assert.equal(isUsable({ id: "x", model_picker_enabled: false }), true, "never filter on model_picker_enabled");
  });

  it("supports(): embeddings only for embedding models; chat endpoints only for chat models", () => {
    assert.equal(supports(embed, "/embeddings"), true);
    assert.equal(supports(gpt41, "/embeddings"), false);
    assert.equal(supports(embed, "/chat/completions"), false);
    assert.equal(supports(completion, "/chat/completions"), false);
    assert.equal(supports(codex, "/chat/completions"), false);
    assert.equal(supports(claude, "/v1/messages"), true);
  });
});
