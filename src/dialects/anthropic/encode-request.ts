import { pairToolResults } from "../../ir/pair-tool-results.js";
import type {
  AssistantPart,
  CacheControl,
  CustomTool,
  ImagePart,
  Message,
  ReasoningEffort,
  Request,
  TextPart,
  Tool,
  UserPart,
} from "../../ir/request.js";
import type { CopilotModel } from "../../upstream/model-catalog.js";
import { encodeToolInput } from "./encode-message.js";
import type {
  AnthropicAssistantBlock,
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicEffort,
  AnthropicImageBlock,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicThinkingConfig,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicUserBlock,
} from "./wire.js";
import { pushAll } from "../../push-all.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

export interface EncodeAnthropicRequestOptions {
  model: Pick<CopilotModel, "id" | "capabilities">;
}

type WireMessage = { role: "user" | "assistant"; content: AnthropicContentBlock[] };
/** The IR messages Anthropic keeps in `messages` (system ones are hoisted). */
type Turn = Exclude<Message, { role: "system" }>;

/** Anthropic caps cache breakpoints per request. */
const MAX_CACHE_BREAKPOINTS = 4;
/** Anthropic's smallest thinking budget, and VS Code's ceiling for it (copilot-upstream.md §7). */
const MIN_THINKING_BUDGET = 1024;
const MAX_THINKING_BUDGET = 32000;
const DEFAULT_MAX_TOKENS = 8192;
const BILLING_HEADER = "x-anthropic-billing-header:";
/** The content of the tool_result synthesised, with is_error, for a tool_use that never got one. */
export { INTERRUPTED_TOOL_RESULT } from "../../ir/pair-tool-results.js";
export const CONTINUE_PROMPT = "Please continue.";

/**
 * IR → an Anthropic body for Copilot's native /v1/messages. Copilot validates bodies strictly and
 * rejects several things real Anthropic accepts (copilot-upstream.md §7), so this encoder only
 * emits fields VS Code itself sends, and repairs history the way VS Code does:
 * - system messages inside the conversation are hoisted into `system` (T26, case 45);
 * - consecutive same-role messages are merged, empty ones dropped;
 * - thinking that Claude can't verify is dropped: other origins (T11) and signature-only or
 *   empty blocks (T12);
 * - every tool_use gets exactly one tool_result in the next message: missing ones are
 *   synthesised as interrupted errors, orphans and duplicates dropped (T2/T3, cases 5/6), by the
 *   pairing all encoders share (src/ir/pair-tool-results.ts);
 * - no trailing assistant message (prefill): a user "Please continue." is appended, like VS Code;
 * - no `$schema` in input_schema, no cache_control.scope, no cache_control inside
 *   tool_result.content (moved onto the tool_result: T22), at most 4 breakpoints;
 * - top_p only without temperature (T21); thinking per the model's capabilities; a forced
 *   tool_choice downgraded to auto when thinking is on (T15).
 */
export function encodeAnthropicRequest(req: Request, opts: EncodeAnthropicRequestOptions): AnthropicRequest {
  return runToEnd(encodeSteps(req, opts));
}

/** encodeAnthropicRequest for a large request: the event loop gets a turn between its passes over the messages. */
export function encodeAnthropicRequestInTurns(req: Request, opts: EncodeAnthropicRequestOptions): Promise<AnthropicRequest> {
  return runSliced(encodeSteps(req, opts));
}

function* encodeSteps(req: Request, opts: EncodeAnthropicRequestOptions): Steps<AnthropicRequest> {
  const caps = opts.model.capabilities;
  const supports = caps?.supports;

  const system: AnthropicTextBlock[] = req.system.flatMap(encodeSystemText);
  const turns: Turn[] = [];
  for (const [i, m] of req.messages.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    switch (m.role) {
      case "system":
        pushAll(system, m.content.flatMap(encodeSystemText));
        break;
      case "user":
        turns.push({ role: "user", content: m.content.flatMap(sendableUserPart) });
        break;
      case "assistant":
        turns.push({ role: "assistant", content: m.content.flatMap(sendableAssistantPart) });
        break;
      default: {
        const never: never = m;
        return never;
      }
    }
  }
  // Paired on merged turns, which alternate: each tool_use is answered from the whole user turn
  // after it. Merging again puts the results message the pass writes back at the head of that turn.
  yield;
  const merged = mergeTurns(turns);
  yield;
  const pairedOnce = pairToolResults(merged, { moveImages: false });
  yield;
  const paired = mergeTurns(pairedOnce);
  yield;
  const messages: WireMessage[] = [];
  for (const [i, m] of paired.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    messages.push(m.role === "user" ? { role: "user", content: m.content.map(encodeUserPart) } : { role: "assistant", content: m.content.map(encodeAssistantPart) });
  }
  if (messages.length === 0 || messages[messages.length - 1]!.role === "assistant") {
    messages.push({ role: "user", content: [{ type: "text", text: CONTINUE_PROMPT }] });
  }

  const tools = req.tools.map(encodeTool);
  const limit = caps?.limits?.max_output_tokens;
  const maxTokens = Math.max(1, Math.min(req.maxOutputTokens ?? limit ?? DEFAULT_MAX_TOKENS, limit ?? Infinity));

  const body: AnthropicRequest = { model: opts.model.id, messages: messages as AnthropicRequest["messages"], max_tokens: maxTokens };
  if (system.length > 0) body.system = system;
  if (tools.length > 0) body.tools = tools;

  const thinking = encodeThinking(req, supports, maxTokens, messages);
  if (thinking) body.thinking = thinking;
  const thinkingOn = thinking !== undefined;

  const toolChoice = encodeToolChoice(req, thinkingOn);
  if (toolChoice && tools.length > 0) body.tool_choice = toolChoice;

  if (thinkingOn) {
    // With thinking, Anthropic takes temperature 1 only, no top_k, and top_p in [0.95, 1].
    if (req.temperature === 1) body.temperature = 1;
    else if (req.topP !== undefined && req.topP >= 0.95 && req.temperature === undefined) body.top_p = req.topP;
  } else {
    if (req.temperature !== undefined) body.temperature = req.temperature;
    else if (req.topP !== undefined) body.top_p = req.topP;
    if (req.topK !== undefined) body.top_k = req.topK;
  }
  if (req.stopSequences && req.stopSequences.length > 0) body.stop_sequences = req.stopSequences;
  body.stream = req.stream;

  const effort = encodeEffort(req.reasoning?.effort, supports);
  if (effort) body.output_config = { effort };
  if (req.responseFormat?.type === "json_schema") {
    body.output_config = { ...body.output_config, format: { type: "json_schema", schema: req.responseFormat.schema } };
  }

  limitCacheBreakpoints(body);
  return body;
}

/* ------------------------------------------------------------------------------------------------
 * content
 * ---------------------------------------------------------------------------------------------- */

function cache(c: CacheControl | undefined): { cache_control?: AnthropicCacheControl } {
  if (!c) return {};
  const out: AnthropicCacheControl = { type: "ephemeral" };
  if (c.ttl !== undefined) out.ttl = c.ttl;
  return { cache_control: out };
}

function encodeSystemText(part: TextPart): AnthropicTextBlock[] {
  // Copilot: "x-anthropic-billing-header is a reserved keyword" (copilot-upstream.md §7).
  if (part.text.trim() === "" || part.text.trimStart().startsWith(BILLING_HEADER)) return [];
  return [{ type: "text", text: part.text, ...cache(part.cacheControl) }];
}

function encodeImage(part: ImagePart, withCache: boolean): AnthropicImageBlock {
  const source: AnthropicImageBlock["source"] =
    part.source.kind === "base64"
      ? { type: "base64", media_type: part.source.mediaType, data: part.source.data }
      : { type: "url", url: part.source.url };
  return { type: "image", source, ...(withCache ? cache(part.cacheControl) : {}) };
}

/** Anthropic ids match ^[a-zA-Z0-9_-]+$; ids from other upstreams may not. Applied to uses and results alike. */
function toolId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, "_");
  return clean === "" ? "toolu_empty" : clean;
}

/**
 * A user part as Claude is sent it, or nothing: empty text is dropped, and tool result ids are made
 * Anthropic-safe here, before pairing, as tool_use ids are (two ids that differ only in unsafe
 * characters are one id to Anthropic).
 */
function sendableUserPart(part: UserPart): UserPart[] {
  switch (part.type) {
    case "text":
      return part.text === "" ? [] : [part];
    case "tool-result":
      return [{ ...part, callId: toolId(part.callId) }];
    default:
      return [part];
  }
}

function encodeUserPart(part: UserPart): AnthropicUserBlock {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text, ...cache(part.cacheControl) };
    case "image":
      return encodeImage(part, true);
    case "document": {
      const block: AnthropicUserBlock = { type: "document", source: part.source, ...cache(part.cacheControl) };
      if (part.title !== undefined) block.title = part.title;
      return block;
    }
    case "tool-result": {
      // cache_control may not sit inside tool_result.content; it goes on the tool_result (T22).
      const inner = part.content.find((c) => c.cacheControl)?.cacheControl;
      const content = part.content.flatMap((c): (AnthropicTextBlock | AnthropicImageBlock)[] =>
        c.type === "text" ? (c.text === "" ? [] : [{ type: "text", text: c.text }]) : [encodeImage(c, false)],
      );
      const block: AnthropicToolResultBlock = { type: "tool_result", tool_use_id: part.callId, ...cache(part.cacheControl ?? inner) };
      if (content.length === 1 && content[0]!.type === "text") block.content = content[0]!.text;
      else if (content.length > 0) block.content = content;
      if (part.isError) block.is_error = true;
      return block;
    }
    default: {
      const never: never = part;
      return never;
    }
  }
}

/**
 * An assistant part as Claude is sent it, or nothing: empty text is dropped, and so is thinking
 * Claude can't verify, since it checks signatures: only its own survive (T11), and signature-only
 * or empty thinking is rejected with "each thinking block must contain thinking" (T12). Tool call
 * ids are made Anthropic-safe.
 */
function sendableAssistantPart(part: AssistantPart): AssistantPart[] {
  switch (part.type) {
    case "text":
      return part.text === "" ? [] : [part];
    case "reasoning": {
      const redactedOnly = Boolean(part.redactedData) && !part.text;
      const signed = Boolean(part.signature) && part.text !== "";
      return part.origin === "anthropic" && (redactedOnly || signed) ? [part] : [];
    }
    case "tool-call":
      return [{ ...part, id: toolId(part.id) }];
    default: {
      const never: never = part;
      return never;
    }
  }
}

function encodeAssistantPart(part: AssistantPart): AnthropicAssistantBlock {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text, ...cache(part.cacheControl) };
    case "reasoning":
      // Only verifiable thinking gets here (sendableAssistantPart): redacted, or signed with text.
      if (part.redactedData && !part.text) return { type: "redacted_thinking", data: part.redactedData };
      return { type: "thinking", thinking: part.text, signature: part.signature! };
    case "tool-call": {
      // A custom tool's raw text travels wrapped, as its tool was declared (see encodeTool).
      const input = part.custom ? { input: part.input } : encodeToolInput(part.input);
      return { type: "tool_use", id: part.id, name: part.name, input, ...cache(part.cacheControl) };
    }
    default: {
      const never: never = part;
      return never;
    }
  }
}

/* ------------------------------------------------------------------------------------------------
 * history repair
 * ---------------------------------------------------------------------------------------------- */

/**
 * Empty messages dropped and consecutive same-role ones merged, as Anthropic reads them. Before
 * pairing, this is what makes the one user message after an assistant one hold all of its answers
 * (chat and Responses, whose messages don't merge, gather results differently: see
 * pairToolResults); after pairing, it puts the results back at the start of that user message, and
 * joins the assistant messages that a dropped results-only message stood between.
 */
function mergeTurns(turns: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const m of turns) {
    if (m.content.length === 0) continue;
    const last = out[out.length - 1];
    // Appended in place (the copy made below): a new array per merge was quadratic in a run of
    // same-role messages: over a minute for 300,000 of them.
    if (last && last.role === m.role) pushAll(last.content as unknown[], m.content);
    else out.push({ ...m, content: [...m.content] } as Turn);
  }
  return out;
}

const isToolResult = (b: AnthropicContentBlock): b is AnthropicToolResultBlock => b.type === "tool_result";

/** Keeps the last four cache_control marks in prompt order (tools, system, messages). */
function limitCacheBreakpoints(body: AnthropicRequest): void {
  const marked: { cache_control?: AnthropicCacheControl | null }[] = [];
  for (const t of body.tools ?? []) if ("cache_control" in t && t.cache_control) marked.push(t as { cache_control?: AnthropicCacheControl });
  for (const s of Array.isArray(body.system) ? body.system : []) if (s.cache_control) marked.push(s);
  for (const m of body.messages) {
    if (typeof m.content === "string") continue;
    for (const b of m.content) if ("cache_control" in b && b.cache_control) marked.push(b as { cache_control?: AnthropicCacheControl });
  }
  for (const b of marked.slice(0, Math.max(0, marked.length - MAX_CACHE_BREAKPOINTS))) delete b.cache_control;
}

/* ------------------------------------------------------------------------------------------------
 * tools, thinking, effort
 * ---------------------------------------------------------------------------------------------- */

function encodeTool(tool: Tool): AnthropicTool {
  switch (tool.type) {
    case "function": {
      const schema = { ...tool.parameters };
      // Claude Code's draft 2020-12 marker; Copilot's schema check doesn't need it.
      delete schema.$schema;
      const out: AnthropicTool = { name: tool.name, input_schema: schema, ...cache(tool.cacheControl) };
      if (tool.description !== undefined) out.description = tool.description;
      return out;
    }
    case "custom": {
      // Anthropic has no free-form tools: the raw text travels as one string argument, unwrapped
      // again by AnthropicStreamDecoder's customTools option.
      const out: AnthropicTool = {
        name: tool.name,
        input_schema: { type: "object", properties: { input: { type: "string", description: customInputDescription(tool) } }, required: ["input"] },
      };
      if (tool.description !== undefined) out.description = tool.description;
      return out;
    }
    default: {
      const never: never = tool;
      return never;
    }
  }
}

/** The raw-text argument of a custom tool, with its grammar spelled out when it has one. */
function customInputDescription(tool: CustomTool): string {
  let text = "The raw input for this tool, as free-form text (not JSON).";
  const format = tool.format as { type?: unknown; syntax?: unknown; definition?: unknown } | undefined;
  if (format && format.type === "grammar" && typeof format.definition === "string") {
    const syntax = typeof format.syntax === "string" ? format.syntax : "";
    text += ` It must follow this ${syntax ? `${syntax} ` : ""}grammar:\n${format.definition}`;
  }
  return text;
}

function encodeToolChoice(req: Request, thinkingOn: boolean): AnthropicToolChoice | undefined {
  const disable = req.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const choice = req.toolChoice;
  if (!choice) return req.parallelToolCalls === false ? { type: "auto", ...disable } : undefined;
  switch (choice.type) {
    case "auto":
      return { type: "auto", ...disable };
    case "none":
      return { type: "none" };
    case "required":
      // A forced tool choice with thinking is rejected (T15, caozhiyuan/copilot-api#118).
      return thinkingOn ? { type: "auto", ...disable } : { type: "any", ...disable };
    case "tool":
      return thinkingOn ? { type: "auto", ...disable } : { type: "tool", name: choice.name, ...disable };
    default: {
      const never: never = choice;
      return never;
    }
  }
}

type Supports = NonNullable<CopilotModel["capabilities"]>["supports"];

/**
 * Adaptive when the model supports it, else enabled with a budget clamped to
 * [1024, 32000, max_tokens − 1] (VS Code's rule, copilot-upstream.md §7). With no capabilities
 * known, the request's own mode is trusted.
 *
 * Also off when the conversation's last assistant turn calls tools without a thinking block
 * (thinking dropped above as foreign, or never there): Anthropic rejects a tool loop whose last
 * assistant message doesn't start with thinking while thinking is enabled.
 */
function encodeThinking(req: Request, supports: Supports, maxTokens: number, messages: WireMessage[]): AnthropicThinkingConfig | undefined {
  const reasoning = req.reasoning;
  if (!reasoning || reasoning.mode === "disabled") return undefined;
  if (supports && supports.adaptive_thinking !== true && supports.thinking !== true && supports.max_thinking_budget === undefined) return undefined;
  if (!lastToolTurnHasThinking(messages)) return undefined;

  const adaptive = supports ? supports.adaptive_thinking === true : reasoning.mode === "adaptive";
  if (adaptive) return { type: "adaptive" };
  const lo = Math.max(MIN_THINKING_BUDGET, supports?.min_thinking_budget ?? 0);
  const hi = Math.min(supports?.max_thinking_budget ?? MAX_THINKING_BUDGET, MAX_THINKING_BUDGET, maxTokens - 1);
  if (hi < lo) return undefined;
  const budget = Math.min(hi, Math.max(lo, reasoning.budgetTokens ?? hi));
  return { type: "enabled", budget_tokens: budget };
}

function lastToolTurnHasThinking(messages: WireMessage[]): boolean {
  const lastUser = messages[messages.length - 1];
  if (!lastUser || !lastUser.content.some(isToolResult)) return true;
  const assistant = messages[messages.length - 2];
  if (!assistant || assistant.role !== "assistant") return true;
  const first = assistant.content[0];
  return first?.type === "thinking" || first?.type === "redacted_thinking";
}

const EFFORT_ORDER: readonly ReasoningEffort[] = ["minimal", "low", "medium", "high", "xhigh", "max"];

/**
 * The effort the model takes: as asked when listed (or when nothing is listed), else the nearest
 * listed level below, else the nearest above. "minimal" doesn't exist for Claude: it becomes low.
 * A model whose capabilities are known but list no effort gets none (Copilot rejects extra fields).
 */
function encodeEffort(effort: ReasoningEffort | undefined, supports: Supports): AnthropicEffort | undefined {
  if (!effort) return undefined;
  const asked: AnthropicEffort = effort === "minimal" ? "low" : effort;
  if (!supports) return asked;
  const listed = supports.reasoning_effort;
  if (listed === undefined) return undefined;
  const allowed = (Array.isArray(listed) ? listed : [listed]).filter((e): e is AnthropicEffort =>
    (["low", "medium", "high", "xhigh", "max"] as string[]).includes(e),
  );
  if (allowed.length === 0) return undefined;
  if (allowed.includes(asked)) return asked;
  const rank = (e: ReasoningEffort) => EFFORT_ORDER.indexOf(e);
  const below = allowed.filter((e) => rank(e) < rank(asked)).sort((a, b) => rank(b) - rank(a));
  const above = allowed.filter((e) => rank(e) > rank(asked)).sort((a, b) => rank(a) - rank(b));
  return below[0] ?? above[0];
}
