import type { ImagePart, Message, TextPart, ToolResultPart, UserPart } from "./request.js";

/**
 * Tool-call / tool-result pairing, done once on the IR for every upstream dialect.
 *
 * Copilot refuses a history in which a tool call has no result or a result has no call ("No tool
 * output found for function call", "tool_use ids were found without tool_result blocks"), and
 * clients send both: an interrupted turn leaves calls unanswered, a resumed or edited conversation
 * leaves results behind (known-failures T2/T3). Each encoder runs this pass first and then only maps
 * already-paired IR to its wire format.
 */

/** The text of the result synthesised for a call that never got one; it is an error result. */
export const INTERRUPTED_TOOL_RESULT = "Tool call was interrupted";

/** What a text-only result says when its only content was images, moved to the next message. */
export const IMAGES_IN_NEXT_MESSAGE = "The images are in the next message.";

type UserMessage = Extract<Message, { role: "user" }>;

export interface PairToolResultsOptions {
  /**
   * For targets whose tool results carry text only (chat's tool message, Responses'
   * function_call_output): each result's images go to a user message of their own after the
   * results, "Images returned by tool <id>:" followed by the images, and a result left without
   * text says IMAGES_IN_NEXT_MESSAGE. Anthropic's tool_result holds images: false.
   */
  moveImages: boolean;
}

/**
 * The history with every tool call answered exactly once:
 * - After an assistant message that calls tools comes one user message holding only tool results,
 *   one per call, in call order. A call without a result gets an interrupted error result
 *   (INTERRUPTED_TOOL_RESULT, isError); a second result for the same call, and a result whose call
 *   is not in that assistant message, are dropped. There are no tool results anywhere else.
 * - The results of an assistant message are gathered from the user messages that follow it, up to
 *   and including the first one that holds anything but tool results (an empty one too); the next
 *   assistant message, or the end of the history, stops the gathering as well. A result seen after
 *   that is a stray.
 * - System messages met while results were being gathered follow the results (chat wants its tool
 *   messages right after the assistant message); the rest of that user message follows them.
 * - A user message with nothing left to say once its results are taken out (no part but empty
 *   text) is dropped. The order of everything else is kept.
 *
 * Parts other than tool results are passed through as the same objects, and a message that loses
 * nothing is the same object: an encoder may key what it computed on the input by part.
 */
export function pairToolResults<M extends Message>(messages: readonly M[], options: PairToolResultsOptions): (M | UserMessage)[] {
  const out: (M | UserMessage)[] = [];
  let pending: { ids: string[]; results: Map<string, ToolResultPart>; held: M[] } | undefined;

  const settle = () => {
    if (!pending) return;
    const { ids, results, held } = pending;
    pending = undefined;
    const paired = ids.map((id) => results.get(id) ?? interrupted(id));
    if (!options.moveImages) {
      out.push({ role: "user", content: paired }, ...held);
      return;
    }
    const imageMessages: UserMessage[] = [];
    const textOnly = paired.map((result) => {
      const images = result.content.filter((p): p is ImagePart => p.type === "image");
      if (images.length === 0) return result;
      imageMessages.push({ role: "user", content: [{ type: "text", text: `Images returned by tool ${result.callId}:` }, ...images] });
      const texts = result.content.filter((p): p is TextPart => p.type === "text");
      const text = texts.map((p) => p.text).join("\n\n");
      return { ...result, content: text ? texts : [{ type: "text" as const, text: IMAGES_IN_NEXT_MESSAGE }] };
    });
    out.push({ role: "user", content: textOnly }, ...imageMessages, ...held);
  };

  for (const message of messages) {
    switch (message.role) {
      case "system":
        if (pending) pending.held.push(message);
        else out.push(message);
        break;
      case "assistant": {
        settle();
        out.push(message);
        const ids = message.content.flatMap((p) => (p.type === "tool-call" ? [p.id] : []));
        if (ids.length > 0) pending = { ids, results: new Map(), held: [] };
        break;
      }
      case "user": {
        const rest: UserPart[] = [];
        let hasResults = false;
        for (const part of message.content) {
          if (part.type !== "tool-result") {
            rest.push(part);
            continue;
          }
          hasResults = true;
          if (pending?.ids.includes(part.callId) && !pending.results.has(part.callId)) pending.results.set(part.callId, part);
        }
        const says = rest.some((p) => p.type !== "text" || p.text !== "");
        // A result-only message leaves the gathering open; anything else (even an empty message) closes it.
        if (pending && (says || !hasResults)) settle();
        if (says) out.push(hasResults ? { role: "user", content: rest } : message);
        break;
      }
      default:
        // Not valid IR: passed on for the encoder to refuse.
        out.push(message);
    }
  }
  settle();
  return out;
}

function interrupted(callId: string): ToolResultPart {
  return { type: "tool-result", callId, content: [{ type: "text", text: INTERRUPTED_TOOL_RESULT }], isError: true };
}

/**
 * A tool result as a text-only channel carries it (chat's tool message, Responses'
 * function_call_output): its text parts joined by blank lines and, as neither has an error flag,
 * an error result that doesn't already say so is marked "Error: ".
 */
export function toolResultText(result: ToolResultPart): string {
  let text = result.content
    .filter((p): p is TextPart => p.type === "text")
    .map((p) => p.text)
    .join("\n\n");
  if (result.isError && !/^\s*error\b/i.test(text)) text = text ? `Error: ${text}` : "Error";
  return text;
}
