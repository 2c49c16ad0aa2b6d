import type { ChatInterceptor } from "./types.js";

/**
 * OpenAI models on Copilot take `max_completion_tokens`; GPT-5.x rejects `max_tokens` with
 * "Unsupported parameter: 'max_tokens' is not supported with this model" (known-failures T20).
 * Other vendors keep `max_tokens`. [U] Copilot does not advertise which parameter a model wants,
 * so the vendor decides: every current OpenAI model accepts max_completion_tokens.
 */
export const withMaxCompletionTokens: ChatInterceptor = (body, model) => {
  if (!/openai/i.test(model.vendor ?? "")) return;
  if (body.max_tokens != null && body.max_completion_tokens == null) body.max_completion_tokens = body.max_tokens;
  delete body.max_tokens;
};
