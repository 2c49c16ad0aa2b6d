import type { UpstreamItemIds } from "../../responses-state/upstream-item-ids.js";
import type { CopilotModel } from "../../upstream/model-catalog.js";

/** A Responses request body as Codex sends it; interceptors touch only what they own. */
// biome-ignore lint: the wire body is open-ended JSON
export type ResponsesBody = Record<string, any>;

/** What the interceptors learn about a body that the route needs for the answer. */
export interface ResponsesInterception {
  /** Custom tools sent upstream as function tools: their calls must become custom_tool_call items again. */
  customTools: Set<string>;
  /** Copilot's ids for the reasoning items we renamed (stable-item-ids.ts); none in unit tests. */
  upstreamIds?: UpstreamItemIds;
}

/**
 * A fix applied to a Responses body before Copilot's /responses sees it, in place. One concern per
 * file; each cites what Copilot rejects (copilot-upstream.md 6, known-failures U8/F1).
 */
export type ResponsesInterceptor = (body: ResponsesBody, model: CopilotModel, state: ResponsesInterception) => void;

export function objectsOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === "object" && !Array.isArray(v)) as Record<string, unknown>[]) : [];
}

/** The input items of a body (`input` may also be a plain string, which needs no fixing). */
export function inputItems(body: ResponsesBody): Record<string, unknown>[] {
  return objectsOf(body.input);
}
