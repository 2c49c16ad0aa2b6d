import type { Context } from "hono";
import type { Runtime } from "../runtime.js";
import { isGoogleClient } from "../dialects/gemini/paths.js";
import { encodeGeminiModel } from "../dialects/gemini/encode-model.js";
import { type CopilotModel, isUsable, modelType } from "../upstream/model-catalog.js";

/**
 * GET /v1/models. OpenAI's list shape, with Copilot's own fields kept under their own names
 * (capabilities, supported_endpoints, billing, policy...) so tools can see limits and routes.
 * An Anthropic client gets Anthropic's list shape instead: Claude Code (2.1.126+) fills its
 * `/model` picker from it, showing only ids that start with `claude` or `anthropic`
 * (copilot-upstream.md 13.2), so those come first.
 * Completion-only models are not offered: they fail on chat (known-failures X7).
 */
export function models(runtime: Runtime) {
  return async (c: Context) => {
    await runtime.catalog.refreshIfStale();
    const offered = runtime.catalog.list().filter((m) => isUsable(m) && modelType(m) !== "completion");
    if (isGoogleClient(c.req.raw.headers)) return c.json({ models: offered.filter((m) => modelType(m) !== "completion").map(encodeGeminiModel) });
    if (wantsAnthropicList(c)) {
      const chat = offered.filter((m) => modelType(m) === "chat");
      const data = [...chat.filter(pickedByClaudeCode), ...chat.filter((m) => !pickedByClaudeCode(m))].map(anthropicModel);
      return c.json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    }
    return c.json({ object: "list", data: offered.map(openAIModel), has_more: false });
  };
}

/**
 * The Anthropic SDKs send `anthropic-version`; Claude Code also identifies itself with `x-app: cli`
 * and its user agent. OpenAI clients send none of these.
 */
function wantsAnthropicList(c: Context): boolean {
  return Boolean(c.req.header("anthropic-version")) || c.req.header("x-app") === "cli" || /^claude-cli\//.test(c.req.header("user-agent") ?? "");
}

/** The ids Claude Code's picker lists from a gateway (its own rule, by prefix). */
function pickedByClaudeCode(m: CopilotModel): boolean {
  return /^(claude|anthropic)/i.test(m.id);
}

export function openAIModel(m: CopilotModel) {
  return { ...m, id: m.id, object: "model", created: 0, owned_by: m.vendor ?? "github-copilot" };
}

function anthropicModel(m: CopilotModel) {
  return { type: "model", id: m.id, display_name: m.name ?? m.id, created_at: "1970-01-01T00:00:00Z" };
}
