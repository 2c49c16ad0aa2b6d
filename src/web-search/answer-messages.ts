import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { meta } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { formatSse, SSE_HEADERS } from "../sse/sse-encoder.js";
import { interactionIdFrom } from "../http/request.js";
import { runWebSearch, type SearchRequest, type SearchResult } from "./run-search.js";
import { continuationBody, withSearchBlocks } from "./continue-messages.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Anthropic's web search server tool (`web_search_20250305`, `web_search_20260209`, …), if the request offers it. */
export function webSearchServerTool(body: Obj): Obj | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  return (body.tools as unknown[]).find((t): t is Obj => isObj(t) && typeof t.type === "string" && t.type.startsWith("web_search_"));
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((b): b is Obj => isObj(b) && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .join("\n");
}

/**
 * The conversation as the search model sees it: the system prompt (without Claude Code's billing
 * header) and inline system messages as instructions, user and assistant text as turns. Tool
 * blocks carry nothing a search needs.
 */
export function searchRequestFrom(body: Obj, tool: Obj): Omit<SearchRequest, "signal" | "interactionId"> {
  const blocks = typeof body.system === "string" ? [body.system] : Array.isArray(body.system) ? body.system.map((b) => textOf([b])) : [];
  const system = blocks.filter((t) => t && !t.trimStart().startsWith("x-anthropic-billing-header"));
  const turns: SearchRequest["turns"] = [];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObj(m)) continue;
    const text = textOf(m.content).trim();
    if (!text) continue;
    if (m.role === "system") system.push(text);
    else if (m.role === "user" || m.role === "assistant") turns.push({ role: m.role, text });
  }
  const req: Omit<SearchRequest, "signal" | "interactionId"> = { turns };
  if (system.length > 0) req.instructions = system.join("\n\n");
  const allowed = strings(tool.allowed_domains);
  const blocked = strings(tool.blocked_domains);
  if (allowed?.length) req.allowedDomains = allowed;
  if (blocked?.length) req.blockedDomains = blocked;
  if (isObj(tool.user_location)) req.userLocation = tool.user_location;
  return req;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function wireId(prefix: string): string {
  let s = "";
  for (const b of randomBytes(24)) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}

/**
 * The search as Anthropic's server tool reports it: a `server_tool_use` per query Copilot ran, each
 * followed by its `web_search_tool_result` (the sources go with the last one: Copilot does not say
 * which query found which source), then the search model's answer as text.
 */
export function searchMessage(result: SearchResult, model: string): Obj {
  const queries = result.queries.length > 0 ? result.queries : [""];
  const content: Obj[] = [];
  queries.forEach((query, i) => {
    const id = wireId("srvtoolu");
    content.push({ type: "server_tool_use", id, name: "web_search", input: { query } });
    const last = i === queries.length - 1;
    content.push({
      type: "web_search_tool_result",
      tool_use_id: id,
      // encrypted_content is Anthropic's opaque page copy; Copilot returns none.
      content: last ? result.sources.map((s) => ({ type: "web_search_result", url: s.url, title: s.title, encrypted_content: "", page_age: null })) : [],
    });
  });
  if (result.text) content.push({ type: "text", text: result.text });
  return {
    id: wireId("msg"),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { ...result.usage, server_tool_use: { web_search_requests: result.queries.length || 1 } },
  };
}

/** The same message as Anthropic's event stream (each block whole: the answer is already complete). */
export function searchMessageEvents(message: Obj): string[] {
  const blocks = message.content as Obj[];
  const usage = message.usage as { input_tokens: number; output_tokens: number; server_tool_use: unknown };
  const ev = (type: string, data: Obj) => formatSse(JSON.stringify({ type, ...data }), type);
  const frames = [ev("message_start", { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 0 } } })];
  blocks.forEach((block, index) => {
    if (block.type === "server_tool_use") {
      frames.push(ev("content_block_start", { index, content_block: { ...block, input: {} } }));
      frames.push(ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } }));
    } else if (block.type === "text") {
      frames.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
      frames.push(ev("content_block_delta", { index, delta: { type: "text_delta", text: block.text } }));
    } else {
      frames.push(ev("content_block_start", { index, content_block: block }));
    }
    frames.push(ev("content_block_stop", { index }));
  });
  frames.push(ev("message_delta", { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage }));
  frames.push(ev("message_stop", {}));
  return frames;
}

/**
 * POST /v1/messages offering the web search server tool. Neither Copilot's Claude nor its other
 * models can run Anthropic's server tool, so the search runs first, through Copilot's /responses
 * on the search model. Then:
 * - the request offers no other tool (Claude Code's WebSearch tool sends one such request per
 *   search): the search is the answer;
 * - it offers client tools too (an agent that lets the model choose): the requested model
 *   continues (`proceed`) with the results in the last user turn and without the server tool, and
 *   its answer follows the search's blocks.
 */
export async function answerWithWebSearch(
  runtime: Runtime,
  c: Context,
  body: Obj,
  tool: Obj,
  echoModel: string,
  proceed: (body: Obj) => Promise<Response>,
): Promise<Response> {
  const result = await runWebSearch(runtime, { ...searchRequestFrom(body, tool), interactionId: interactionIdFrom(c.req.raw.headers), signal: c.req.raw.signal });
  Object.assign(meta(c), { model: result.model, endpoint: "/responses", initiator: "agent" });
  meta(c).usage = { inputTokens: result.usage.input_tokens, outputTokens: result.usage.output_tokens };
  if ((body.tools as unknown[]).some((t) => t !== tool)) {
    const res = await proceed(continuationBody(body, result));
    return withSearchBlocks(c, res, result, echoModel, body.stream === true);
  }
  const message = searchMessage(result, echoModel);
  if (body.stream !== true) return c.json(message);
  return new Response(searchMessageEvents(message).join(""), { status: 200, headers: SSE_HEADERS });
}
