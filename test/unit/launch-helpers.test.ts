import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { claudeCodeEnv, defaultMainModel, defaultSmallModel, launchCommand } from "../../src/cli/launch-helpers.js";
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
