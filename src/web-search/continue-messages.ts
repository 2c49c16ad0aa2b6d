import type { Context } from "hono";
import { SseParser } from "../sse/sse-decoder.js";
import { formatSse } from "../sse/sse-encoder.js";
import type { SearchResult } from "./run-search.js";
import { searchMessage, searchMessageEvents } from "./answer-messages.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** What the model is told of the search: the answer and the numbered sources, as text it can cite. */
export function searchResultText(result: SearchResult): string {
  const lines = [`Web search results${result.queries.length ? ` for ${result.queries.map((q) => JSON.stringify(q)).join(", ")}` : ""}:`, result.text || "(no answer)"];
  if (result.sources.length > 0) lines.push("Sources:", ...result.sources.map((s, i) => `[${i + 1}] ${s.title} — ${s.url}`));
  return lines.join("\n");
}

/**
 * The request the model continues with after the search: the web search tool removed (and a
 * tool_choice that forced it), the results added to the last user turn as text.
 */
export function continuationBody(body: Obj, result: SearchResult): Obj {
  const tools = (body.tools as unknown[]).filter((t) => !(isObj(t) && typeof t.type === "string" && t.type.startsWith("web_search_")));
  const messages = Array.isArray(body.messages) ? [...(body.messages as unknown[])] : [];
  const note = { type: "text", text: searchResultText(result) };
  const last = messages.at(-1);
  if (isObj(last) && last.role === "user") {
    const content = typeof last.content === "string" ? [{ type: "text", text: last.content }] : Array.isArray(last.content) ? last.content : [];
    messages[messages.length - 1] = { ...last, content: [...content, note] };
  } else {
    messages.push({ role: "user", content: [note] });
  }
  const next: Obj = { ...body, tools, messages };
  const choice = body.tool_choice;
  if (isObj(choice) && choice.type === "tool" && !tools.some((t) => isObj(t) && t.name === choice.name)) delete next.tool_choice;
  return next;
}

/**
 * The search's blocks put in front of the model's answer: content prepended in a JSON answer;
 * in a stream, sent right after message_start, with every later block's index moved past them.
 * The model's stream still flows event by event.
 */
export async function withSearchBlocks(c: Context, res: Response, result: SearchResult, model: string, stream: boolean): Promise<Response> {
  // The search model's own answer stays out: the requested model's answer takes its place.
  const search = searchMessage({ ...result, text: "" }, model);
  const blocks = search.content as Obj[];
  if (!stream) {
    const answer = (await res.json()) as Obj;
    const usage = isObj(answer.usage) ? answer.usage : {};
    const add = (k: "input_tokens" | "output_tokens") => (typeof usage[k] === "number" ? (usage[k] as number) : 0) + result.usage[k];
    return c.json({
      ...answer,
      content: [...blocks, ...(Array.isArray(answer.content) ? answer.content : [])],
      usage: { ...usage, input_tokens: add("input_tokens"), output_tokens: add("output_tokens"), server_tool_use: (search.usage as Obj).server_tool_use },
    });
  }
  if (!res.body) return res;
  // The search's block events, without its own message_start/delta/stop.
  const blockFrames = searchMessageEvents({ ...search }).filter((f) => f.startsWith("event: content_block_"));
  const shift = blocks.length;
  const parser = new SseParser();
  const encoder = new TextEncoder();
  const reframe = (ev: { event?: string; data: string }): string => {
    let data: Obj;
    try {
      data = JSON.parse(ev.data) as Obj;
    } catch {
      return formatSse(ev.data, ev.event);
    }
    if (data.type === "message_start") return formatSse(ev.data, ev.event) + blockFrames.join("");
    if (typeof data.index === "number") return formatSse(JSON.stringify({ ...data, index: data.index + shift }), ev.event);
    return formatSse(ev.data, ev.event);
  };
  const out = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const text = parser.push(chunk).map(reframe).join("");
        if (text) controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        const text = parser.end().map(reframe).join("");
        if (text) controller.enqueue(encoder.encode(text));
      },
    }),
  );
  return new Response(out, { status: res.status, headers: res.headers });
}
