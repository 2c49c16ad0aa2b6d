import { ApiError } from "../../errors.js";
import type { SseEvent } from "../../sse/sse-decoder.js";
import type { EventHandlers } from "../../sse/event-pump.js";
import { formatSse } from "../../sse/sse-encoder.js";
import { encodeAnthropicError } from "./encode-error.js";
import { decodeAnthropicUsage } from "./convert-usage.js";
import type { Usage } from "../../ir/stream.js";
import { copilotUsageOf } from "../../cost/decode-copilot-usage.js";

/**
 * Copilot's native /v1/messages stream, made into a standard Anthropic stream (copilot-upstream.md 7,
 * known-failures T22/T27):
 * - the trailing OpenAI-style `data: [DONE]` is dropped;
 * - Copilot-only fields (copilot_usage, copilot_annotations, amazon-bedrock-invocationMetrics,
 *   stop_details) are removed; only the events that can carry them are parsed;
 * - every event gets its `event:` line (the SDK skips events without one);
 * - a stream that ends without message_stop, or fails, ends with an `error` event.
 * Everything else passes byte-for-byte.
 */
const PARSED = new Set(["message_delta", "message_stop"]);

export function nativeStreamHandlers(toError: (error: unknown) => ApiError, onUsage?: (usage: Usage) => void): EventHandlers {
  let stopped = false;
  let failed = false;
  return {
    onEvent(ev: SseEvent): string[] {
      if (ev.data === "[DONE]" || stopped || failed) return [];
      let name = ev.event;
      let data = ev.data;
      const mustParse = !name || name === "message" || PARSED.has(name) || data.includes('"copilot_');
      if (onUsage && name === "message_start") {
        try {
          onUsage(decodeAnthropicUsage((JSON.parse(data) as { message?: { usage?: unknown } }).message?.usage));
        } catch {
          // not JSON: passed on as is below
        }
      }
      if (!mustParse) {
        // Passed byte-for-byte, but never garbled: an event that is not JSON ends the stream.
        try {
          JSON.parse(data);
        } catch {
          failed = true;
          return [errorFrame(toError(notJson(data)))];
        }
      } else {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(data) as Record<string, unknown>;
        } catch {
          failed = true;
          return [errorFrame(toError(notJson(data)))];
        }
        name = typeof parsed.type === "string" ? parsed.type : name;
        // Copilot's own cost figure is read before it is stripped: Anthropic clients never see it.
        const nanoAiu = onUsage ? copilotUsageOf(parsed) : undefined;
        stripCopilotFields(parsed);
        if (onUsage && (name === "message_delta" || nanoAiu !== undefined)) {
          const usage = name === "message_delta" ? decodeAnthropicUsage(parsed.usage) : {};
          onUsage(nanoAiu === undefined ? usage : { ...usage, nanoAiu });
        }
        data = JSON.stringify(parsed);
      }
      if (name === "message_stop") stopped = true;
      if (name === "error") failed = true;
      return [formatSse(data, name)];
    },
    onEnd(): string[] {
      if (stopped || failed) return [];
      failed = true;
      return [errorFrame(toError(new Error("Copilot ended the stream before message_stop")))];
    },
    onError(error: unknown): string[] {
      if (stopped || failed) return [];
      failed = true;
      return [errorFrame(toError(error))];
    },
  };
}

function notJson(data: string): ApiError {
  return new ApiError({ kind: "upstream", status: 502, message: `Copilot sent a stream event that is not JSON: ${data.slice(0, 120)}` });
}

export function errorFrame(error: ApiError): string {
  return formatSse(JSON.stringify(encodeAnthropicError(error)), "error");
}

export function stripCopilotFields(obj: Record<string, unknown>): void {
  delete obj.copilot_usage;
  delete obj.copilot_annotations;
  delete obj["amazon-bedrock-invocationMetrics"];
  const delta = obj.delta as Record<string, unknown> | undefined;
  if (delta && typeof delta === "object") {
    delete delta.copilot_annotations;
    delete delta.stop_details;
  }
  delete obj.stop_details;
  const message = obj.message as Record<string, unknown> | undefined;
  if (message && typeof message === "object") {
    delete message.copilot_usage;
    delete message.stop_details;
    delete message.context_management;
  }
  delete obj.context_management;
}
