import { capOutputTokens } from "../../dialects/openai-responses/encode-request.js";
import type { ResponsesInterceptor } from "./types.js";

/**
 * `max_output_tokens` within what Copilot allows the model (capabilities.limits.max_output_tokens,
 * copilot-upstream.md 4) and not below OpenAI's floor of 16; a value that isn't a number is dropped
 * rather than relayed into a 400.
 */
export const withOutputTokenCap: ResponsesInterceptor = (body, model) => {
  if (body.max_output_tokens == null) return;
  if (typeof body.max_output_tokens !== "number" || !Number.isFinite(body.max_output_tokens)) {
    delete body.max_output_tokens;
    return;
  }
  body.max_output_tokens = capOutputTokens(Math.floor(body.max_output_tokens), model);
};
