import { blocksOf, type MessagesBody, type MessagesInterceptor } from "./types.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runToEnd, type Steps } from "../../tokens/work-steps.js";
import { asText } from "../../text.js";

/**
 * Every tool_use must be answered by exactly one tool_result in the next user message, and every
 * tool_result must answer a tool_use of the previous assistant message. An interrupted or refused
 * tool in Claude Code breaks this, and Copilot then 400s every later turn (known-failures T2/T3,
 * cases 5 and 6). Missing results are filled with an error result; stray or duplicate ones are
 * dropped. Results are put first in the user message, as Anthropic requires.
 */
export const withToolResultsPaired: MessagesInterceptor = Object.assign((body: MessagesBody) => runToEnd(steps(body)), { steps });

function* steps(body: MessagesBody): Steps<void> {
  if (!Array.isArray(body.messages)) return;
  const messages = body.messages as Record<string, unknown>[];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < messages.length; i++) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    const message = messages[i]!;
    const previous = out[out.length - 1];
    const calls =
      previous?.role === "assistant" ? blocksOf(previous.content).filter((b) => b.type === "tool_use").map((b) => asText(b.id)) : [];

    if (message.role === "user") {
      const blocks = typeof message.content === "string" ? [{ type: "text", text: message.content }] : blocksOf(message.content);
      const answered = new Set<string>();
      const results: Record<string, unknown>[] = [];
      const rest: Record<string, unknown>[] = [];
      for (const b of blocks) {
        if (b.type !== "tool_result") {
          rest.push(b);
          continue;
        }
        const id = asText(b.tool_use_id);
        if (!calls.includes(id) || answered.has(id)) continue;
        answered.add(id);
        results.push(b);
      }
      for (const id of calls) if (!answered.has(id)) results.push(interrupted(id));
      results.sort((a, b) => calls.indexOf(asText(a.tool_use_id)) - calls.indexOf(asText(b.tool_use_id)));
      const content = [...results, ...rest];
      if (content.length === 0) continue;
      out.push({ ...message, content: typeof message.content === "string" && results.length === 0 ? message.content : content });
      continue;
    }
    if (calls.length > 0) out.push({ role: "user", content: calls.map(interrupted) });
    out.push(message);
  }
  const last = out[out.length - 1];
  if (last?.role === "assistant" && blocksOf(last.content).some((b) => b.type === "tool_use")) {
    out.push({ role: "user", content: blocksOf(last.content).filter((b) => b.type === "tool_use").map((b) => interrupted(asText(b.id))) });
  }
  body.messages = out;
}

function interrupted(id: string) {
  return { type: "tool_result", tool_use_id: id, is_error: true, content: "The tool call was interrupted before it returned a result." };
}
