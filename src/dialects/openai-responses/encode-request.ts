import { badRequest } from "../../errors.js";
import { objectArguments } from "../../interceptors/chat/with-object-tool-arguments.js";
import { padSchema } from "../../interceptors/chat/with-padded-tool-schemas.js";
import { pairToolResults, toolResultText } from "../../ir/pair-tool-results.js";
import type { AssistantPart, DocumentPart, ImagePart, Message, ReasoningEffort, Request, TextPart, Tool, ToolChoice } from "../../ir/request.js";
import type { CopilotModel } from "../../upstream/model-catalog.js";
import { closestEffort, listedEfforts, supportedEfforts } from "../openai-chat/encode-request.js";
import {
  copilotImageDetail,
  customToolAsFunction,
  wrapCustomInput,
  type ResponsesFunctionTool,
  type ResponsesInputContent,
  type ResponsesInputImage,
  type ResponsesInputItem,
  type ResponsesMessageItem,
  type ResponsesReasoningItem,
  type ResponsesRequestBody,
  type ResponsesTextFormat,
  type ResponsesToolChoice,
} from "./wire.js";
import { pushAll } from "../../push-all.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

/** OpenAI's floor for max_output_tokens ("integer below minimum value. Expected a value >= 16"). [derived] */
export const MIN_OUTPUT_TOKENS = 16;

/**
 * IR request → a body for Copilot's `/responses`, in VS Code's shape (copilot-upstream.md 6):
 * stream, store:false, include ["reasoning.encrypted_content"] when reasoning is on, flat function
 * tools with strict:false, max_output_tokens, reasoning {effort, summary}, text.format,
 * tool_choice, parallel_tool_calls, prompt_cache_key; no top_p (VS Code sends none), temperature
 * only when set.
 *
 * Input items carry no `id`: Copilot persists nothing with store:false, so an id is at best
 * ignored and at worst looked up ("Item with id … not found", known-failures U8). The exception is
 * a reasoning item, sent as VS Code sends it: {type:"reasoning", id, summary, encrypted_content},
 * and only when it holds encrypted content issued by a Responses upstream (origin
 * "openai-responses"); any other reasoning (Anthropic signatures, chat's opaque state, summaries
 * without state) is dropped, as Copilot can neither decrypt nor look it up.
 *
 * Also dropped, having no Responses equivalent: top_k, stop sequences, user (VS Code sends none).
 * Custom tools go as function tools taking one `input` string (Copilot rejects custom tools,
 * cao#242); the stream decoder turns their calls back (responsesDecoderOptions).
 */
export function encodeResponsesRequest(req: Request, model: CopilotModel): ResponsesRequestBody {
  return runToEnd(encodeSteps(req, model));
}

/** encodeResponsesRequest for a large request: the event loop gets a turn between its passes and every ITEMS_PER_SLICE messages. */
export function encodeResponsesRequestInTurns(req: Request, model: CopilotModel): Promise<ResponsesRequestBody> {
  return runSliced(encodeSteps(req, model));
}

function* encodeSteps(req: Request, model: CopilotModel): Steps<ResponsesRequestBody> {
  const input: ResponsesInputItem[] = [];
  const system = systemItem("system", req.system);
  if (system) input.push(system);
  yield* encodeMessages(req.messages, model, input);

  const body: ResponsesRequestBody = { model: model.id, input, stream: req.stream, store: false };

  if (req.tools.length > 0) {
    body.tools = req.tools.map(encodeTool);
    if (req.toolChoice) body.tool_choice = encodeToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }

  const max = capOutputTokens(req.maxOutputTokens, model);
  if (max !== undefined) body.max_output_tokens = max;
  if (req.temperature !== undefined) body.temperature = req.temperature;

  const reasoning = encodeReasoning(req, model);
  if (reasoning) body.reasoning = reasoning;
  // Reasoning state back, so the next turn can send it (VS Code always asks). Not for a model that
  // lists no reasoning effort: OpenAI refuses encrypted content for non-reasoning models. [derived]
  const reasons = reasoning !== undefined ? reasoning.effort !== "none" : req.includeEncryptedReasoning === true;
  if (reasons && listedEfforts(model).length > 0) body.include = ["reasoning.encrypted_content"];

  if (req.responseFormat) body.text = encodeTextFormat(req.responseFormat);
  if (req.promptCacheKey) body.prompt_cache_key = req.promptCacheKey;
  return body;
}

/** The client's max_output_tokens within Copilot's limit for the model, and not below OpenAI's floor. */
export function capOutputTokens(wanted: number | undefined, model: CopilotModel): number | undefined {
  if (wanted === undefined) return undefined;
  const cap = model.capabilities?.limits?.max_output_tokens;
  let max = wanted;
  if (cap !== undefined && cap > 0 && max > cap) max = cap;
  return Math.max(max, MIN_OUTPUT_TOKENS);
}

// ---- messages ----

function systemItem(role: "system", parts: TextPart[]): ResponsesMessageItem | undefined {
  const content = parts.filter((p) => p.text).map((p): ResponsesInputContent => ({ type: "input_text", text: p.text }));
  return content.length > 0 ? { type: "message", role, content } : undefined;
}

/**
 * The history after pairToolResults (every call answered once, right after the assistant turn that
 * made it: Copilot refuses a function_call without its output, "No tool output found for function
 * call", like chat does; known-failures T2/T3), mapped to input items: a tool result becomes a
 * function_call_output, and its images, which that carries no more than text (copilot-upstream.md
 * 6), were moved by the pass to a user message after the outputs.
 */
function* encodeMessages(messages: Message[], model: CopilotModel, out: ResponsesInputItem[]): Steps<void> {
  // Encoded before pairing moves the messages, so a refused document is named by its place in the request.
  const documents = new Map<DocumentPart, ResponsesInputContent>();
  for (const [i, message] of messages.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    if (message.role !== "user") continue;
    for (const [j, part] of message.content.entries()) {
      if (part.type === "document") documents.set(part, encodeDocument(part, model, `messages[${i}].content[${j}]`));
    }
  }

  yield;
  const paired = pairToolResults(messages, { moveImages: true });
  yield;
  for (const [i, message] of paired.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    switch (message.role) {
      case "system": {
        const item = systemItem("system", message.content);
        if (item) out.push(item);
        break;
      }
      case "assistant":
        pushAll(out, encodeAssistant(message));
        break;
      case "user": {
        const content: ResponsesInputContent[] = [];
        for (const part of message.content) {
          switch (part.type) {
            case "tool-result":
              out.push({ type: "function_call_output", call_id: part.callId, output: toolResultText(part) });
              break;
            case "text":
              if (part.text) content.push({ type: "input_text", text: part.text });
              break;
            case "image":
              content.push(encodeImage(part));
              break;
            case "document":
              // The pass hands on the same part objects.
              content.push(documents.get(part)!);
              break;
            default: {
              const never: never = part;
              throw badRequest(`Unsupported content part ${(never as { type?: string }).type}`);
            }
          }
        }
        if (content.length > 0) out.push({ type: "message", role: "user", content });
        break;
      }
      default: {
        const never: never = message;
        throw badRequest(`Unsupported message role ${(never as { role?: string }).role}`);
      }
    }
  }
}

function encodeAssistant(message: Extract<Message, { role: "assistant" }>): ResponsesInputItem[] {
  const items: ResponsesInputItem[] = [];
  let text: ResponsesMessageItem | undefined;
  for (const part of message.content as AssistantPart[]) {
    switch (part.type) {
      case "text": {
        if (!part.text) break;
        // Consecutive text parts: one assistant message item, its `phase` round-tripped (section 6).
        if (!text) {
          text = { type: "message", role: "assistant", content: [] };
          if (message.phase) text.phase = message.phase;
          items.push(text);
        }
        text.content.push({ type: "output_text", text: part.text, annotations: [] });
        break;
      }
      case "reasoning": {
        text = undefined;
        // Only Responses state can be sent back (byte-exact, same model only: cao#376); see above.
        if (part.origin !== "openai-responses" || !part.encryptedContent) break;
        const item: ResponsesReasoningItem = {
          type: "reasoning",
          summary: part.text ? [{ type: "summary_text", text: part.text }] : [],
          encrypted_content: part.encryptedContent,
        };
        if (part.itemId) item.id = part.itemId;
        items.push(item);
        break;
      }
      case "tool-call":
        text = undefined;
        items.push({
          type: "function_call",
          call_id: part.id,
          name: part.name,
          // A custom tool travels as a function taking {"input": raw} (see encodeTool).
          arguments: part.custom ? wrapCustomInput(part.input) : objectArguments(part.input),
        });
        break;
      default: {
        const never: never = part;
        throw badRequest(`Unsupported assistant part ${(never as { type?: string }).type}`);
      }
    }
  }
  return items;
}

/** Image detail as Copilot takes it: auto (or none) → high, see wire.ts (case 35, cao#362). */
function encodeImage(part: ImagePart): ResponsesInputImage {
  const url = part.source.kind === "base64" ? `data:${part.source.mediaType};base64,${part.source.data}` : part.source.url;
  return { type: "input_image", image_url: url, detail: copilotImageDetail(part.detail) };
}

/**
 * A document: inline base64 (PDF) as an input_file, plain text as input_text. [U] whether
 * Copilot's /responses accepts input_file is not established; a refusal comes back as its 400.
 */
function encodeDocument(part: DocumentPart, model: CopilotModel, at: string): ResponsesInputContent {
  const source = part.source as { type?: unknown; media_type?: unknown; data?: unknown } | undefined;
  if (source?.type === "base64" && typeof source.data === "string") {
    const mediaType = typeof source.media_type === "string" ? source.media_type : "application/pdf";
    return { type: "input_file", filename: part.title || "document.pdf", file_data: `data:${mediaType};base64,${source.data}` };
  }
  if (source?.type === "text" && typeof source.data === "string") {
    return { type: "input_text", text: part.title ? `${part.title}\n\n${source.data}` : source.data };
  }
  throw badRequest(`this document source cannot be sent to ${model.id}: only base64 and plain-text documents are supported`, at);
}

// ---- tools ----

function encodeTool(tool: Tool): ResponsesFunctionTool {
  switch (tool.type) {
    case "function": {
      // GPT rejects object schemas without properties (T23); strict:false as VS Code sends, since a
      // client's strict flag with a schema strict mode refuses fails the whole request.
      const fn: ResponsesFunctionTool = { type: "function", name: tool.name, parameters: padSchema(tool.parameters ?? { type: "object" }), strict: false };
      if (tool.description) fn.description = tool.description;
      return fn;
    }
    case "custom":
      return customToolAsFunction(tool);
    default: {
      const never: never = tool;
      throw badRequest(`Unsupported tool type ${(never as { type?: string }).type}`, "tools");
    }
  }
}

function encodeToolChoice(choice: ToolChoice): ResponsesToolChoice {
  switch (choice.type) {
    case "auto":
    case "none":
    case "required":
      return choice.type;
    case "tool":
      // Custom tools are function tools upstream, so a forced custom tool is a forced function.
      return { type: "function", name: choice.name };
    default: {
      const never: never = choice;
      return never;
    }
  }
}

// ---- reasoning ----

/** The effort a request asks for: explicit, else derived from an Anthropic-style budget, else medium (VS Code's default). */
function wantedEffort(req: Request): ReasoningEffort {
  const r = req.reasoning;
  if (r?.effort) return r.effort;
  if (r?.mode !== "enabled" || r.budgetTokens === undefined) return "medium";
  // [derived] a thinking budget read as an effort, as the chat encoder reads it.
  if (r.budgetTokens < 4096) return "low";
  if (r.budgetTokens < 16384) return "medium";
  return "high";
}

/**
 * `reasoning` for the body. With reasoning on: the wanted effort mapped onto the model's
 * supports.reasoning_effort list (closest value; "max" kept where listed, else xhigh, then high:
 * known-failures T15, case 11), omitted when the model lists none; and summary "detailed" (VS
 * Code's value), since whoever asked for reasoning (Anthropic thinking, chat reasoning_effort,
 * Responses reasoning) is shown it. Reasoning off: effort "none" where the model lists it, else the
 * model's default. A model that lists no effort at all gets no `reasoning` (not a reasoning model).
 */
function encodeReasoning(req: Request, model: CopilotModel): ResponsesRequestBody["reasoning"] {
  const r = req.reasoning;
  if (!r) return undefined;
  if (r.mode === "disabled") return listedEfforts(model).includes("none") ? { effort: "none" } : undefined;
  const effort = closestEffort(wantedEffort(req), supportedEfforts(model));
  return effort ? { effort, summary: "detailed" } : undefined;
}

function encodeTextFormat(format: NonNullable<Request["responseFormat"]>): ResponsesTextFormat {
  if (format.type === "json_object") return { format: { type: "json_object" } };
  const out: ResponsesTextFormat["format"] = { type: "json_schema", name: format.name ?? "response", schema: format.schema };
  if (format.strict !== undefined) out.strict = format.strict;
  return { format: out };
}
