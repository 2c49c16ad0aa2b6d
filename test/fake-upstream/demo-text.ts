import {
  claudeCodeEnv,
  claudeCodeModelId,
  codexOverrides,
  defaultCodexModel,
  defaultMainModel,
  defaultSmallModel,
  launchCommand,
} from "../../src/cli/launch-helpers.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * What `npm run demo` prints: commands that work as they are, pasted into another terminal, for
 * Claude Code, Codex CLI and an SDK, the dashboard's address and how to move to another port. The
 * same launch helpers as `start --claude-code` / `--codex` build them, so the demo shows what the
 * real server prints. (POSIX shell syntax: the demo is for trying things out.)
 */
export function demoText(url: string, models: CopilotModel[]): string {
  const main = claudeCodeModelId(defaultMainModel(models) ?? "claude-sonnet-4.6", models);
  const small = claudeCodeModelId(defaultSmallModel(models) ?? main, models);
  const claude = launchCommand(claudeCodeEnv(url, main, small), "claude", "posix");
  const codexModel = defaultCodexModel(models) ?? "gpt-5.4";
  const codex = `COPILOT_API_KEY=demo codex ${codexOverrides(url, codexModel).map((o) => `-c ${quote(o)}`).join(" ")}`;
  const chatModel = models.some((m) => m.id === "gpt-4.1") ? "gpt-4.1" : (defaultMainModel(models) ?? "gpt-4.1");
  const sdk =
    `OPENAI_BASE_URL=${quote(`${url}/v1`)} OPENAI_API_KEY=demo node -e ` +
    quote(
      `new (require("openai").OpenAI)().chat.completions.create({ model: "${chatModel}", messages: [{ role: "user", content: "hi" }] })` +
        ".then((r) => console.log(r.choices[0].message.content))",
    );
  const curl = `curl -s ${url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"${chatModel}","messages":[{"role":"user","content":"hi"}]}'`;
  return [
    "",
    "copilot-api DEMO: every answer is canned by a local fake Copilot.",
    "No GitHub account is used and nothing leaves this machine.",
    "",
    `Dashboard:          ${url}/`,
    `OpenAI base URL:    ${url}/v1`,
    `Anthropic base URL: ${url}`,
    "",
    "Claude Code (in another terminal; the ids are Claude Code's own, which the server maps):",
    "",
    claude,
    "",
    "Codex CLI (or put the same settings in ~/.codex/config.toml, as `start --codex` prints):",
    "",
    codex,
    "",
    "An SDK (from this repository, where the openai package is installed; every OpenAI SDK reads these two variables):",
    "",
    sdk,
    "",
    "or curl:",
    "",
    curl,
    "",
    'Try: "run echo hi" (a tool call), "[[think]]" (reasoning), "[[chunks:20]]" (a long stream).',
    "Another port: npm run demo -- --port 4242 (or PORT=4242 npm run demo). --quiet: no line per request.",
    "",
    "",
  ].join("\n");
}
