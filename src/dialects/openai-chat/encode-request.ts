import { badRequest } from "../../errors.js";
import { objectArguments } from "../../interceptors/chat/with-object-tool-arguments.js";
import { padSchema } from "../../interceptors/chat/with-padded-tool-schemas.js";
import { INTERRUPTED_TOOL_RESULT as INTERRUPTED, pairToolResults, toolResultText } from "../../ir/pair-tool-results.js";
import type {
  AssistantPart,
  CustomTool,
  ImagePart,
  Message,
  ReasoningEffort,
  Request,
  TextPart,
  Tool,
  ToolChoice,
} from "../../ir/request.js";
import type { CopilotModel } from "../../upstream/model-catalog.js";
import type {
  ChatAssistantMessage,
  ChatContentPart,
  ChatFunctionTool,
  ChatImageContent,
  ChatMessage,
  ChatRequestBody,
  ChatResponseFormat,
  ChatToolCall,
  ChatToolChoice,
} from "./wire.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

/**
 * What the result synthesised for a call that never got one (known-failures T2) reads on chat: the
 * IR's interrupted error result through toolResultText.
 */
export const INTERRUPTED_TOOL_RESULT = `Error: ${INTERRUPTED}`;

/**
 * IR request → a Copilot `/chat/completions` body for `model` (the catalog entry the request was
 * resolved to). Everything Copilot rejects on this endpoint is fixed here rather than relayed as a
 * 400 (copilot-upstream.md 5, known-failures.md 1); what chat can't express at all (documents) is
 * a clear 400 instead of a silent drop.
 */
export function encodeChatRequest(req: Request, model: CopilotModel): ChatRequestBody {
  return runToEnd(encodeSteps(req, model));
}

/** encodeChatRequest for a large request: the event loop gets a turn between its passes and every ITEMS_PER_SLICE messages. */
export function encodeChatRequestInTurns(req: Request, model: CopilotModel): Promise<ChatRequestBody> {
  return runSliced(encodeSteps(req, model));
}

function* encodeSteps(req: Request, model: CopilotModel): Steps<ChatRequestBody> {
  const vendor = model.vendor ?? "";
  const isOpenAI = /openai/i.test(vendor);
  const isAnthropic = /anthropic/i.test(vendor);

  const messages: ChatMessage[] = [];
  const system = joinText(req.system);
  if (system) messages.push({ role: "system", content: system });
  yield* encodeMessages(req.messages, model, messages);

  const body: ChatRequestBody = { model: model.id, messages, stream: req.stream };

  if (req.tools.length > 0) {
    body.tools = req.tools.map(encodeTool);
    if (req.toolChoice) body.tool_choice = encodeToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }

  // GPT-5.x rejects max_tokens, other vendors know only max_tokens (T20). Copilot's own limit caps it.
  const cap = model.capabilities?.limits?.max_output_tokens;
  let maxTokens = req.maxOutputTokens;
  if (maxTokens !== undefined && cap !== undefined && cap > 0 && maxTokens > cap) maxTokens = cap;
  if (maxTokens !== undefined) {
    if (isOpenAI) body.max_completion_tokens = maxTokens;
    else body.max_tokens = maxTokens;
  }

  if (req.temperature !== undefined) body.temperature = req.temperature;
  // Claude 4.1+: temperature or top_p, not both (T21).
  if (req.topP !== undefined && !(isAnthropic && req.temperature !== undefined)) body.top_p = req.topP;
  if (req.stopSequences && req.stopSequences.length > 0) body.stop = req.stopSequences;
  if (req.user !== undefined) body.user = req.user;

  const effort = encodeReasoningEffort(req, model);
  if (effort) body.reasoning_effort = effort;
  else {
    const budget = encodeThinkingBudget(req, model, maxTokens ?? cap);
    if (budget !== undefined) body.thinking_budget = budget;
  }
  // Claude rejects a forced tool_choice together with thinking (T15): the model still sees the tools.
  const thinking = body.reasoning_effort !== undefined || body.thinking_budget !== undefined;
  if (isAnthropic && thinking && body.tool_choice !== undefined && body.tool_choice !== "auto" && body.tool_choice !== "none") {
    body.tool_choice = "auto";
  }

  if (req.responseFormat) body.response_format = encodeResponseFormat(req.responseFormat);
  if (req.stream) body.stream_options = { include_usage: true };
  return body;
}

// ---- messages ----

/**
 * The history after pairToolResults (every call answered once, right after the assistant message
 * that made it; known-failures T2/T3), mapped to chat messages: a tool result becomes a tool
 * message, and its images, which a tool message can't carry, were moved by the pass to a user
 * message after the results.
 */
function* encodeMessages(input: Message[], model: CopilotModel, out: ChatMessage[]): Steps<void> {
  yield* refuseDocuments(input, model);
  const paired = pairToolResults(input, { moveImages: true });
  yield;
  for (const [i, message] of paired.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    switch (message.role) {
      case "system": {
        const text = joinText(message.content);
        if (text) out.push({ role: "system", content: text });
        break;
      }
      case "assistant": {
        const encoded = encodeAssistant(message.content);
        if (encoded) out.push(encoded);
        break;
      }
      case "user": {
        const rest: ChatContentPart[] = [];
        for (const part of message.content) {
          switch (part.type) {
            case "tool-result":
              out.push({ role: "tool", tool_call_id: part.callId, content: toolResultText(part) });
              break;
            case "text":
              if (part.text) rest.push({ type: "text", text: part.text });
              break;
            case "image":
              rest.push(encodeImage(part));
              break;
            case "document":
              // Unreachable: refused by refuseDocuments.
              break;
            default: {
              const never: never = part;
              throw badRequest(`Unsupported content part ${(never as { type?: string }).type}`);
            }
          }
        }
        if (rest.length === 0) break;
        out.push({ role: "user", content: rest.every((p) => p.type === "text") ? rest.map((p) => (p as { text: string }).text).join("\n\n") : rest });
        break;
      }
      default: {
        const never: never = message;
        throw badRequest(`Unsupported message role ${(never as { role?: string }).role}`);
      }
    }
  }
}

/**
 * Chat has no document input: a clear 400 rather than a silent drop. Checked on the request's own
 * messages, before pairing moves them, so the error names the part's place in the request.
 */
function* refuseDocuments(input: Message[], model: CopilotModel): Steps<void> {
  for (const [i, message] of input.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    const j = message.role === "user" ? message.content.findIndex((p) => p.type === "document") : -1;
    if (j >= 0) {
      throw badRequest(`document blocks cannot be sent to ${model.id}: Copilot's chat endpoint has no document input`, `messages[${i}].content[${j}]`);
    }
  }
}

function encodeAssistant(parts: AssistantPart[]): ChatAssistantMessage | undefined {
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
  let reasoningText = "";
  let reasoningOpaque: string | undefined;
  for (const part of parts) {
    switch (part.type) {
      case "text":
        if (part.text) texts.push(part.text);
        break;
      case "tool-call": {
        const call: ChatToolCall = {
          id: part.id,
          type: "function",
          // A custom tool travels as a function taking {"input": raw} (see encodeTool).
          function: { name: part.name, arguments: part.custom ? JSON.stringify({ input: part.input }) : objectArguments(part.input) },
        };
        // Put back where decode-stream found it; Gemini refuses the call without it (T14).
        if (part.thoughtSignature) call.function.thought_signature = part.thoughtSignature;
        calls.push(call);
        break;
      }
      case "reasoning":
        // Opaque state is only valid for the dialect that issued it (Anthropic signatures, Responses
        // encrypted content mean nothing here), and visible reasoning never becomes answer text.
        if (part.origin !== "openai-chat") break;
        reasoningText += part.text;
        if (part.signature) reasoningOpaque = part.signature;
        break;
      default: {
        const never: never = part;
        throw badRequest(`Unsupported assistant part ${(never as { type?: string }).type}`);
      }
    }
  }
  // Echo reasoning_text with its reasoning_opaque (copilot-upstream.md 5); without the opaque state
  // the text is only noise to the model.
  const hasReasoning = reasoningOpaque !== undefined;
  if (texts.length === 0 && calls.length === 0 && !hasReasoning) return undefined;
  const message: ChatAssistantMessage = {
    role: "assistant",
    content: texts.length > 0 ? texts.join("\n\n") : calls.length > 0 ? null : "",
  };
  if (calls.length > 0) message.tool_calls = calls;
  if (hasReasoning) {
    if (reasoningText) message.reasoning_text = reasoningText;
    message.reasoning_opaque = reasoningOpaque;
  }
  return message;
}

function encodeImage(part: ImagePart): ChatImageContent {
  const url = part.source.kind === "base64" ? `data:${part.source.mediaType};base64,${part.source.data}` : part.source.url;
  const image: ChatImageContent = { type: "image_url", image_url: { url } };
  if (part.detail) image.image_url.detail = part.detail;
  return image;
}

function joinText(parts: TextPart[]): string {
  return parts
    .map((p) => p.text)
    .filter((t) => t)
    .join("\n\n");
}

// ---- tools ----

function encodeTool(tool: Tool): ChatFunctionTool {
  switch (tool.type) {
    case "function": {
      // `strict` is not forwarded: a client's strict flag with a schema the target model's strict
      // mode doesn't accept fails the whole request, and Gemini knows no such field.
      const fn: ChatFunctionTool["function"] = { name: tool.name, parameters: padSchema(tool.parameters ?? { type: "object" }) };
      if (tool.description) fn.description = tool.description;
      return { type: "function", function: fn };
    }
    case "custom": {
      const fn: ChatFunctionTool["function"] = {
        name: tool.name,
        parameters: {
          type: "object",
          properties: { input: { type: "string", description: customInputDescription(tool) } },
          required: ["input"],
        },
      };
      if (tool.description) fn.description = tool.description;
      return { type: "function", function: fn };
    }
    default: {
      const never: never = tool;
      throw badRequest(`Unsupported tool type ${(never as { type?: string }).type}`, "tools");
    }
  }
}

/** Chat has no free-form tools: the raw text goes in one string argument, with the grammar spelled out. */
function customInputDescription(tool: CustomTool): string {
  let text = "The raw input for this tool, as free-form text (not JSON).";
  const format = tool.format as { type?: unknown; syntax?: unknown; definition?: unknown } | undefined;
  if (format && format.type === "grammar" && typeof format.definition === "string") {
    const syntax = typeof format.syntax === "string" ? format.syntax : "";
    text += ` It must follow this ${syntax ? `${syntax} ` : ""}grammar:\n${format.definition}`;
  }
  return text;
}

function encodeToolChoice(choice: ToolChoice): ChatToolChoice {
  switch (choice.type) {
    case "auto":
    case "none":
    case "required":
      return choice.type;
    case "tool":
      return { type: "function", function: { name: choice.name } };
    default: {
      const never: never = choice;
      return never;
    }
  }
}

// ---- reasoning ----

const EFFORTS: readonly ReasoningEffort[] = ["minimal", "low", "medium", "high", "xhigh", "max"];

/** The model's supports.reasoning_effort as listed, values this server doesn't know ("none") included. */
export function listedEfforts(model: CopilotModel): string[] {
  const raw = model.capabilities?.supports?.reasoning_effort;
  return Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : [];
}

/** The efforts the model lists that a request can ask for, lowest first. */
export function supportedEfforts(model: CopilotModel): ReasoningEffort[] {
  const listed = listedEfforts(model);
  return EFFORTS.filter((e) => listed.includes(e));
}

/**
 * The wanted effort mapped to the closest value the model lists; ties go to the lower one. "max"
 * stays "max" where listed (never collapsed to xhigh, T15), else falls to xhigh, then high.
 */
export function closestEffort(wanted: ReasoningEffort, supported: readonly ReasoningEffort[]): ReasoningEffort | undefined {
  if (supported.includes(wanted)) return wanted;
  const rank = EFFORTS.indexOf(wanted);
  let best: ReasoningEffort | undefined;
  let bestDistance = Infinity;
  for (const e of supported) {
    const d = Math.abs(EFFORTS.indexOf(e) - rank);
    if (d < bestDistance || (d === bestDistance && best !== undefined && EFFORTS.indexOf(e) < EFFORTS.indexOf(best))) {
      best = e;
      bestDistance = d;
    }
  }
  return best;
}

/** The effort a request asks for: explicit, else medium for adaptive, else derived from a budget. */
function wantedEffort(req: Request): ReasoningEffort | undefined {
  const r = req.reasoning;
  if (!r || r.mode === "disabled") return undefined;
  if (r.effort) return r.effort;
  if (r.mode === "adaptive" || r.budgetTokens === undefined) return "medium";
  // [derived] an Anthropic-style budget read as an effort.
  if (r.budgetTokens < 4096) return "low";
  if (r.budgetTokens < 16384) return "medium";
  return "high";
}

function encodeReasoningEffort(req: Request, model: CopilotModel): ReasoningEffort | undefined {
  const supported = supportedEfforts(model);
  const wanted = wantedEffort(req);
  if (supported.length === 0 || !wanted) return undefined;
  return closestEffort(wanted, supported);
}

/** [derived] token budgets for an effort, when a thinking_budget model gets an effort only. */
const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 24576,
  max: 32768,
};

/**
 * Claude's `thinking_budget` on chat, for models that list min/max_thinking_budget and no
 * reasoning_effort: an integer in [min, max] and below max tokens (copilot-upstream.md 5). [U] VS
 * Code dropped this path on 2026-03-25, so whether Copilot still honours it is an open question (12.5).
 */
function encodeThinkingBudget(req: Request, model: CopilotModel, maxTokens: number | undefined): number | undefined {
  const supports = model.capabilities?.supports;
  const r = req.reasoning;
  if (!r || r.mode === "disabled" || !supports?.thinking) return undefined;
  const min = supports.min_thinking_budget;
  const max = supports.max_thinking_budget;
  if (typeof min !== "number" || typeof max !== "number") return undefined;
  let budget = r.budgetTokens ?? EFFORT_BUDGET[r.effort ?? "medium"];
  budget = Math.min(Math.max(Math.floor(budget), min), max);
  if (maxTokens !== undefined && budget >= maxTokens) budget = maxTokens - 1;
  return budget >= min ? budget : undefined;
}

function encodeResponseFormat(format: NonNullable<Request["responseFormat"]>): ChatResponseFormat {
  if (format.type === "json_object") return { type: "json_object" };
  const schema: { name: string; schema?: unknown; strict?: boolean } = { name: format.name ?? "response", schema: format.schema };
  if (format.strict !== undefined) schema.strict = format.strict;
  return { type: "json_schema", json_schema: schema };
}
