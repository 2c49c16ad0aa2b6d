import type { CopilotModel } from "../../upstream/model-catalog.js";
import type { Steps } from "../../tokens/work-steps.js";

/** An Anthropic Messages body as it arrives; interceptors only touch what they own. */
// biome-ignore lint: the wire body is open-ended JSON
export type MessagesBody = Record<string, any>;

/**
 * A fix applied to a native /v1/messages body before Copilot sees it, in place. One concern per
 * file; each cites what Copilot rejects (copilot-upstream.md 7, known-failures T22, U5). One that walks
 * every message also has `steps`, the same work pausing every ITEMS_PER_SLICE messages, so that a
 * large body never holds the event loop for the whole walk.
 */
export type MessagesInterceptor = ((body: MessagesBody, model: CopilotModel) => void) & { steps?: (body: MessagesBody, model: CopilotModel) => Steps<void> };

export function blocksOf(content: unknown): Record<string, unknown>[] {
  return Array.isArray(content) ? (content.filter((b) => b && typeof b === "object") as Record<string, unknown>[]) : [];
}
