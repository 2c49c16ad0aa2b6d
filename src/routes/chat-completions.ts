import type { Context } from "hono";
import { chatClient, upstreamCodec } from "../bridge/codecs.js";
import { planUpstream } from "../bridge/plan.js";
import { runTranslated } from "../bridge/run-translated.js";
import { decodeChatRequest, decodeChatRequestInTurns, wantsStreamUsage } from "../dialects/openai-chat/decode-request.js";
import type { CopilotModel, UpstreamEndpoint } from "../upstream/model-catalog.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { mergeChoices, StreamChoiceMerger } from "../dialects/openai-chat/merge-choices.js";
import { encodeOpenAIError } from "../dialects/openai/encode-error.js";
import { ApiError, badRequest, midStreamError, readUpstreamJson } from "../errors.js";
import { type EventHandlers, pumpEvents } from "../sse/event-pump.js";
import { interactionIdFrom, isLargeBody, readJsonObject, requireModelAndMessages, turnIfLarge } from "../http/request.js";
import { type ChatBody, interceptChat, interceptChatInTurns } from "../interceptors/chat/index.js";
import type { Runtime } from "../runtime.js";
import { formatSse, SSE_HEADERS } from "../sse/sse-encoder.js";
import { chatInitiator } from "../upstream/initiator.js";
import { meta } from "../observability/request-meta.js";
import { decodeChatUsage } from "../dialects/openai-chat/convert-usage.js";
import { copilotUsageOf, withNanoAiu } from "../cost/decode-copilot-usage.js";
import { hasImage } from "../upstream/vision.js";
import { imageInlining, inlineChatImages } from "../images/index.js";
import { asText } from "../text.js";
import { requireAllowedModel } from "../access/key-models.js";

/** POST /v1/chat/completions: passthrough to Copilot's /chat/completions for the models that speak it. */
export function chatCompletions(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    requireModelAndMessages(body, "bracketed");
    const model = resolveModel(body.model, runtime.catalog.list(), runtime.config.modelAliases);
    requireAllowedModel(runtime, meta(c).keyName, body.model, model.id);
    const endpoint = planUpstream(model, "chat", TRANSLATED_FROM_CHAT);
    if (endpoint !== "/chat/completions") return translated(runtime, c, body, model, endpoint);

    // Recorded first, so that a request refused for its images is counted against its model.
    meta(c).model = model.id;
    // Image URLs become inline images first, while the field paths are still the client's own.
    await inlineChatImages(body, () => imageInlining(runtime, model, c.req.raw.signal));
    await turnIfLarge(c);
    const chat = isLargeBody(c) ? await interceptChatInTurns(body as ChatBody, model) : interceptChat(body as ChatBody, model);
    await turnIfLarge(c);
    const stream = chat.stream === true;
    const initiator = chatInitiator(chat.messages);
    const intent = Array.isArray(chat.tools) && chat.tools.length > 0 ? "conversation-agent" : "conversation-panel";
    Object.assign(meta(c), { endpoint: "/chat/completions", initiator, stream, interaction: intent });
    const res = await runtime.copilot.request({
      path: "/chat/completions",
      body: chat,
      intent,
      initiator,
      vision: hasImage(chat.messages),
      interactionId: interactionIdFrom(c.req.raw.headers),
      signal: c.req.raw.signal,
      sliced: isLargeBody(c),
    });

    if (!stream) {
      const json = await readUpstreamJson<{ choices?: []; usage?: unknown; copilot_usage?: unknown }>(res, "/chat/completions");
      mergeChoices(json);
      meta(c).usage = withNanoAiu(decodeChatUsage(json.usage), copilotUsageOf(json));
      delete json.copilot_usage;
      return c.json(json);
    }
    if (!res.body) throw new ApiError({ kind: "upstream", status: 502, message: "Copilot returned no stream" });
    // Only Claude answers split across choices; every other model's chunks pass as they are. Each
    // event is checked to be JSON, so a garbled one ends the stream with an error chunk instead of
    // reaching the client, and a stream cut before its ending gets one too (known-failures N4).
    const m = meta(c);
    const out = pumpEvents(
      res.body,
      checkedChatEvents(/anthropic/i.test(model.vendor ?? "") ? new StreamChoiceMerger() : undefined, (usage, nanoAiu) => (m.usage = withNanoAiu(decodeChatUsage(usage), nanoAiu))),
    );
    return new Response(out, { status: 200, headers: SSE_HEADERS });
  };
}

/** The endpoints a chat client can reach, its own first. */
const TRANSLATED_FROM_CHAT: UpstreamEndpoint[] = ["/chat/completions", "/responses", "/v1/messages"];

/** A model Copilot doesn't serve on /chat/completions: chat → IR → its endpoint, and back. */
async function translated(runtime: Runtime, c: Context, body: Record<string, unknown>, model: CopilotModel, endpoint: UpstreamEndpoint) {
  const initiator = chatInitiator(body.messages);
  const req = isLargeBody(c) ? await decodeChatRequestInTurns(body) : decodeChatRequest(body);
  Object.assign(meta(c), { model: model.id, endpoint, initiator, stream: req.stream });
  return runTranslated({
    runtime,
    c,
    req,
    model,
    upstream: upstreamCodec(endpoint),
    client: chatClient,
    call: {
      intent: req.tools.length > 0 ? "conversation-agent" : "conversation-panel",
      initiator,
      vision: hasImage(body.messages),
      interactionId: interactionIdFrom(c.req.raw.headers),
    },
    echoModel: asText(body.model),
    includeUsage: wantsStreamUsage(body),
  });
}

/** A failure mid-stream ends with an OpenAI error chunk, which the SDKs raise as an APIError. */
function chatStreamErrorTail(error: unknown): string {
  const apiError = midStreamError(error);
  return formatSse(JSON.stringify(encodeOpenAIError(apiError)));
}

interface ChatStreamEnding {
  /** `data: [DONE]` was seen. */
  done: boolean;
  /** A choice carried a finish_reason: the answer is whole even if [DONE] is missing. */
  finished: boolean;
  /** Copilot sent an error chunk: it ends the stream as it is. */
  failed: boolean;
}

/** What to add when Copilot's stream ends: nothing, the missing [DONE], or an error chunk if it was cut short. */
function chatStreamTail(ending: ChatStreamEnding): string | undefined {
  if (ending.done || ending.failed) return undefined;
  if (ending.finished) return formatSse("[DONE]");
  return chatStreamErrorTail(new Error("Copilot ended the stream before it finished"));
}

/**
 * The passthrough stream as event handlers for pumpEvents (one pull-based stage from Copilot's socket to
 * the client): each event is checked to be JSON and re-framed; an event that is not JSON, or a socket
 * that fails, ends the stream with an error chunk and cancels the upstream; the stream's ending is
 * completed by chatStreamTail. The last usage seen is reported when the stream ends normally.
 */
function checkedChatEvents(merger: StreamChoiceMerger | undefined, onUsage: (usage: unknown, nanoAiu: number | undefined) => void): EventHandlers {
  const ending: ChatStreamEnding = { done: false, finished: false, failed: false };
  let usage: unknown;
  let nanoAiu: number | undefined;
  return {
    onEvent(ev) {
      if (ev.data === "[DONE]") {
        ending.done = true;
        return [formatSse("[DONE]")];
      }
      let chunk: { choices?: unknown; error?: unknown; usage?: unknown; copilot_usage?: unknown };
      try {
        chunk = JSON.parse(ev.data);
      } catch {
        throw new ApiError({ kind: "upstream", status: 502, message: `Copilot sent a stream event that is not JSON: ${ev.data.slice(0, 120)}` });
      }
      if (chunk && typeof chunk === "object") {
        if (chunk.error) ending.failed = true;
        if (Array.isArray(chunk.choices) && chunk.choices.some((ch) => ch && (ch as { finish_reason?: unknown }).finish_reason)) ending.finished = true;
        if (chunk.usage) usage = chunk.usage;
        if (chunk.copilot_usage !== undefined) {
          // Copilot's cost figure is kept for the ledger and taken out of what the client gets.
          nanoAiu = copilotUsageOf(chunk) ?? nanoAiu;
          delete chunk.copilot_usage;
          if (!merger) return [formatSse(JSON.stringify(chunk), ev.event)];
        }
      }
      if (!merger) return [formatSse(ev.data, ev.event)];
      try {
        merger.merge(chunk as never);
        return [formatSse(JSON.stringify(chunk), ev.event)];
      } catch {
        return [formatSse(ev.data, ev.event)];
      }
    },
    onEnd() {
      onUsage(usage, nanoAiu);
      const tail = chatStreamTail(ending);
      return tail ? [tail] : [];
    },
    onError(error) {
      return [chatStreamErrorTail(error)];
    },
  };
}
