import type { Context } from "hono";
import { anthropicClient, upstreamCodec } from "../bridge/codecs.js";
import { planUpstream } from "../bridge/plan.js";
import { runTranslated } from "../bridge/run-translated.js";
import { decodeAnthropicRequest, decodeAnthropicRequestInTurns } from "../dialects/anthropic/decode-request.js";
import { countAnthropicTokensAsync } from "../tokens/count-tokens.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { nativeStreamHandlers, stripCopilotFields } from "../dialects/anthropic/clean-native-stream.js";
import { ApiError, badRequest, midStreamError, readUpstreamJson } from "../errors.js";
import { interactionIdFrom, isLargeBody, readJsonObject, requireModelAndMessages, turnIfLarge } from "../http/request.js";
import { filterBetas, interceptMessages, interceptMessagesInTurns } from "../interceptors/messages/index.js";
import type { Runtime } from "../runtime.js";
import { pumpEvents } from "../sse/event-pump.js";
import { SSE_HEADERS } from "../sse/sse-encoder.js";
import type { Intent } from "../upstream/headers.js";
import { claudeCodeCallKind, messagesInitiator } from "../upstream/initiator.js";
import type { CopilotModel, UpstreamEndpoint } from "../upstream/model-catalog.js";
import { hasImage } from "../upstream/vision.js";
import { imageInlining, inlineMessagesImages } from "../images/index.js";
import { meta } from "../observability/request-meta.js";
import { decodeAnthropicUsage } from "../dialects/anthropic/convert-usage.js";
import { copilotUsageOf } from "../cost/decode-copilot-usage.js";

import { PING_INTERVAL_MS } from "../bridge/run-translated.js";
import { asText } from "../text.js";
import { requireAllowedModel } from "../access/key-models.js";
import { answerWithWebSearch, webSearchServerTool } from "../web-search/answer-messages.js";

/** POST /v1/messages: native passthrough for Claude, translation for every other model. */
export function messages(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    requireModelAndMessages(body, "dotted");
    const model = resolveModel(body.model, runtime.catalog.list(), runtime.config.modelAliases);
    requireAllowedModel(runtime, meta(c).keyName, body.model, model.id);
    const search = webSearchServerTool(body);
    if (search) return answerWithWebSearch(runtime, c, body, search, asText(body.model), (next) => dispatch(runtime, c, next, model));
    return dispatch(runtime, c, body, model);
  };
}

function dispatch(runtime: Runtime, c: Context, body: Record<string, unknown>, model: CopilotModel) {
  const endpoint = planUpstream(model, "messages", ["/v1/messages", "/responses", "/chat/completions"]);
  Object.assign(meta(c), { model: model.id, endpoint, stream: body.stream === true });
  if (endpoint === "/v1/messages") return native(runtime, c, body, model);
  return translated(runtime, c, body, model, endpoint);
}

/** Every other model: Anthropic → IR → the model's endpoint, and its stream back as Anthropic events. */
async function translated(runtime: Runtime, c: Context, body: Record<string, unknown>, model: CopilotModel, endpoint: UpstreamEndpoint) {
  const call = classify(c, body);
  const vision = hasImage(body.messages);
  await turnIfLarge(c);
  const req = isLargeBody(c) ? await decodeAnthropicRequestInTurns(body) : decodeAnthropicRequest(body);
  await turnIfLarge(c);
  const inputTokensEstimate = await countAnthropicTokensAsync(body, model, c.req.raw.signal);
  return runTranslated({
    runtime,
    c,
    req,
    model,
    upstream: upstreamCodec(endpoint),
    client: anthropicClient,
    call: { ...call, vision, interactionId: interactionIdFrom(c.req.raw.headers) },
    echoModel: asText(body.model),
    inputTokensEstimate,
  });
}

/** What kind of call this is, for X-Initiator and X-Interaction-Type. */
function classify(c: Context, body: Record<string, unknown>): { initiator: "user" | "agent"; intent: Intent; interactionType: string } {
  const call = classifyCall(c, body);
  Object.assign(meta(c), { initiator: call.initiator, interaction: call.interactionType });
  return call;
}

function classifyCall(c: Context, body: Record<string, unknown>): { initiator: "user" | "agent"; intent: Intent; interactionType: string } {
  const fromClaudeCode = c.req.header("x-app") === "cli" || /claude-cli\//.test(c.req.header("user-agent") ?? "");
  // Claude Code's background, subagent and compaction calls are not turns a person started
  // (known-failures R1, cases 15 and 16): `agent`, with VS Code's interaction type for each.
  const kind = fromClaudeCode ? claudeCodeCallKind(body) : undefined;
  if (kind) return { initiator: "agent", intent: "messages-proxy", interactionType: `conversation-${kind}` };
  return { initiator: messagesInitiator(body.messages), intent: "messages-proxy", interactionType: "messages-proxy" };
}

async function native(runtime: Runtime, c: Context, body: Record<string, unknown>, model: CopilotModel) {
  const call = classify(c, body);
  const vision = hasImage(body.messages);
  const stream = body.stream === true;
  // Image URLs become inline images first, while the field paths are still the client's own.
  await inlineMessagesImages(body, () => imageInlining(runtime, model, c.req.raw.signal));
  await turnIfLarge(c);
  if (isLargeBody(c)) await interceptMessagesInTurns(body, model);
  else interceptMessages(body, model);
  await turnIfLarge(c);
  const betas = filterBetas(c.req.header("anthropic-beta"));
  const res = await runtime.copilot.request({
    path: "/v1/messages",
    body,
    ...call,
    vision,
    interactionId: interactionIdFrom(c.req.raw.headers),
    headers: { "anthropic-version": "2023-06-01", ...(betas ? { "anthropic-beta": betas } : {}) },
    signal: c.req.raw.signal,
    sliced: isLargeBody(c),
  });
  if (!stream) {
    const json = await readUpstreamJson<Record<string, unknown>>(res, "/v1/messages");
    const nanoAiu = copilotUsageOf(json);
    stripCopilotFields(json);
    meta(c).usage = { ...decodeAnthropicUsage(json.usage), ...(nanoAiu !== undefined ? { nanoAiu } : {}) };
    return c.json(json);
  }
  if (!res.body) throw new ApiError({ kind: "upstream", status: 502, message: "Copilot returned no stream" });
  const out = pumpEvents(res.body, nativeStreamHandlers(midStreamError, (usage) => (meta(c).usage = { ...meta(c).usage, ...usage })), {
    pingIntervalMs: PING_INTERVAL_MS,
    ping: () => 'event: ping\ndata: {"type":"ping"}\n\n',
  });
  return new Response(out, { status: 200, headers: SSE_HEADERS });
}
