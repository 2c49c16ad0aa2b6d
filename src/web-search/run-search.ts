import { ApiError, badRequest, readUpstreamJson } from "../errors.js";
import type { Runtime } from "../runtime.js";
import { searchModel } from "./search-model.js";

export interface SearchRequest {
  /** The conversation as plain text turns; the search model picks the queries from it. */
  instructions?: string;
  turns: { role: "user" | "assistant"; text: string }[];
  allowedDomains?: string[];
  blockedDomains?: string[];
  userLocation?: Record<string, unknown>;
  interactionId?: string;
  signal?: AbortSignal;
}

export interface SearchSource {
  url: string;
  title: string;
}

export interface SearchResult {
  /** The search model's id, for logs and meta. */
  model: string;
  /** The queries Copilot ran (its web_search_call items). */
  queries: string[];
  /** The search model's answer, grounded on the sources. */
  text: string;
  /** Distinct sources, from the answer's url_citation annotations. */
  sources: SearchSource[];
  usage: { input_tokens: number; output_tokens: number };
}

/**
 * Runs one web search through Copilot's /responses with OpenAI's hosted `web_search` tool [U:
 * copilot-upstream.md 13.4, reported by a maintained fork, not checked here]. Non-streaming: the
 * answer is needed whole to build the client's result blocks, and it is short. A refusal is
 * remembered for the session (state.ts) and becomes the clear error clients got before.
 */
export async function runWebSearch(runtime: Runtime, req: SearchRequest): Promise<SearchResult> {
  const state = runtime.webSearch;
  if (state.refused) throw searchRefused(state.refused);
  const model = searchModel(runtime.catalog.list(), state.model, runtime.config.modelAliases);
  const tool: Record<string, unknown> = { type: "web_search" };
  const filters: Record<string, unknown> = {};
  if (req.allowedDomains?.length) filters.allowed_domains = req.allowedDomains;
  if (req.blockedDomains?.length) filters.blocked_domains = req.blockedDomains;
  if (Object.keys(filters).length > 0) tool.filters = filters;
  if (req.userLocation) tool.user_location = req.userLocation;
  const body: Record<string, unknown> = {
    model: model.id,
    input: req.turns.map((t) => ({
      type: "message",
      role: t.role,
      content: [{ type: t.role === "user" ? "input_text" : "output_text", text: t.text }],
    })),
    tools: [tool],
    stream: false,
    store: false,
  };
  if (req.instructions) body.instructions = req.instructions;
  let res: Response;
  try {
    // A search serves a turn the client already made: not a new user turn (X-Initiator: agent).
    res = await runtime.copilot.request({ path: "/responses", body, intent: "conversation-agent", initiator: "agent", interactionId: req.interactionId, signal: req.signal });
  } catch (error) {
    if (isWebSearchRefusal(error)) {
      state.refuse((error as ApiError).message);
      runtime.log.warn(`Copilot refused web search; it stays off for this session: ${(error as ApiError).message}`);
      throw searchRefused((error as ApiError).message);
    }
    throw error;
  }
  const json = await readUpstreamJson<{ output?: unknown[]; usage?: { input_tokens?: number; output_tokens?: number } }>(res, "/responses");
  return { model: model.id, ...readSearchOutput(json.output), usage: { input_tokens: json.usage?.input_tokens ?? 0, output_tokens: json.usage?.output_tokens ?? 0 } };
}

/** web_search_call items (the queries) and output_text with url_citation annotations (the sources). */
export function readSearchOutput(output: unknown): Pick<SearchResult, "queries" | "text" | "sources"> {
  const queries: string[] = [];
  const texts: string[] = [];
  const sources: SearchSource[] = [];
  const seen = new Set<string>();
  for (const item of Array.isArray(output) ? output : []) {
    if (!item || typeof item !== "object") continue;
    const it = item as { type?: unknown; action?: { query?: unknown; queries?: unknown }; content?: unknown };
    if (it.type === "web_search_call") {
      const action = it.action ?? {};
      if (Array.isArray(action.queries)) queries.push(...action.queries.filter((q): q is string => typeof q === "string"));
      else if (typeof action.query === "string") queries.push(action.query);
      continue;
    }
    if (it.type !== "message" || !Array.isArray(it.content)) continue;
    for (const part of it.content as { type?: unknown; text?: unknown; annotations?: unknown }[]) {
      if (part?.type !== "output_text" || typeof part.text !== "string") continue;
      texts.push(part.text);
      for (const a of Array.isArray(part.annotations) ? (part.annotations as { type?: unknown; url?: unknown; title?: unknown }[]) : []) {
        if (a?.type !== "url_citation" || typeof a.url !== "string" || seen.has(a.url)) continue;
        seen.add(a.url);
        sources.push({ url: a.url, title: typeof a.title === "string" && a.title ? a.title : a.url });
      }
    }
  }
  return { queries, text: texts.join("\n\n").trim(), sources };
}

/**
 * Copilot's refusal of the hosted tool [U: its exact wording on /responses is not known; on
 * /v1/messages it is "The use of the web search tool is not supported.", known-failures F2]: a 400
 * that names web search or the tools field.
 */
export function isWebSearchRefusal(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.status !== 400) return false;
  return /web.?search/i.test(error.message) || /^tools/.test(error.param ?? "");
}

export function searchRefused(upstream: string): ApiError {
  return badRequest(
    `Web search is not available through GitHub Copilot for this account (Copilot answered: ${upstream}). ` +
      "Disable it in the client (Claude Code: deny the WebSearch tool; Codex: web_search = \"disabled\").",
    "tools",
  );
}
