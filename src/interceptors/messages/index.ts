import type { CopilotModel } from "../../upstream/model-catalog.js";
import type { MessagesBody, MessagesInterceptor } from "./types.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";
import { withAllowedFields } from "./with-allowed-fields.js";
import { withCacheControlCleaned } from "./with-cache-control-cleaned.js";
import { withNoPrefill } from "./with-no-prefill.js";
import { withSingleSamplingParam } from "./with-single-sampling-param.js";
import { withSystemCleaned } from "./with-system-cleaned.js";
import { withThinkingFitted } from "./with-thinking-fitted.js";
import { withToolResultsPaired } from "./with-tool-results-paired.js";
import { withToolsCleaned } from "./with-tools-cleaned.js";

/** What a native /v1/messages body goes through before Copilot sees it, in order. */
export const messagesInterceptors: MessagesInterceptor[] = [
  withAllowedFields,
  withSystemCleaned,
  withToolsCleaned,
  withToolResultsPaired,
  withNoPrefill,
  withCacheControlCleaned,
  withSingleSamplingParam,
  withThinkingFitted,
];

export function interceptMessages(body: MessagesBody, model: CopilotModel): MessagesBody {
  return runToEnd(interceptSteps(body, model));
}

/** interceptMessages for a large body: the event loop gets a turn after each interceptor and every ITEMS_PER_SLICE messages of a walk. */
export function interceptMessagesInTurns(body: MessagesBody, model: CopilotModel): Promise<MessagesBody> {
  return runSliced(interceptSteps(body, model));
}

function* interceptSteps(body: MessagesBody, model: CopilotModel): Steps<MessagesBody> {
  body.model = model.id;
  for (const interceptor of messagesInterceptors) {
    if (interceptor.steps) yield* interceptor.steps(body, model);
    else interceptor(body, model);
    yield;
  }
  return body;
}

/**
 * anthropic-beta values Copilot's native endpoint is known to take; VS Code's own pass-through
 * filters client betas to these prefixes (copilot-upstream.md 7). 1M context is chosen through the
 * model id (`-1m`), not the beta.
 */
const BETA_PREFIXES = ["interleaved-thinking-", "context-management-", "advanced-tool-use-"];

export function filterBetas(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(",")
    .map((b) => b.trim())
    .filter((b) => BETA_PREFIXES.some((p) => b.startsWith(p)));
  return kept.length > 0 ? kept.join(",") : undefined;
}

export type { MessagesBody } from "./types.js";
