import { encodeAnthropicRequest } from "../dialects/anthropic/encode-request.js";
import { encodeChatRequest } from "../dialects/openai-chat/encode-request.js";
import type { Request } from "../ir/request.js";
import type { CopilotModel } from "../upstream/model-catalog.js";
import { countAnthropicTokens, countAnthropicTokensAsync, countOpenAIChatTokens, countOpenAIChatTokensAsync } from "./count-tokens.js";

/**
 * Estimated prompt tokens of an IR request (the dialects that decode to IR: Gemini, Ollama), by
 * the same local counters as /v1/messages/count_tokens: the request is encoded as Copilot would get
 * it (Anthropic's shape for Claude, chat's for the others) and that body counted.
 */
export function countRequestTokens(req: Request, model: CopilotModel): number {
  if (isClaude(model)) return countAnthropicTokens(encodeAnthropicRequest(req, { model }), model);
  return countOpenAIChatTokens(encodeChatRequest(req, model), model);
}

/** The same, counted in slices that let other requests run (what routes use). */
export function countRequestTokensAsync(req: Request, model: CopilotModel, signal?: AbortSignal): Promise<number> {
  if (isClaude(model)) return countAnthropicTokensAsync(encodeAnthropicRequest(req, { model }), model, signal);
  return countOpenAIChatTokensAsync(encodeChatRequest(req, model), model, signal);
}

const isClaude = (model: CopilotModel) => /anthropic/i.test(model.vendor ?? "");
