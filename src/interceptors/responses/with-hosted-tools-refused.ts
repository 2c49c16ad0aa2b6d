import { badRequest } from "../../errors.js";
import { namespaceUnsupported, WEB_SEARCH, webSearchUnsupported } from "../../dialects/openai-responses/decode-request.js";
import type { ResponsesInterceptor } from "./types.js";

/**
 * Tools Codex adds that Copilot can't serve, refused up front with the setting that removes them
 * (real-clients.md 2.1, known-failures F1/F2): hosted `web_search` (Codex: `web_search =
 * "disabled"`) and the `namespace` of multi-agent tools (Codex: `[agents] enabled = false`).
 * Dropping them silently would let the model believe it searched or spawned agents.
 */
export const withHostedToolsRefused: ResponsesInterceptor = (body) => {
  if (!Array.isArray(body.tools)) return;
  for (const [i, tool] of (body.tools as unknown[]).entries()) {
    if (!tool || typeof tool !== "object") continue;
    const t = tool as { type?: unknown; name?: unknown };
    if (typeof t.type === "string" && WEB_SEARCH.test(t.type)) throw badRequest(webSearchUnsupported(t.type, i), `tools.${i}`);
    if (t.type === "namespace") throw badRequest(namespaceUnsupported(t.name, i), `tools.${i}`);
  }
};
