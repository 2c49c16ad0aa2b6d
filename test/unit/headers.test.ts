import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createCopilotHeaders, GITHUB_API_VERSION, githubHeaders } from "../../src/upstream/headers.js";
import { buildIdentity, DEFAULT_EDITOR_VERSION, DEFAULT_PLUGIN_VERSION, loadDeviceIds } from "../../src/upstream/identity.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const identity = buildIdentity({ deviceId: "device-0001", machineId: "machine-0001" }, {});
const headers = createCopilotHeaders(identity, "2026-08-01");

describe("createCopilotHeaders", () => {
  it("sends every documented header with one coherent client identity", () => {
    const h = headers("tok-123", { intent: "conversation-agent", initiator: "agent" });
    assert.equal(h.authorization, "Bearer tok-123");
    assert.equal(h["content-type"], "application/json");
    assert.equal(h["x-github-api-version"], "2026-08-01");
    assert.equal(h["copilot-integration-id"], "vscode-chat");
    assert.equal(h["editor-version"], `vscode/${DEFAULT_EDITOR_VERSION}`);
    assert.equal(h["editor-plugin-version"], `copilot-chat/${DEFAULT_PLUGIN_VERSION}`);
    assert.equal(h["user-agent"], `GitHubCopilotChat/${DEFAULT_PLUGIN_VERSION}`);
    // Plugin version and User-Agent come from the same release.
    assert.equal(h["editor-plugin-version"]!.split("/")[1], h["user-agent"]!.split("/")[1]);
    assert.equal(h["editor-device-id"], "device-0001");
    assert.equal(h["vscode-machineid"], "machine-0001");
    assert.ok(h["vscode-sessionid"] && h["vscode-sessionid"].length > 36);
    assert.equal(h["x-vscode-user-agent-library-version"], "node-fetch");
    assert.equal(h["openai-intent"], "conversation-agent");
    assert.equal(h["x-interaction-type"], "conversation-agent");
    assert.equal(h["x-initiator"], "agent");
    assert.match(h["x-request-id"]!, UUID);
  });

  it("X-Request-Id is fresh on every call and equals X-Agent-Task-Id", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const h = headers("t", { intent: "conversation-panel" });
      assert.equal(h["x-agent-task-id"], h["x-request-id"]);
      ids.add(h["x-request-id"]!);
    }
    assert.equal(ids.size, 20);
  });

  it("the session id is stable within a process (one identity)", () => {
    const a = headers("t", { intent: "conversation-panel" });
    const b = headers("t", { intent: "conversation-panel" });
    assert.equal(a["vscode-sessionid"], b["vscode-sessionid"]);
  });

  it("Copilot-Vision-Request only when vision is true", () => {
    assert.equal(headers("t", { intent: "conversation-panel", vision: true })["copilot-vision-request"], "true");
    assert.ok(!("copilot-vision-request" in headers("t", { intent: "conversation-panel", vision: false })));
    assert.ok(!("copilot-vision-request" in headers("t", { intent: "conversation-panel" })));
  });

  it("X-Initiator is always present; missing means user", () => {
    assert.equal(headers("t", { intent: "conversation-panel" })["x-initiator"], "user");
    assert.equal(headers("t", { intent: "model-access", initiator: "agent" })["x-initiator"], "agent");
    assert.equal(headers("t", { intent: "messages-proxy", initiator: "user" })["x-initiator"], "user");
  });

  it("X-Interaction-Type overrides, X-Interaction-Id only when given", () => {
    const h = headers("t", { intent: "messages-proxy", interactionType: "conversation-subagent", interactionId: "conv-42" });
    assert.equal(h["openai-intent"], "messages-proxy");
    assert.equal(h["x-interaction-type"], "conversation-subagent");
    assert.equal(h["x-interaction-id"], "conv-42");
    assert.ok(!("x-interaction-id" in headers("t", { intent: "messages-proxy" })));
  });

  it("keeps the integration id in bearer mode too, unless the session names its own (fine-grained PATs)", () => {
    assert.equal(headers("gho_x", { intent: "conversation-panel" })["copilot-integration-id"], "vscode-chat");
    assert.equal(headers("gho_x", { intent: "conversation-panel" }).authorization, "Bearer gho_x");
    assert.equal(headers("github_pat_x", { intent: "conversation-panel" }, "copilot-developer-cli")["copilot-integration-id"], "copilot-developer-cli");
  });

  it("header names are lower case, so a caller's extra header can't duplicate one", () => {
    for (const name of Object.keys(headers("t", { intent: "conversation-panel", vision: true, interactionId: "i" }))) {
      assert.equal(name, name.toLowerCase());
    }
  });
});

describe("githubHeaders", () => {
  it("uses `token` by default, `Bearer` when asked, and the GitHub API version", () => {
    const h = githubHeaders(identity, "ghu_abc");
    assert.equal(h.authorization, "token ghu_abc");
    assert.equal(h["x-github-api-version"], GITHUB_API_VERSION);
    assert.equal(GITHUB_API_VERSION, "2025-04-01");
    assert.equal(githubHeaders(identity, "gho_abc", "Bearer").authorization, "Bearer gho_abc");
    assert.equal(h["user-agent"], identity.userAgent);
    assert.equal(h["editor-version"], identity.editorVersion);
  });
});

describe("buildIdentity / loadDeviceIds", () => {
  it("editor and plugin versions can be overridden from the environment, coherently", () => {
    const id = buildIdentity({ deviceId: "d", machineId: "m" }, { COPILOT_API_EDITOR_VERSION: "1.200.0", COPILOT_API_PLUGIN_VERSION: "0.60.0" });
    assert.equal(id.editorVersion, "vscode/1.200.0");
    assert.equal(id.editorPluginVersion, "copilot-chat/0.60.0");
    assert.equal(id.userAgent, "GitHubCopilotChat/0.60.0");
  });

  it("device ids persist across loads, in a 0600 file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "copilot-api-ids-"));
    try {
      const file = join(dir, "sub", "device.json");
      const first = await loadDeviceIds(file);
      assert.match(first.deviceId, UUID);
      assert.match(first.machineId, /^[0-9a-f]{64}$/);
      assert.deepEqual(await loadDeviceIds(file), first);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(await readFile(file, "utf8")), first);
      await writeFile(file, "not json");
      const fresh = await loadDeviceIds(file);
      assert.notEqual(fresh.deviceId, first.deviceId);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
