// Checks on sampled bench responses: a wrong answer must not pass for a fast one.
// Each returns undefined when the body is valid, else what is wrong.

interface Frame {
  event?: string;
  data: string;
}

function frames(text: string): Frame[] {
  const out: Frame[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    const frame: Frame = { data: "" };
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) frame.event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    frame.data = data.join("\n");
    out.push(frame);
  }
  return out;
}

/** The text the fake streams for "[[chunks:N]]": "w1 w2 … wN ". */
export function chunkText(n: number): string {
  let s = "";
  for (let i = 1; i <= n; i++) s += `w${i} `;
  return s;
}

export function validateChatJson(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
    const content = json.choices?.[0]?.message?.content;
    if (typeof content !== "string" || content.length === 0) return "no choices[0].message.content";
    return undefined;
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
}

/** An OpenAI chat stream: JSON chunks, the expected text, a finish_reason, and [DONE] last. */
export function validateChatStream(text: string, expectText: string): string | undefined {
  const fs = frames(text);
  if (fs.length === 0) return "empty stream";
  if (fs.at(-1)!.data !== "[DONE]") return "does not end with [DONE]";
  let content = "";
  let finished = false;
  for (const f of fs.slice(0, -1)) {
    let chunk: { choices?: { delta?: { content?: string }; finish_reason?: string | null }[]; error?: unknown };
    try {
      chunk = JSON.parse(f.data);
    } catch {
      return `chunk is not JSON: ${f.data.slice(0, 80)}`;
    }
    if (chunk.error) return `error chunk: ${f.data.slice(0, 200)}`;
    for (const c of chunk.choices ?? []) {
      if (typeof c.delta?.content === "string") content += c.delta.content;
      if (c.finish_reason) finished = true;
    }
  }
  if (!finished) return "no finish_reason";
  if (content !== expectText) return `text differs: ${JSON.stringify(content.slice(0, 60))}…`;
  return undefined;
}

/**
 * A complete Anthropic event sequence: message_start first; content blocks opened in index order,
 * one at a time, deltas only to the open block, each closed; message_delta with a stop_reason after
 * the last block; message_stop last. ping may appear anywhere. `tolerateTail` accepts what Copilot's
 * native endpoint sends after message_stop (`event: message` / `data: [DONE]`), for direct runs.
 */
export function validateAnthropicStream(text: string, expectText?: string, tolerateTail = false): string | undefined {
  let fs = frames(text).filter((f) => f.event !== "ping");
  if (tolerateTail) {
    const stop = fs.findIndex((f) => f.event === "message_stop");
    if (stop >= 0) fs = fs.slice(0, stop + 1);
  }
  if (fs.length === 0) return "empty stream";
  let open: number | undefined;
  let nextIndex = 0;
  let sawStart = false;
  let sawDelta = false;
  let sawStop = false;
  let content = "";
  for (const [i, f] of fs.entries()) {
    let data: { type?: string; index?: number; delta?: { type?: string; text?: string; stop_reason?: string }; content_block?: { type?: string } };
    try {
      data = JSON.parse(f.data);
    } catch {
      return `event ${i} is not JSON: ${f.data.slice(0, 80)}`;
    }
    if (!f.event) return `event ${i} has no event: line`;
    if (data.type !== f.event) return `event ${i}: event "${f.event}" carries type "${data.type}"`;
    if (sawStop) return `event after message_stop: ${f.event}`;
    switch (f.event) {
      case "message_start":
        if (i !== 0) return "message_start is not first";
        sawStart = true;
        break;
      case "content_block_start":
        if (!sawStart || sawDelta) return "content_block_start out of place";
        if (open !== undefined) return `block ${data.index} opened while ${open} is open`;
        if (data.index !== nextIndex) return `block index ${data.index}, expected ${nextIndex}`;
        open = data.index;
        nextIndex++;
        break;
      case "content_block_delta":
        if (open === undefined || data.index !== open) return `delta for block ${data.index}, open: ${open}`;
        if (data.delta?.type === "text_delta") content += data.delta.text ?? "";
        break;
      case "content_block_stop":
        if (open === undefined || data.index !== open) return `stop for block ${data.index}, open: ${open}`;
        open = undefined;
        break;
      case "message_delta":
        if (open !== undefined) return "message_delta while a block is open";
        if (!data.delta?.stop_reason) return "message_delta without stop_reason";
        sawDelta = true;
        break;
      case "message_stop":
        if (!sawDelta) return "message_stop without message_delta";
        sawStop = true;
        break;
      case "error":
        return `error event: ${f.data.slice(0, 200)}`;
      default:
        return `unexpected event ${f.event}`;
    }
  }
  if (!sawStop) return "no message_stop";
  if (nextIndex === 0) return "no content block";
  if (expectText !== undefined && content !== expectText) return `text differs: ${JSON.stringify(content.slice(0, 60))}…`;
  return undefined;
}

export function validateCountTokens(text: string): string | undefined {
  try {
    const n = (JSON.parse(text) as { input_tokens?: unknown }).input_tokens;
    return typeof n === "number" && Number.isInteger(n) && n > 0 ? undefined : `input_tokens is ${String(n)}`;
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
}
