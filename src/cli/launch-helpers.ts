import { spawnSync } from "node:child_process";
import type { CopilotModel } from "../upstream/model-catalog.js";
import { isUsable, supports } from "../upstream/model-catalog.js";
import { resolveModel } from "../bridge/resolve-model.js";

/**
 * The environment that points Claude Code at this server (real-clients.md 1, known-failures X2):
 * every model name Claude Code may use in the background is mapped, so no call goes to a model
 * Copilot doesn't serve, and nonessential traffic and the per-request billing header are off.
 */
export function claudeCodeEnv(baseUrl: string, model: string, smallModel: string, token = "copilot-api"): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_AUTH_TOKEN: token,
    ANTHROPIC_MODEL: model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: smallModel,
    ANTHROPIC_SMALL_FAST_MODEL: smallModel,
    CLAUDE_CODE_SUBAGENT_MODEL: model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_NON_ESSENTIAL_MODEL_CALLS: "1",
    CLAUDE_CODE_ATTRIBUTION_HEADER: "0",
    // /model then lists the Copilot Claude models from GET /v1/models (copilot-upstream.md 13.2).
    CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: "1",
  };
}

/**
 * The id to give Claude Code for a Copilot model: Claude Code's own dashed spelling
 * (`claude-sonnet-4.6` -> `claude-sonnet-4-6`, `claude-opus-4.6-1m` -> `claude-opus-4-6[1m]`), which
 * resolveModel maps back. Given Copilot's dotted id, Claude Code prefix-matches it against its
 * list of retired models and warns "Claude Sonnet 4 was retired" (real-clients.md 1.1). Non-Claude
 * models, and any spelling that would not resolve to the same model, keep Copilot's id.
 */
export function claudeCodeModelId(id: string, models: CopilotModel[]): string {
  if (!id.startsWith("claude-")) return id;
  const dashed = id.replace(/-1m$/, "[1m]").replace(/(\d)\.(?=\d)/g, "$1-");
  if (dashed === id) return id;
  try {
    return resolveModel(dashed, models).id === id ? dashed : id;
  } catch {
    return id;
  }
}

export type Shell = "posix" | "powershell" | "cmd";

export function detectShell(platform = process.platform, env = process.env): Shell {
  if (platform !== "win32") return "posix";
  return env.PSModulePath ? "powershell" : "cmd";
}

/** `KEY=value … claude`, quoted so that any value survives the shell. */
export function launchCommand(env: Record<string, string>, program: string, shell: Shell): string {
  const entries = Object.entries(env);
  switch (shell) {
    case "posix":
      return `${entries.map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`).join(" ")} ${program}`;
    case "powershell":
      return `${entries.map(([k, v]) => `$env:${k} = '${v.replace(/'/g, "''")}'`).join("; ")}; ${program}`;
    case "cmd":
      return `${entries.map(([k, v]) => `set "${k}=${v.replace(/"/g, "")}"`).join(" && ")} && ${program}`;
  }
}

/** Copies to the clipboard with whatever tool the system has; false when there is none. */
export function copyToClipboard(text: string): boolean {
  const candidates: [string, string[]][] =
    process.platform === "darwin"
      ? [["pbcopy", []]]
      : process.platform === "win32"
        ? [["clip", []]]
        : [["wl-copy", []], ["xclip", ["-selection", "clipboard"]], ["xsel", ["--clipboard", "--input"]]];
  for (const [cmd, args] of candidates) {
    try {
      const r = spawnSync(cmd, args, { input: text, stdio: ["pipe", "ignore", "ignore"], timeout: 2000 });
      if (r.status === 0) return true;
    } catch {
      // not installed: try the next one
    }
  }
  return false;
}

/** Models a client dialect can use, newest-looking first. */
export function chatModels(models: CopilotModel[]): CopilotModel[] {
  return models.filter((m) => isUsable(m) && (supports(m, "/chat/completions") || supports(m, "/v1/messages") || supports(m, "/responses")));
}

/** A sensible default: the newest Claude Sonnet, else Copilot's chat default, else the first chat model. */
export function defaultMainModel(models: CopilotModel[]): string | undefined {
  const chat = chatModels(models);
  const sonnet = chat.filter((m) => /^claude-sonnet-\d/.test(m.id)).sort((a, b) => b.id.localeCompare(a.id, undefined, { numeric: true }))[0];
  return sonnet?.id ?? chat.find((m) => m.is_chat_default)?.id ?? chat[0]?.id;
}

export function defaultSmallModel(models: CopilotModel[]): string | undefined {
  const chat = chatModels(models);
  const haiku = chat.filter((m) => /^claude-haiku-\d/.test(m.id)).sort((a, b) => b.id.localeCompare(a.id, undefined, { numeric: true }))[0];
  return haiku?.id ?? chat.find((m) => /mini/.test(m.id))?.id ?? defaultMainModel(models);
}

/**
 * Codex CLI's config for this server: a custom provider on the Responses wire (Codex has no other),
 * so it never tries the WebSocket transport or an outside host (real-clients.md 2.1). The
 * multi-agent namespace tools are off: Copilot has none. Web search is off too: it works only on
 * models Copilot serves on /responses, and rests on unverified facts (src/web-search/).
 */
export function codexConfig(baseUrl: string, model: string, envKey = "COPILOT_API_KEY"): string {
  return `model = "${model}"
model_provider = "copilot-api"
web_search = "disabled"

[agents]
enabled = false

[model_providers.copilot-api]
name = "copilot-api"
base_url = "${baseUrl}/v1"
env_key = "${envKey}"
wire_api = "responses"
`;
}

/**
 * The same settings as codexConfig(), as Codex's `-c key=value` overrides (TOML values), for a
 * one-line command that needs no edit of config.toml: what the demo prints.
 */
export function codexOverrides(baseUrl: string, model: string, envKey = "COPILOT_API_KEY"): string[] {
  return [
    `model=${JSON.stringify(model)}`,
    'model_provider="copilot-api"',
    'web_search="disabled"',
    "agents.enabled=false",
    `model_providers.copilot-api={ name = "copilot-api", base_url = ${JSON.stringify(`${baseUrl}/v1`)}, env_key = ${JSON.stringify(envKey)}, wire_api = "responses" }`,
  ];
}

/** A default for Codex: Copilot's newest responses-native GPT model, else any chat model. */
export function defaultCodexModel(models: CopilotModel[]): string | undefined {
  const native = chatModels(models)
    .filter((m) => supports(m, "/responses") && /^gpt-/.test(m.id))
    .sort((a, b) => b.id.localeCompare(a.id, undefined, { numeric: true }));
  return native[0]?.id ?? defaultMainModel(models);
}
