import { WEB_SEARCH } from "../dialects/openai-responses/decode-request.js";
import type { Runtime } from "../runtime.js";
import { isWebSearchRefusal, searchRefused } from "./run-search.js";

type Obj = Record<string, unknown>;

/** Fields of OpenAI's hosted web_search tool that are passed on [U: which ones Copilot accepts]. */
const KEPT = ["filters", "user_location", "search_context_size"];

/**
 * Codex's hosted `web_search` tool on a model Copilot serves on /responses: passed through to
 * Copilot, which is reported to run it for GPT models and answers with `web_search_call` items
 * that reach Codex as they are [U: copilot-upstream.md 13.4]. The tools are taken out of `body`
 * before the pass-through interceptors (which refuse hosted tools) and put back after them, as
 * `{type: "web_search", …}`: Codex's `external_web_access` is its own setting [U].
 * After Copilot refused web search once in this session, the clear error comes at once.
 */
export function takeWebSearchTools(runtime: Runtime, body: Obj): Obj[] {
  if (!Array.isArray(body.tools)) return [];
  const taken: Obj[] = [];
  const rest: unknown[] = [];
  for (const t of body.tools as unknown[]) {
    const tool = t as Obj | null;
    if (tool && typeof tool === "object" && typeof tool.type === "string" && WEB_SEARCH.test(tool.type)) {
      const kept: Obj = { type: "web_search" };
      for (const k of KEPT) if (tool[k] !== undefined) kept[k] = tool[k];
      taken.push(kept);
    } else {
      rest.push(t);
    }
  }
  if (taken.length === 0) return [];
  if (runtime.webSearch.refused) throw searchRefused(runtime.webSearch.refused);
  body.tools = rest;
  return taken;
}

/** Puts the taken tools back after interception. */
export function restoreWebSearchTools(body: Obj, taken: Obj[]): void {
  if (taken.length === 0) return;
  body.tools = [...(Array.isArray(body.tools) ? body.tools : []), ...taken];
}

/** A Copilot error on a request that carried web search: a refusal is remembered and explained. */
export function explainWebSearchError(runtime: Runtime, taken: Obj[], error: unknown): unknown {
  if (taken.length === 0 || !isWebSearchRefusal(error)) return error;
  const message = (error as Error).message;
  runtime.webSearch.refuse(message);
  runtime.log.warn(`Copilot refused web search; it stays off for this session: ${message}`);
  return searchRefused(message);
}
