import { blocksOf, type MessagesBody, type MessagesInterceptor } from "./types.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runToEnd, type Steps } from "../../tokens/work-steps.js";

/**
 * cache_control as Copilot accepts it: `{type, ttl?}` only (Claude Code adds `scope`: "Extra inputs
 * are not permitted"), never inside tool_result.content ("place it directly on tool_result"), and
 * at most 4 breakpoints, as Anthropic allows (known-failures T22, case 12).
 */
const MAX_BREAKPOINTS = 4;

export const withCacheControlCleaned: MessagesInterceptor = Object.assign((body: MessagesBody) => runToEnd(steps(body)), { steps });

function* steps(body: MessagesBody): Steps<void> {
  const marked: Record<string, unknown>[] = [];
  const clean = (block: Record<string, unknown>) => {
    const cc = block.cache_control as Record<string, unknown> | undefined;
    if (!cc || typeof cc !== "object") {
      if ("cache_control" in block) delete block.cache_control;
      return;
    }
    block.cache_control = cc.ttl ? { type: "ephemeral", ttl: cc.ttl } : { type: "ephemeral" };
    marked.push(block);
  };

  for (const tool of blocksOf(body.tools)) clean(tool);
  for (const block of blocksOf(body.system)) clean(block);
  for (const [i, message] of blocksOf(body.messages).entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    for (const block of blocksOf(message.content)) {
      clean(block);
      if (block.type !== "tool_result") continue;
      let nested = false;
      for (const inner of blocksOf(block.content)) {
        if ("cache_control" in inner) {
          delete inner.cache_control;
          nested = true;
        }
      }
      if (nested && !block.cache_control) {
        block.cache_control = { type: "ephemeral" };
        marked.push(block);
      }
    }
  }
  // Keep the last breakpoints: they cover the longest prefix.
  for (const block of marked.slice(0, Math.max(0, marked.length - MAX_BREAKPOINTS))) delete block.cache_control;
}
