import type { Answer } from "../ir/accumulate.js";
import type { Request } from "../ir/request.js";
import type { StreamPart } from "../ir/stream.js";
import { ApiError, midStreamError } from "../errors.js";
import { AnthropicStreamDecoder, anthropicDecoderOptions } from "../dialects/anthropic/decode-stream.js";
import { encodeAnthropicRequest, encodeAnthropicRequestInTurns } from "../dialects/anthropic/encode-request.js";
import { AnthropicStreamEncoder } from "../dialects/anthropic/encode-stream.js";
import { encodeAnthropicMessage } from "../dialects/anthropic/encode-message.js";
import { ChatStreamDecoder } from "../dialects/openai-chat/decode-stream.js";
import { encodeChatRequest, encodeChatRequestInTurns } from "../dialects/openai-chat/encode-request.js";
import type { SseEvent } from "../sse/sse-decoder.js";
import { ResponsesStreamDecoder, responsesDecoderOptions } from "../dialects/openai-responses/decode-stream.js";
import { encodeResponsesRequest, encodeResponsesRequestInTurns } from "../dialects/openai-responses/encode-request.js";
import { ResponsesStreamEncoder } from "../dialects/openai-responses/encode-stream.js";
import { encodeResponsesResponse } from "../dialects/openai-responses/encode-response.js";
import { randomUUID } from "node:crypto";
import { ChatStreamEncoder } from "../dialects/openai-chat/encode-stream.js";
import { encodeChatCompletion } from "../dialects/openai-chat/encode-completion.js";
import type { CopilotModel, UpstreamEndpoint } from "../upstream/model-catalog.js";
import { GeminiStreamEncoder } from "../dialects/gemini/encode-stream.js";
import { encodeGeminiAnswer } from "../dialects/gemini/encode-answer.js";
import { OllamaStreamEncoder } from "../dialects/ollama/encode-stream.js";
import { encodeOllamaAnswer } from "../dialects/ollama/encode-answer.js";
import { SSE_HEADERS } from "../sse/sse-encoder.js";

/** Decodes one upstream stream into IR parts, event by event. */
export interface StreamDecoder {
  push(event: SseEvent): StreamPart[];
  end(): StreamPart[];
}

/**
 * What the bridge needs of an upstream dialect: encode a request, decode its stream. Copilot is
 * always asked to stream on translated paths (run-translated.ts), so no whole-answer decoder is
 * needed here.
 */
export interface UpstreamCodec {
  path: UpstreamEndpoint;
  encode(req: Request, model: CopilotModel): Record<string, unknown>;
  /** The same with turns of the event loop between passes over the messages, for a large request. */
  encodeInTurns?(req: Request, model: CopilotModel): Promise<Record<string, unknown>>;
  streamDecoder(req: Request): StreamDecoder;
}

/** Encodes IR parts for one client stream. */
export interface StreamEncoder {
  encode(part: StreamPart): string[];
  /** A keep-alive frame; none for formats that have no harmless one (Ollama's NDJSON). */
  ping?(): string;
  readonly finished: boolean;
}

export interface StreamEncoderOptions {
  model: string;
  inputTokensEstimate?: number;
  /** Chat clients: `stream_options.include_usage` was asked for. */
  includeUsage?: boolean;
}

/** What the bridge needs of a client dialect: a stream encoder and a whole-answer encoder. */
export interface ClientCodec {
  streamEncoder(opts: StreamEncoderOptions): StreamEncoder;
  /** Headers of a streamed answer; SSE when unset. */
  streamHeaders?: Record<string, string>;
  encodeAnswer(answer: Answer, model: string): unknown;
}

function customToolNames(req: Request): string[] {
  return req.tools.filter((t) => t.type === "custom").map((t) => t.name);
}

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ApiError({ kind: "upstream", status: 502, message: `Copilot sent a stream event that is not JSON: ${data.slice(0, 120)}` });
  }
}

export const chatUpstream: UpstreamCodec = {
  path: "/chat/completions",
  // Copilot always streams for us (see run-translated.ts), with the usage chunk asked for.
  encode: (req, model) => ({ ...encodeChatRequest(req, model), stream: true, stream_options: { include_usage: true } }),
  encodeInTurns: async (req, model) => ({ ...(await encodeChatRequestInTurns(req, model)), stream: true, stream_options: { include_usage: true } }),
  streamDecoder(req) {
    const decoder = new ChatStreamDecoder({ customTools: customToolNames(req) });
    let done = false;
    return {
      push: (ev) => {
        if (ev.data !== "[DONE]") return decoder.push(parseData(ev.data));
        done = true;
        return decoder.push("[DONE]");
      },
      end: () => {
        const parts = decoder.end();
        // The body ended with neither [DONE] nor a finish_reason: cut short, not finished (known-failures N4).
        const cut = done ? -1 : parts.findIndex((p) => p.type === "finish" && p.raw === undefined);
        if (cut >= 0) parts.splice(cut, 1, { type: "error", error: midStreamError(new Error("Copilot ended the stream before it finished")) });
        return parts;
      },
    };
  },
};

export const messagesUpstream: UpstreamCodec = {
  path: "/v1/messages",
  encode: (req, model) => ({ ...encodeAnthropicRequest(req, { model }) }),
  encodeInTurns: async (req, model) => ({ ...(await encodeAnthropicRequestInTurns(req, { model })) }),
  // Custom tools went up as tools taking {"input": raw}: their calls are unwrapped back to raw text.
  streamDecoder(req) {
    const decoder = new AnthropicStreamDecoder(anthropicDecoderOptions(req));
    return { push: (ev) => decoder.push(ev), end: () => decoder.end() };
  },
};

export const anthropicClient: ClientCodec = {
  streamEncoder: (opts) => new AnthropicStreamEncoder(opts),
  encodeAnswer: (answer, model) => encodeAnthropicMessage(answer, model),
};

/** Chat clients; the encoder ends after finish or error. Pings are SSE comments, which clients ignore. */
export const chatClient: ClientCodec = {
  streamEncoder(opts) {
    const encoder = new ChatStreamEncoder({
      id: `chatcmpl-${randomUUID().replace(/-/g, "")}`,
      model: opts.model,
      created: Math.floor(Date.now() / 1000),
      includeUsage: opts.includeUsage,
    });
    let finished = false;
    return {
      encode(part) {
        if (part.type === "finish" || part.type === "error") finished = true;
        return encoder.encode(part);
      },
      ping: () => ": ping\n\n",
      get finished() {
        return finished;
      },
    };
  },
  encodeAnswer: (answer, model) => encodeChatCompletion(answer, model),
};

export const responsesUpstream: UpstreamCodec = {
  path: "/responses",
  encode: (req, model) => ({ ...encodeResponsesRequest(req, model) }),
  encodeInTurns: async (req, model) => ({ ...(await encodeResponsesRequestInTurns(req, model)) }),
  streamDecoder(req) {
    const decoder = new ResponsesStreamDecoder(responsesDecoderOptions(req));
    return { push: (ev) => decoder.push(ev), end: () => decoder.end() };
  },
};

export const responsesClient: ClientCodec = {
  streamEncoder: (opts) => new ResponsesStreamEncoder({ model: opts.model, inputTokensEstimate: opts.inputTokensEstimate }),
  encodeAnswer: (answer, model) => encodeResponsesResponse(answer, model),
};

export function upstreamCodec(endpoint: UpstreamEndpoint): UpstreamCodec {
  switch (endpoint) {
    case "/chat/completions":
      return chatUpstream;
    case "/v1/messages":
      return messagesUpstream;
    case "/responses":
      return responsesUpstream;
    case "/embeddings":
      throw new ApiError({ kind: "invalid_request", status: 400, message: `No translation to ${endpoint} yet` });
  }
}

/** Gemini clients: per request, as `?alt=sse` and `includeThoughts` shape the answer. */
export function geminiClient(opts: { includeThoughts: boolean; form: "sse" | "array" }): ClientCodec {
  const responseId = randomUUID().replace(/-/g, "").slice(0, 24);
  return {
    streamEncoder: (s) => new GeminiStreamEncoder({ model: s.model, responseId, ...opts }),
    encodeAnswer: (answer, model) => encodeGeminiAnswer(answer, model, { includeThoughts: opts.includeThoughts, responseId }),
    // Without alt=sse Google streams one JSON array.
    streamHeaders: opts.form === "sse" ? undefined : { ...SSE_HEADERS, "content-type": "application/json; charset=utf-8" },
  };
}

/** Ollama clients: NDJSON, and no pings (an empty line is not JSON to them). */
export function ollamaClient(opts: { form: "chat" | "generate"; think: boolean }): ClientCodec {
  const startedAt = performance.now();
  return {
    streamEncoder: (s) => new OllamaStreamEncoder({ model: s.model, startedAt, ...opts }),
    encodeAnswer: (answer, model) => encodeOllamaAnswer(answer, { model, startedAt, ...opts }),
    streamHeaders: { ...SSE_HEADERS, "content-type": "application/x-ndjson" },
  };
}
