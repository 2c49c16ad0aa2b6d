import { blocksOf, type MessagesBody, type MessagesInterceptor } from "./types.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runToEnd, type Steps } from "../../tokens/work-steps.js";

/**
 * Claude Code puts `x-anthropic-billing-header: cc_version=…; cch=<nonce>;` in the first system
 * block. Copilot refuses it as a reserved keyword, and its per-request nonce would defeat prompt
 * caching anyway (known-failures U5, case 13), so the block is removed. Inline `role:"system"`
 * messages (Claude Code ≥ 2.1.153) are refused by Copilot too; their text is appended to the
 * system prompt (case 45).
 */
export const withSystemCleaned: MessagesInterceptor = Object.assign((body: MessagesBody) => runToEnd(steps(body)), { steps });

function* steps(body: MessagesBody): Steps<void> {
  let system: Record<string, unknown>[] =
    typeof body.system === "string" ? (body.system ? [{ type: "text", text: body.system }] : []) : blocksOf(body.system);
  system = system.filter((b) => !(typeof b.text === "string" && b.text.trimStart().startsWith("x-anthropic-billing-header")));

  if (Array.isArray(body.messages)) {
    const kept: unknown[] = [];
    for (const [i, message] of (body.messages as Record<string, unknown>[]).entries()) {
      if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
      if (message?.role !== "system") {
        kept.push(message);
        continue;
      }
      if (typeof message.content === "string") system.push({ type: "text", text: message.content });
      else for (const b of blocksOf(message.content)) if (b.type === "text") system.push({ type: "text", text: b.text });
    }
    body.messages = kept;
  }
  if (system.length > 0) body.system = system;
  else delete body.system;
}
