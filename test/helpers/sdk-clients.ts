import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { Harness } from "./harness.js";

/** The official OpenAI SDK pointed at copilot-api: no retries (a failure shows at once), 10 s per call. */
export function openaiFor(h: Harness, apiKey = "x"): OpenAI {
  return new OpenAI({ baseURL: `${h.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
}

/** The official Anthropic SDK pointed at copilot-api, as openaiFor. */
export function anthropicFor(h: Harness, apiKey = "x"): Anthropic {
  return new Anthropic({ baseURL: h.url, apiKey, maxRetries: 0, timeout: 10_000 });
}

/** One model for each Copilot endpoint: the SDK tests run every case through all three. */
export const MODEL_PER_ENDPOINT = [
  ["gpt-5.4", "/responses"],
  ["claude-sonnet-4.5", "/v1/messages"],
  ["gpt-4.1", "/chat/completions"],
] as const;
