import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { claudeCodeEnv, claudeCodeModelId, codexConfig, codexOverrides, defaultMainModel, defaultSmallModel, launchCommand } from "../../src/cli/launch-helpers.js";
import { defaultModels } from "../fake-upstream/models.js";

test("the POSIX launch command survives a real shell, quotes included", () => {
  const env = claudeCodeEnv("http://127.0.0.1:4141", "claude-sonnet-4.6", "it's a \"model\" $HOME `x`");
  const command = launchCommand(env, "env", "posix");
  const r = spawnSync("/bin/sh", ["-c", command], { encoding: "utf8", env: { PATH: process.env.PATH } });
  assert.equal(r.status, 0, r.stderr);
  const seen = Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  for (const [k, v] of Object.entries(env)) assert.equal(seen[k], v, k);
});

test("the Claude Code environment maps every background model name and turns nonessential traffic off", () => {
  const env = claudeCodeEnv("http://h", "main", "small");
  assert.equal(env.ANTHROPIC_DEFAULT_HAIKU_MODEL, "small");
  assert.equal(env.ANTHROPIC_SMALL_FAST_MODEL, "small");
  assert.equal(env.ANTHROPIC_DEFAULT_OPUS_MODEL, "main");
  assert.equal(env.CLAUDE_CODE_SUBAGENT_MODEL, "main");
  assert.equal(env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, "1");
  assert.equal(env.CLAUDE_CODE_ATTRIBUTION_HEADER, "0");
  assert.equal(env.CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY, "1");
});

test("PowerShell quoting doubles single quotes", () => {
  assert.equal(launchCommand({ A: "it's" }, "claude", "powershell"), "$env:A = 'it''s'; claude");
});

test("defaults: newest Sonnet as the main model, newest Haiku as the small one", () => {
  const models = defaultModels() as never;
  assert.equal(defaultMainModel(models), "claude-sonnet-4.6");
  assert.equal(defaultSmallModel(models), "claude-haiku-4.5");
});

test("Claude Code gets its own dashed ids, and only ones that resolve back to the same Copilot model", () => {
  const models = defaultModels() as never;
  assert.equal(claudeCodeModelId("claude-sonnet-4.6", models), "claude-sonnet-4-6");
  assert.equal(claudeCodeModelId("claude-haiku-4.5", models), "claude-haiku-4-5");
  assert.equal(claudeCodeModelId("claude-opus-4.6-1m", models), "claude-opus-4-6[1m]");
  assert.equal(claudeCodeModelId("gpt-5.4", models), "gpt-5.4");
  // Not in the catalog: nothing to resolve back to, so Copilot's spelling stays.
  assert.equal(claudeCodeModelId("claude-sonnet-9.9", models), "claude-sonnet-9.9");
});

test("the Codex -c overrides say what the config.toml block says", () => {
  const block = codexConfig("http://127.0.0.1:4141", "gpt-5.4");
  const overrides = codexOverrides("http://127.0.0.1:4141", "gpt-5.4");
  for (const setting of ['model = "gpt-5.4"', 'model_provider = "copilot-api"', 'web_search = "disabled"', 'base_url = "http://127.0.0.1:4141/v1"', 'env_key = "COPILOT_API_KEY"', 'wire_api = "responses"']) {
    assert.ok(block.includes(setting), setting);
    assert.ok(overrides.some((o) => o.replace("=", " = ").includes(setting) || o.includes(setting)), setting);
  }
  assert.ok(overrides.includes("agents.enabled=false"));
});
