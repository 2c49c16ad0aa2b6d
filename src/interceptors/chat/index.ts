import type { CopilotModel } from "../../upstream/model-catalog.js";
import type { ChatBody, ChatInterceptor } from "./types.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";
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
  return runToEnd(interceptSteps(body, model));
}

/** interceptChat for a large body: the event loop gets a turn after each interceptor and every ITEMS_PER_SLICE messages of a walk. */
export function interceptChatInTurns(body: ChatBody, model: CopilotModel): Promise<ChatBody> {
  return runSliced(interceptSteps(body, model));
}

function* interceptSteps(body: ChatBody, model: CopilotModel): Steps<ChatBody> {
  body.model = model.id;
  for (const interceptor of chatInterceptors) {
    if (interceptor.steps) yield* interceptor.steps(body, model);
    else interceptor(body, model);
    yield;
  }
  return body;
}

export type { ChatBody, ChatMessage } from "./types.js";
