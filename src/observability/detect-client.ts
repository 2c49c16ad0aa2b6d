/** Which client sent a request, as the ledger and the dashboard name it. */
export type ClientName =
  | "claude-code"
  | "codex"
  | "opencode"
  | "ai-sdk"
  | "openai-sdk"
  | "anthropic-sdk"
  | "gemini-cli"
  | "langchain"
  | "curl"
  | "other";

/**
 * Told from the User-Agent (real-clients.md): Claude Code sends `claude-cli/<v>` (and `x-app: cli`),
 * Codex `codex_exec/<v>` or `codex_cli_rs/<v>`, Gemini CLI `GeminiCLI…`, the SDKs `OpenAI/JS <v>` and
 * `Anthropic/JS <v>`, the Vercel AI SDK an `ai-sdk/` part. Tools built on an SDK are checked before
 * the SDK itself (opencode runs on the AI SDK, LangChain on the openai SDK).
 */
export function detectClient(userAgent: string | undefined, xApp?: string): ClientName {
  const ua = userAgent ?? "";
  if (xApp === "cli" || /claude-cli\//i.test(ua)) return "claude-code";
  if (/^codex|codex_(exec|cli)/i.test(ua)) return "codex";
  if (/opencode/i.test(ua)) return "opencode";
  if (/gemini-?cli/i.test(ua)) return "gemini-cli";
  if (/langchain/i.test(ua)) return "langchain";
  if (/ai-sdk\//i.test(ua)) return "ai-sdk";
  if (/^OpenAI\//i.test(ua)) return "openai-sdk";
  if (/^Anthropic\//i.test(ua)) return "anthropic-sdk";
  if (/^curl\//i.test(ua)) return "curl";
  return "other";
}

export type CallKind = "user" | "tool-follow-up" | "subagent" | "compaction" | "background";

/**
 * What kind of call a request was, from the X-Initiator and X-Interaction-Type sent upstream
 * (copilot-upstream.md 3.1, 3.2): Claude Code's subagent, compaction and background calls carry
 * their own interaction type; any other `agent` call is a tool follow-up in an agent loop.
 */
export function callKind(initiator: "user" | "agent" | undefined, interaction: string | undefined): CallKind | undefined {
  if (interaction === "conversation-subagent") return "subagent";
  if (interaction === "conversation-compaction") return "compaction";
  if (interaction === "conversation-background") return "background";
  if (initiator === "user") return "user";
  if (initiator === "agent") return "tool-follow-up";
  return undefined;
}
