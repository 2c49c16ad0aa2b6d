import type { UpstreamItemIds } from "../../responses-state/upstream-item-ids.js";
import type { CopilotModel } from "../../upstream/model-catalog.js";
import type { ResponsesBody, ResponsesInterception, ResponsesInterceptor } from "./types.js";
import { withCustomToolsAsFunctions } from "./with-custom-tools-as-functions.js";
import { withHostedToolsRefused } from "./with-hosted-tools-refused.js";
import { withImageDetail } from "./with-image-detail.js";
import { withNoTopP } from "./with-no-top-p.js";
import { withObjectToolArguments } from "./with-object-tool-arguments.js";
import { withOutputTokenCap } from "./with-output-token-cap.js";
import { withPaddedToolSchemas } from "./with-padded-tool-schemas.js";
import { withReasoningState } from "./with-reasoning-state.js";
import { withStatelessInput } from "./with-stateless-input.js";
import { withUpstreamItemIds } from "./with-upstream-item-ids.js";
import { withTextToolOutputs } from "./with-text-tool-outputs.js";

/**
 * What a pass-through Responses body (Codex on a model Copilot serves on /responses) goes through
 * before Copilot sees it, in order. Refusals first, so a doomed request fails before anything is
 * rewritten; custom tools before the fixes that read function calls and tools; tool outputs before
 * image details, as images move out of outputs into a user message.
 */
export const responsesInterceptors: ResponsesInterceptor[] = [
  withStatelessInput,
  withUpstreamItemIds,
  withHostedToolsRefused,
  withCustomToolsAsFunctions,
  withPaddedToolSchemas,
  withReasoningState,
  withObjectToolArguments,
  withTextToolOutputs,
  withImageDetail,
  withOutputTokenCap,
  withNoTopP,
];

export interface InterceptedResponses extends ResponsesInterception {
  body: ResponsesBody;
}

/**
 * Fixes `body` in place for Copilot's /responses and sets `model` to the Copilot id. Returns the
 * body and the custom tools that went upstream as function tools: when there are any, run the
 * answer's events through `new CustomToolCallRewriter(customTools)`.
 */
export function interceptResponses(body: ResponsesBody, model: CopilotModel, upstreamIds?: UpstreamItemIds): InterceptedResponses {
  body.model = model.id;
  const state: ResponsesInterception = { customTools: new Set(), upstreamIds };
  for (const interceptor of responsesInterceptors) interceptor(body, model, state);
  return { body, customTools: state.customTools };
}

/**
 * interceptResponses with a turn of the event loop after each interceptor, for a large body: each
 * walks every input item, and on 300,000 of them the whole list held the loop for ~0.15 s.
 */
export async function interceptResponsesInTurns(body: ResponsesBody, model: CopilotModel, upstreamIds: UpstreamItemIds | undefined, turn: () => Promise<void>): Promise<InterceptedResponses> {
  body.model = model.id;
  const state: ResponsesInterception = { customTools: new Set(), upstreamIds };
  for (const interceptor of responsesInterceptors) {
    interceptor(body, model, state);
    await turn();
  }
  return { body, customTools: state.customTools };
}

export { StableItemIds } from "./stable-item-ids.js";
export { CustomToolCallRewriter, restoreCustomToolCalls, type SseEventLike } from "./custom-tool-call-rewriter.js";
export type { ResponsesBody, ResponsesInterception } from "./types.js";
