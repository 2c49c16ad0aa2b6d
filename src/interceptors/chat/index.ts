import type { CopilotModel } from "../../upstream/model-catalog.js";
import type { ChatBody, ChatInterceptor } from "./types.js";
import { withCleanContentParts } from "./with-clean-content-parts.js";
import { withMaxCompletionTokens } from "./with-max-completion-tokens.js";
import { withObjectToolArguments } from "./with-object-tool-arguments.js";
import { withPaddedToolSchemas } from "./with-padded-tool-schemas.js";
import { withSingleSamplingParam } from "./with-single-sampling-param.js";

/** What a chat-completions body goes through before Copilot sees it, in order. */
export const chatInterceptors: ChatInterceptor[] = [
  withMaxCompletionTokens,
  withSingleSamplingParam,
  withObjectToolArguments,
  withCleanContentParts,
  withPaddedToolSchemas,
];

export function interceptChat(body: ChatBody, model: CopilotModel): ChatBody {
  body.model = model.id;
  for (const interceptor of chatInterceptors) interceptor(body, model);
  return body;
}

export type { ChatBody, ChatMessage } from "./types.js";
