import type { Context } from "hono";
import type { Runtime } from "../runtime.js";
import { isGoogleClient } from "../dialects/gemini/paths.js";
import { encodeGeminiModel } from "../dialects/gemini/encode-model.js";
import { type CopilotModel, isUsable, modelType } from "../upstream/model-catalog.js";

/**
 * GET /v1/models. OpenAI's list shape, with Copilot's own fields kept under their own names
 * (capabilities, supported_endpoints, billing, policy...) so tools can see limits and routes.
 * An Anthropic client (it sends anthropic-version) gets Anthropic's list shape instead.
 * Completion-only models are not offered: they fail on chat (known-failures X7).
 */
export function models(runtime: Runtime) {
  return async (c: Context) => {
    await runtime.catalog.refreshIfStale();
    const offered = runtime.catalog.list().filter((m) => isUsable(m) && modelType(m) !== "completion");
    if (isGoogleClient(c.req.raw.headers)) return c.json({ models: offered.filter((m) => modelType(m) !== "completion").map(encodeGeminiModel) });
    if (c.req.header("anthropic-version")) {
      const data = offered.filter((m) => modelType(m) === "chat").map(anthropicModel);
      return c.json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    }
    return c.json({ object: "list", data: offered.map(openAIModel), has_more: false });
  };
}

export function openAIModel(m: CopilotModel) {
  return { ...m, id: m.id, object: "model", created: 0, owned_by: m.vendor ?? "github-copilot" };
}

function anthropicModel(m: CopilotModel) {
  return { type: "model", id: m.id, display_name: m.name ?? m.id, created_at: "1970-01-01T00:00:00Z" };
}
