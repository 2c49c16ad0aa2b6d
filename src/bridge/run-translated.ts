import type { Context } from "hono";
import { ApiError, midStreamError } from "../errors.js";
import { AnswerAccumulator } from "../ir/accumulate.js";
import type { Request } from "../ir/request.js";
import type { StreamPart } from "../ir/stream.js";
import type { Runtime } from "../runtime.js";
import { pumpEvents } from "../sse/event-pump.js";
import { SseParser } from "../sse/sse-decoder.js";
import { SSE_HEADERS } from "../sse/sse-encoder.js";
import type { CallContext } from "../upstream/headers.js";
import type { CopilotModel } from "../upstream/model-catalog.js";
import type { ClientCodec, UpstreamCodec } from "./codecs.js";
import { meta } from "../observability/request-meta.js";
import { imageInlining, inlineRequestImages } from "../images/index.js";
import { isLargeBody, turnIfLarge } from "../http/request.js";

export const PING_INTERVAL_MS = 10_000;

export interface TranslatedCall {
  runtime: Runtime;
  c: Context;
  req: Request;
  model: CopilotModel;
  upstream: UpstreamCodec;
  client: ClientCodec;
  call: CallContext;
  /** The model name to echo to the client (what it asked for). */
  echoModel: string;
  inputTokensEstimate?: number;
  includeUsage?: boolean;
}

/**
 * Runs a request whose client dialect differs from the upstream's: IR → upstream body, upstream
 * stream → IR parts → client frames, as they arrive. Copilot is always asked to stream; a client
 * that asked for a whole answer gets the same parts folded into one message, so both paths share
 * the decoders and the encoders.
 */
export async function runTranslated(t: TranslatedCall): Promise<Response> {
  const { runtime, c, req, model, upstream, client } = t;
  // Copilot takes no image URLs: they are downloaded and carried inline (src/images/).
  await inlineRequestImages(req, () => imageInlining(runtime, model, c.req.raw.signal));
  await turnIfLarge(c);
  const encoded = isLargeBody(c) && upstream.encodeInTurns ? await upstream.encodeInTurns(req, model) : upstream.encode(req, model);
  const body = { ...encoded, stream: true };
  await turnIfLarge(c);
  meta(c).interaction = t.call.interactionType ?? t.call.intent;
  const res = await runtime.copilot.request({ path: upstream.path, body, ...t.call, signal: c.req.raw.signal, sliced: isLargeBody(c) });
  if (!res.body) throw new ApiError({ kind: "upstream", status: 502, message: "Copilot returned no body" });
  const decoder = upstream.streamDecoder(req);

  if (!req.stream) {
    const acc = new AnswerAccumulator();
    const parser = new SseParser();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        const events = done ? parser.end() : parser.push(value);
        for (const ev of events) for (const p of decoder.push(ev)) acc.push(p);
        if (done) break;
      }
      for (const p of decoder.end()) acc.push(p);
    } catch (error) {
      throw error instanceof ApiError ? error : midStreamError(error);
    }
    if (acc.error) throw acc.error;
    meta(c).usage = acc.result().usage;
    if (!acc.finished) throw new ApiError({ kind: "upstream", status: 502, message: "Copilot ended the answer before it finished" });
    return c.json(client.encodeAnswer(acc.result(), t.echoModel) as object);
  }

  const encoder = client.streamEncoder({ model: t.echoModel, inputTokensEstimate: t.inputTokensEstimate, includeUsage: t.includeUsage });
  const m = meta(c);
  const encode = (parts: StreamPart[]) =>
    parts.flatMap((p) => {
      if (p.type === "finish" || p.type === "usage") m.usage = { ...m.usage, ...p.usage };
      return encoder.encode(p);
    });
  const out = pumpEvents(
    res.body,
    {
      onEvent: (ev) => encode(decoder.push(ev)),
      onEnd: () => {
        const frames = encode(decoder.end());
        if (!encoder.finished) frames.push(...encoder.encode({ type: "error", error: midStreamError(new Error("Copilot ended the stream early")) }));
        return frames;
      },
      onError: (error) => encoder.encode({ type: "error", error: midStreamError(error) }),
    },
    encoder.ping ? { pingIntervalMs: PING_INTERVAL_MS, ping: () => encoder.ping!() } : {},
  );
  return new Response(out, { status: 200, headers: client.streamHeaders ?? SSE_HEADERS });
}
