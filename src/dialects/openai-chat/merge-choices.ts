/**
 * Copilot's Claude models on /chat/completions may split one answer across choices: text in
 * choices[0], tool calls in choices[1] (known-failures T1). Most clients read choices[0] only and
 * lose the tool calls, so the choices are folded into one.
 */

interface Choice {
  index?: number;
  message?: { role?: string; content?: string | null; tool_calls?: unknown[]; [k: string]: unknown };
  delta?: { role?: string; content?: string | null; tool_calls?: { index?: number; [k: string]: unknown }[]; [k: string]: unknown };
  finish_reason?: string | null;
  [k: string]: unknown;
}

export function mergeChoices(body: { choices?: Choice[] }): void {
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length < 2) return;
  const first = choices[0]!;
  const message = { ...(first.message ?? { role: "assistant", content: null }) };
  let finish = first.finish_reason ?? null;
  const toolCalls: unknown[] = [...(message.tool_calls ?? [])];
  for (const choice of choices.slice(1)) {
    const m = choice.message;
    if (m?.content) message.content = (message.content ?? "") + m.content;
    if (Array.isArray(m?.tool_calls)) toolCalls.push(...m.tool_calls);
    if (choice.finish_reason === "tool_calls" || (!finish && choice.finish_reason)) finish = choice.finish_reason ?? finish;
  }
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls;
    finish = "tool_calls";
  }
  body.choices = [{ ...first, index: 0, message, finish_reason: finish }];
}

/**
 * The streaming form: every choice becomes choice 0. Tool-call indexes are kept apart by offsetting
 * those of later choices, so two calls never share an index.
 */
export class StreamChoiceMerger {
  private nextToolIndex = 0;
  private toolIndexes = new Map<string, number>();
  private roleSent = false;

  merge(chunk: { choices?: Choice[] }): void {
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      const ci = choice.index ?? 0;
      const calls = choice.delta?.tool_calls;
      if (Array.isArray(calls)) {
        for (const call of calls) {
          const key = `${ci}:${call.index ?? 0}`;
          let mapped = this.toolIndexes.get(key);
          if (mapped === undefined) {
            mapped = this.nextToolIndex++;
            this.toolIndexes.set(key, mapped);
          }
          call.index = mapped;
        }
      }
      if (choice.delta?.role) {
        if (this.roleSent) delete choice.delta.role;
        this.roleSent = true;
      }
      choice.index = 0;
    }
    // Every choice finishing: one finish reason for the merged choice, tool_calls if any call was made.
    const finishing = choices.filter((c) => c.finish_reason);
    if (finishing.length > 0 && this.nextToolIndex > 0) {
      for (const c of finishing) c.finish_reason = null;
      finishing[finishing.length - 1]!.finish_reason = "tool_calls";
    }
    // Several choices in one chunk: fold them into one, or a client reading choices[0] loses the rest.
    if (choices.length > 1) chunk.choices = [foldDeltas(choices)];
  }
}

function foldDeltas(choices: Choice[]): Choice {
  const merged: Choice = { ...choices[0]!, index: 0 };
  const delta: NonNullable<Choice["delta"]> = { ...(merged.delta ?? {}) };
  for (const choice of choices.slice(1)) {
    for (const [key, value] of Object.entries(choice.delta ?? {})) {
      if (value == null) continue;
      const current = delta[key];
      if (key === "tool_calls" && Array.isArray(value)) delta.tool_calls = [...(Array.isArray(current) ? current : []), ...value];
      else if (typeof value === "string" && typeof current === "string") delta[key] = current + value;
      else if (current == null) delta[key] = value;
    }
    for (const [key, value] of Object.entries(choice)) {
      if (key !== "delta" && key !== "index" && key !== "finish_reason" && merged[key] === undefined) merged[key] = value;
    }
    if (choice.finish_reason) merged.finish_reason = choice.finish_reason;
  }
  merged.delta = delta;
  return merged;
}
