import { badRequest } from "../../errors.js";
import { blocksOf, type MessagesBody, type MessagesInterceptor } from "./types.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runToEnd, type Steps } from "../../tokens/work-steps.js";
import type { CopilotModel } from "../../upstream/model-catalog.js";

/**
 * Thinking settings and history as each Claude model on Copilot accepts them:
 * - `adaptive` only where the model advertises adaptive_thinking; elsewhere `enabled` with a
 *   budget clamped to [1024, max_tokens − 1] (VS Code's rule, copilot-upstream.md 7).
 * - `enabled` on a model that is adaptive-only becomes adaptive.
 * - A forced tool_choice with thinking is rejected upstream: it becomes auto (known-failures T15).
 * - History thinking blocks that are empty or signature-only are refused ("each thinking block
 *   must contain thinking", T12) and are dropped; so are blocks whose signature was not issued by
 *   Anthropic (the `cpk:` prefix marks state carried from another dialect, T11).
 * - output_config.effort is clamped to what the model lists in supports.reasoning_effort.
 */
export const withThinkingFitted: MessagesInterceptor = Object.assign((body: MessagesBody, model: CopilotModel) => runToEnd(steps(body, model)), { steps });

function* steps(body: MessagesBody, model: CopilotModel): Steps<void> {
  const supports = model.capabilities?.supports ?? {};
  const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
  const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : undefined;

  if (thinking && typeof thinking === "object") {
    const budget = thinking.budget_tokens;
    if (budget !== undefined && (typeof budget !== "number" || !Number.isFinite(budget))) {
      throw badRequest("`thinking.budget_tokens` must be a number", "thinking.budget_tokens");
    }
    if (thinking.type === "adaptive" && !supports.adaptive_thinking) {
      if (supports.thinking === false || !maxTokens || maxTokens <= 1024) delete body.thinking;
      else body.thinking = { type: "enabled", budget_tokens: clampBudget(Math.min(maxTokens - 1, 32_000), maxTokens, supports) };
    } else if (thinking.type === "enabled") {
      if (supports.adaptive_thinking && !supports.max_thinking_budget) body.thinking = { type: "adaptive" };
      else if (maxTokens) {
        const budget = clampBudget(thinking.budget_tokens ?? 1024, maxTokens, supports);
        if (budget < 1024) delete body.thinking;
        else body.thinking = { type: "enabled", budget_tokens: budget };
      }
    }
    const active = body.thinking && (body.thinking as { type?: string }).type !== "disabled";
    const choice = body.tool_choice as { type?: string } | undefined;
    if (active && choice && (choice.type === "any" || choice.type === "tool")) body.tool_choice = { type: "auto" };
  }

  const effort = (body.output_config as { effort?: string } | undefined)?.effort;
  if (effort) {
    const allowed = supports.reasoning_effort;
    const list = Array.isArray(allowed) ? allowed : typeof allowed === "string" ? [allowed] : undefined;
    if (!list || list.length === 0) delete body.output_config;
    else if (!list.includes(effort)) body.output_config = { ...body.output_config, effort: closestEffort(effort, list) };
  }

  for (const [i, message] of blocksOf(body.messages).entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    if (message.role !== "assistant" || !Array.isArray(message.content)) continue;
    message.content = blocksOf(message.content).filter((b) => {
      if (b.type === "thinking") {
        const sig = typeof b.signature === "string" ? b.signature : "";
        return typeof b.thinking === "string" && b.thinking.length > 0 && sig.length > 0 && !sig.startsWith("cpk:");
      }
      if (b.type === "redacted_thinking") return typeof b.data === "string" && !b.data.startsWith("cpk:");
      return true;
    });
  }
}

function clampBudget(budget: number, maxTokens: number, supports: { min_thinking_budget?: number; max_thinking_budget?: number }): number {
  const min = Math.max(1024, supports.min_thinking_budget ?? 1024);
  const max = Math.min(maxTokens - 1, supports.max_thinking_budget ?? 32_000);
  return Math.max(min, Math.min(budget, max));
}

const ORDER = ["minimal", "low", "medium", "high", "xhigh", "max"];

/** The supported effort nearest to the one asked for, preferring the higher on a tie. */
export function closestEffort(wanted: string, supported: string[]): string {
  const w = ORDER.indexOf(wanted);
  let best = supported[0] ?? "medium";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const s of supported) {
    const d = Math.abs(ORDER.indexOf(s) - w);
    if (d < bestDistance || (d === bestDistance && ORDER.indexOf(s) > ORDER.indexOf(best))) {
      best = s;
      bestDistance = d;
    }
  }
  return best;
}
