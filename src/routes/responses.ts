import type { Context } from "hono";
import { type ClientCodec, upstreamCodec } from "../bridge/codecs.js";
import { planUpstream } from "../bridge/plan.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { runTranslated } from "../bridge/run-translated.js";
import { PING_INTERVAL_MS } from "../bridge/run-translated.js";
import { decodeResponsesRequest, decodeResponsesRequestInTurns } from "../dialects/openai-responses/decode-request.js";
import { decodeResponsesUsage } from "../dialects/openai-responses/convert-usage.js";
import { encodeResponsesErrorFrame, ResponsesStreamEncoder } from "../dialects/openai-responses/encode-stream.js";
import { encodeResponsesResponse } from "../dialects/openai-responses/encode-response.js";
import { copilotUsageOf, withNanoAiu } from "../cost/decode-copilot-usage.js";
import { ApiError, badRequest, midStreamError, readUpstreamJson } from "../errors.js";
import { nextTurn } from "../http/work-slices.js";
import { interactionIdFrom, isLargeBody, readJsonObject, requireModelAndInput, turnIfLarge } from "../http/request.js";
import { CustomToolCallRewriter, interceptResponses, interceptResponsesInTurns, restoreCustomToolCalls, StableItemIds, type ResponsesBody } from "../interceptors/responses/index.js";
import { meta } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { pumpEvents } from "../sse/event-pump.js";
import type { SseEvent } from "../sse/sse-decoder.js";
import { formatSse, SSE_HEADERS } from "../sse/sse-encoder.js";
import { responsesInitiator } from "../upstream/initiator.js";
import type { CopilotModel, UpstreamEndpoint } from "../upstream/model-catalog.js";
import { hasImage } from "../upstream/vision.js";
import { imageInlining, inlineResponsesImages } from "../images/index.js";
import { asText } from "../text.js";
import { StoredTurn } from "../responses-state/stored-turn.js";
import { requireAllowedModel } from "../access/key-models.js";
import { explainWebSearchError, restoreWebSearchTools, takeWebSearchTools } from "../web-search/responses-tools.js";

/** POST /v1/responses: passthrough for models Copilot serves on /responses, translation for the rest. */
export function responses(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    requireModelAndInput(body);
    // previous_response_id and item_reference become the stored items before anything reads the input.
    const turn = await StoredTurn.prepare(runtime.responseStore, body, runtime.config.bodyLimit);
    await turnIfLarge(c);
    const model = resolveModel(body.model, runtime.catalog.list(), runtime.config.modelAliases);
    requireAllowedModel(runtime, meta(c).keyName, body.model, model.id);
    const endpoint = planUpstream(model, "responses", ["/responses", "/v1/messages", "/chat/completions"]);
    const initiator = responsesInitiator(body.input);
    Object.assign(meta(c), { model: model.id, endpoint, initiator, stream: body.stream === true, interaction: "responses-proxy" });
    if (endpoint === "/responses") return passthrough(runtime, c, body, model, initiator, turn);
    return translated(runtime, c, body, model, endpoint, initiator, turn);
  };
}

/**
 * GET /v1/responses is how Codex's built-in provider asks for the WebSocket transport. Copilot's is
 * less reliable than HTTP (copilot-upstream.md 6), so it is declined with a clear 405: clients then
 * use HTTP POST instead of retrying a 404 (known-failures F1, case 34).
 */
export function responsesWebSocket() {
  return (c: Context) =>
    c.json(
      {
        error: {
          message: "copilot-api serves the Responses API over HTTP only: send POST /v1/responses (WebSocket transport is not offered).",
          type: "invalid_request_error",
          param: null,
          code: "websocket_not_supported",
        },
      },
      405,
      { allow: "POST" },
    );
}

async function passthrough(runtime: Runtime, c: Context, body: ResponsesBody, model: CopilotModel, initiator: "user" | "agent", turn: StoredTurn) {
  // Image URLs become inline images first, while the field paths are still the client's own.
  await inlineResponsesImages(body, () => imageInlining(runtime, model, c.req.raw.signal));
  const webSearch = takeWebSearchTools(runtime, body);
  // A stored reasoning item is only worth keeping with its state: item_reference sends it back.
  if (turn.storing) body.include = [...new Set([...(Array.isArray(body.include) ? body.include : []), "reasoning.encrypted_content"])];
  const { customTools } = isLargeBody(c)
    ? await interceptResponsesInTurns(body, model, runtime.upstreamItemIds, nextTurn)
    : interceptResponses(body, model, runtime.upstreamItemIds);
  restoreWebSearchTools(body, webSearch);
  const ids = new StableItemIds(turn.responseId, runtime.upstreamItemIds);
  const stream = body.stream === true;
  const res = await runtime.copilot
    .request({
      path: "/responses",
      body,
      intent: "responses-proxy",
      initiator,
      vision: hasImage(body.input),
      interactionId: interactionIdFrom(c.req.raw.headers),
      signal: c.req.raw.signal,
      sliced: isLargeBody(c),
    })
    .catch((error: unknown) => {
      throw explainWebSearchError(runtime, webSearch, error);
    });
  if (!stream) {
    const json = await readUpstreamJson<{ output?: Record<string, unknown>[]; usage?: unknown; copilot_usage?: unknown }>(res, "/responses");
    if (customTools.size > 0) restoreCustomToolCalls(json.output, customTools);
    meta(c).usage = withNanoAiu(decodeResponsesUsage(json.usage), copilotUsageOf(json));
    delete json.copilot_usage;
    ids.response(json);
    turn.keep(json);
    return c.json(json);
  }
  if (!res.body) throw new ApiError({ kind: "upstream", status: 502, message: "Copilot returned no stream" });
  const rewriter = customTools.size > 0 ? new CustomToolCallRewriter(customTools) : undefined;
  let terminal = false;
  let lastSequence = 0;
  const m = meta(c);
  const out = pumpEvents(
    res.body,
    {
      onEvent(ev: SseEvent) {
        // Copilot may end with an OpenAI-style [DONE] line, which Responses clients don't expect.
        if (ev.data === "[DONE]" || terminal) return [];
        const events = rewriter ? rewriter.rewrite(ev) : [ev];
        const frames: string[] = [];
        for (const e of events) {
          // Each event must be JSON: a garbled one ends the stream with an error event instead of
          // reaching the client (the pump turns the throw into onError).
          let data: { type?: string; sequence_number?: number; response?: { usage?: unknown; status?: unknown }; copilot_usage?: unknown };
          try {
            data = JSON.parse(e.data);
          } catch {
            throw new ApiError({ kind: "upstream", status: 502, message: `Copilot sent a stream event that is not JSON: ${e.data.slice(0, 120)}` });
          }
          if (!data || typeof data !== "object" || Array.isArray(data)) {
            throw new ApiError({ kind: "upstream", status: 502, message: `Copilot sent a stream event that is not a JSON object: ${e.data.slice(0, 120)}` });
          }
          const type = data.type ?? e.event;
          ids.event(data);
          if (data.response && typeof data.response === "object") turn.keep(data.response);
          if (type === "response.completed" || type === "response.incomplete" || type === "response.failed" || type === "error") {
            terminal = true;
            m.usage = withNanoAiu(decodeResponsesUsage(data.response?.usage), copilotUsageOf(data));
          }
          if (typeof data.sequence_number === "number") lastSequence = data.sequence_number;
          // Copilot's cost figure is kept for the ledger and taken out of what the client gets.
          delete data.copilot_usage;
          frames.push(formatSse(JSON.stringify(data), e.event ?? type));
        }
        return frames;
      },
      onEnd: () => (terminal ? [] : [encodeResponsesErrorFrame(midStreamError(new Error("Copilot ended the stream before response.completed")), lastSequence + 1)]),
      onError: (error) => (terminal ? [] : [encodeResponsesErrorFrame(midStreamError(error), lastSequence + 1)]),
    },
    { pingIntervalMs: PING_INTERVAL_MS, ping: () => ": ping\n\n" },
  );
  return new Response(out, { status: 200, headers: SSE_HEADERS });
}

async function translated(runtime: Runtime, c: Context, body: Record<string, unknown>, model: CopilotModel, endpoint: UpstreamEndpoint, initiator: "user" | "agent", turn: StoredTurn) {
  const req = isLargeBody(c) ? await decodeResponsesRequestInTurns(body) : decodeResponsesRequest(body);
  // The answer goes out under the turn's response id, and is kept once finished.
  const client: ClientCodec = {
    streamEncoder: (opts) =>
      new ResponsesStreamEncoder({ model: opts.model, inputTokensEstimate: opts.inputTokensEstimate, responseId: turn.responseId, onResponse: (r) => turn.keep(r) }),
    encodeAnswer: (answer, echo) => {
      const response = encodeResponsesResponse(answer, echo, { id: turn.responseId });
      turn.keep(response);
      return response;
    },
  };
  return runTranslated({
    runtime,
    c,
    req,
    model,
    upstream: upstreamCodec(endpoint),
    client,
    call: {
      intent: "responses-proxy",
      initiator,
      vision: hasImage(body.input),
      interactionId: interactionIdFrom(c.req.raw.headers),
    },
    echoModel: asText(body.model),
  });
}
