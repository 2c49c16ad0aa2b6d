// OpenAI's hosted `web_search` tool on POST {capi}/responses, as Copilot is reported to serve it for
// GPT models [U: copilot-upstream.md 13.4; not checked against live Copilot]. The answer holds a
// web_search_call item (the query Copilot ran) and a message whose output_text carries url_citation
// annotations (the sources). With `webSearch: false` the fake refuses the tool the way Copilot's
// Anthropic side does (known-failures F2) [U: the wording on /responses].
import { capiError } from "./errors.js";
import { isObject, sendJson } from "./http-io.js";
import type { FakeModel } from "./models.js";
import { sendReplyJson, sendStream, GENERIC_SHAPES } from "./reply-writer.js";
import { responsesTurn } from "./responses.js";
import { sse } from "./sse.js";
import type { Exchange } from "./state.js";
import { completionTokens, promptTokens } from "./token-count.js";

/** The sources every fake search finds (never fetched: only their URLs are quoted). */
export const FAKE_SOURCES = [
  { url: "https://example.com/fake-result-1", title: "Fake result one" },
  { url: "https://example.org/fake-result-2", title: "Fake result two" },
];

export function offersWebSearch(body: any): boolean {
  return Array.isArray(body.tools) && (body.tools as unknown[]).some((t) => isObject(t) && typeof t.type === "string" && t.type.startsWith("web_search"));
}

export async function handleWebSearchResponses(ex: Exchange, model: FakeModel): Promise<void> {
  const body = ex.call.body;
  const { state } = ex;
  if (!state.webSearch) {
    const i = (body.tools as { type?: string }[]).findIndex((t) => t.type?.startsWith("web_search"));
    return sendJson(ex.res, 400, capiError("The use of the web search tool is not supported.", "unsupported_value", { param: `tools[${i}].type` }));
  }
  const items = Array.isArray(body.input) ? body.input : [{ type: "message", role: "user", content: String(body.input) }];
  const turn = responsesTurn(items);
  const query = `fake search: ${Array.from(turn.text.trim()).slice(0, 60).join("")}`;
  const [one, two] = FAKE_SOURCES as [(typeof FAKE_SOURCES)[0], (typeof FAKE_SOURCES)[0]];
  const head = `Search results for "${query}": `;
  const cite1 = "fake result one";
  const mid = " and ";
  const cite2 = "fake result two";
  const text = `${head}${cite1}${mid}${cite2}.`;
  const annotations = [
    { type: "url_citation", start_index: head.length, end_index: head.length + cite1.length, url: one.url, title: one.title },
    { type: "url_citation", start_index: head.length + cite1.length + mid.length, end_index: text.length - 1, url: two.url, title: two.title },
  ];
  const callId = () => state.ids.next("ws_", 40);
  const msgId = () => state.ids.next("msg_", 40);
  const call = { type: "web_search_call", status: "completed", action: { type: "search", query } };
  const message = { type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations, logprobs: [] }] };
  const input = promptTokens("responses", body);
  const output = completionTokens("", text, []);
  const usage = { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
  const response = (status: string, out: unknown[], u: unknown) => ({
    id: state.ids.next("resp_", 40),
    object: "response",
    created_at: Math.floor(state.now() / 1000),
    status,
    model: model.id,
    output: out,
    tools: body.tools,
    usage: u,
    store: false,
  });
  if (body.stream !== true) return sendReplyJson(ex, response("completed", [{ id: callId(), ...call }, { id: msgId(), ...message }], usage), GENERIC_SHAPES);

  const raw: [string, Record<string, unknown>][] = [
    ["response.created", { response: response("in_progress", [], null) }],
    ["response.output_item.added", { output_index: 0, item: { id: callId(), type: "web_search_call", status: "in_progress" } }],
    ["response.web_search_call.in_progress", { output_index: 0, item_id: callId() }],
    ["response.web_search_call.searching", { output_index: 0, item_id: callId() }],
    ["response.web_search_call.completed", { output_index: 0, item_id: callId() }],
    ["response.output_item.done", { output_index: 0, item: { id: callId(), ...call } }],
    ["response.output_item.added", { output_index: 1, item: { id: msgId(), ...message, status: "in_progress", content: [] } }],
    ["response.content_part.added", { output_index: 1, item_id: msgId(), content_index: 0, part: { type: "output_text", text: "", annotations: [] } }],
    ["response.output_text.delta", { output_index: 1, item_id: msgId(), content_index: 0, delta: text, logprobs: [] }],
    ...annotations.map((annotation, annotation_index): [string, Record<string, unknown>] => [
      "response.output_text.annotation.added",
      { output_index: 1, item_id: msgId(), content_index: 0, annotation_index, annotation },
    ]),
    ["response.output_text.done", { output_index: 1, item_id: msgId(), content_index: 0, text, logprobs: [] }],
    ["response.content_part.done", { output_index: 1, item_id: msgId(), content_index: 0, part: message.content[0]! }],
    ["response.output_item.done", { output_index: 1, item: { id: msgId(), ...message } }],
    ["response.completed", { response: response("completed", [{ id: callId(), ...call }, { id: msgId(), ...message }], usage) }],
  ];
  const events = raw.map(([type, payload], sequence_number) => sse({ type, sequence_number, ...payload }, type, type === "response.completed"));
  events.push(sse("[DONE]", undefined, true));
  return sendStream(ex, events, GENERIC_SHAPES);
}
