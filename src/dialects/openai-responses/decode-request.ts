import { badRequest } from "../../errors.js";
import type {
  AssistantPart,
  DocumentPart,
  ImagePart,
  Message,
  Reasoning,
  ReasoningEffort,
  ReasoningPart,
  Request,
  TextPart,
  Tool,
  ToolChoice,
  UserPart,
} from "../../ir/request.js";
import { decodeForeignReasoning, FOREIGN_STATE_PREFIX } from "./wire.js";
import { quote } from "../../text.js";
import { pushAll } from "../../push-all.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const EFFORTS: readonly string[] = ["minimal", "low", "medium", "high", "xhigh", "max"];
const SUMMARIES: readonly string[] = ["auto", "concise", "detailed"];

/** Hosted web search, by every name OpenAI has given it. */
export const WEB_SEARCH = /^web_search(_preview)?(_\d{4}_\d{2}_\d{2})?$/;

/**
 * The message for a hosted web search tool. Copilot has no web search on /responses (its Anthropic
 * side answers "The use of the web search tool is not supported", known-failures F2); saying so up
 * front names the client setting that removes it (real-clients.md 2.1).
 */
export function webSearchUnsupported(type: string, i: number): string {
  return `tools.${i} (${type}): web search is not available through GitHub Copilot; disable it (Codex: web_search = "disabled")`;
}

/** The message for previous_response_id (known-failures U8, yuegongzi#30). */
export const PREVIOUS_RESPONSE_UNSUPPORTED =
  "previous_response_id is not supported: GitHub Copilot's Responses API keeps no state; send the whole conversation";

/** The message for a tool `namespace` (Codex's multi-agent tools, real-clients.md 2.1). */
export function namespaceUnsupported(name: unknown, i: number): string {
  return (
    `tools.${i}: the tool namespace ${typeof name === "string" ? `"${name}" ` : ""}is not supported through GitHub Copilot; ` +
    "remove it (Codex: set `[agents] enabled = false` in config.toml)"
  );
}

/**
 * A Responses request body (what Codex CLI sends, real-clients.md 2.2) → IR, for models Copilot
 * does not serve on /responses. Anything malformed is a 400 naming the field (`input[3].content[1]`).
 *
 * - `instructions` and the leading developer/system messages (Codex's system prompt is the first
 *   input item) → system; later developer/system messages → IR system messages in place.
 * - Input items: messages, function_call / function_call_output, custom_tool_call /
 *   custom_tool_call_output (Codex's apply_patch), reasoning (id and encrypted_content byte-exact,
 *   origin "openai-responses"; a `cpk:` envelope from encode-stream restores another dialect's
 *   state). Consecutive assistant-side items (reasoning, assistant messages, calls) fold into one
 *   assistant message, unless an assistant message's `phase` differs; consecutive outputs fold into
 *   one user message, together with a user message that directly follows them (one turn, as
 *   Anthropic wants results and text). Item `id`s and `status` are ignored: nothing is stored.
 * - Refused with a 400 that says what to do: previous_response_id / conversation (Copilot keeps no
 *   state, U8), item_reference items, web_search and namespace tools, other hosted tools, file ids.
 * - Ignored: store, metadata, client_metadata, service_tier, truncation, prompt_cache_retention,
 *   safety_identifier, top_logprobs, max_tool_calls, stream_options, text.verbosity, background
 *   (false), and any `include` entry other than reasoning.encrypted_content — client hints with no
 *   IR meaning, or about server-side storage we don't have.
 */
export function decodeResponsesRequest(body: unknown): Request {
  return runToEnd(decodeSteps(body));
}

/** decodeResponsesRequest for a large body: the event loop gets a turn every ITEMS_PER_SLICE input items. */
export function decodeResponsesRequestInTurns(body: unknown): Promise<Request> {
  return runSliced(decodeSteps(body));
}

function* decodeSteps(body: unknown): Steps<Request> {
  if (!isObj(body)) throw badRequest("The request body must be a JSON object");
  if (typeof body.model !== "string" || !body.model) throw badRequest("`model` is required and must be a string", "model");
  if (body.previous_response_id != null) throw badRequest(PREVIOUS_RESPONSE_UNSUPPORTED, "previous_response_id");
  if (body.conversation != null) {
    throw badRequest("`conversation` is not supported: GitHub Copilot's Responses API keeps no state; send the whole conversation", "conversation");
  }
  if (body.background === true) throw badRequest("`background` responses are not supported: GitHub Copilot's Responses API keeps no state", "background");

  const req: Request = { model: body.model, system: [], messages: [], tools: [], stream: body.stream === true };

  if (body.instructions != null) {
    if (typeof body.instructions !== "string") throw badRequest("`instructions` must be a string", "instructions");
    if (body.instructions) req.system.push({ type: "text", text: body.instructions });
  }
  if (typeof body.input === "string") {
    if (body.input) req.messages.push({ role: "user", content: [{ type: "text", text: body.input }] });
  } else if (Array.isArray(body.input)) {
    yield* decodeInput(body.input, req);
  } else if (body.input != null) {
    throw badRequest("`input` must be a string or an array of input items", "input");
  }
  if (req.messages.length === 0 && req.system.length === 0) throw badRequest("`input` is required", "input");

  if (body.tools != null) req.tools = decodeTools(body.tools);
  if (body.tool_choice != null) {
    const choice = decodeToolChoice(body.tool_choice);
    if (choice) req.toolChoice = choice;
  }
  if (typeof body.parallel_tool_calls === "boolean") req.parallelToolCalls = body.parallel_tool_calls;

  if (body.max_output_tokens != null) {
    const max = body.max_output_tokens;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) throw badRequest("`max_output_tokens` must be a positive integer", "max_output_tokens");
    req.maxOutputTokens = max;
  }
  const temperature = optionalNumber(body, "temperature");
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optionalNumber(body, "top_p");
  if (topP !== undefined) req.topP = topP;

  if (body.reasoning != null) {
    const reasoning = decodeReasoning(body.reasoning);
    if (reasoning) req.reasoning = reasoning;
  }
  if (body.text != null) {
    if (!isObj(body.text)) throw badRequest("`text` must be an object", "text");
    if (body.text.format != null) {
      const format = decodeTextFormat(body.text.format);
      if (format) req.responseFormat = format;
    }
  }
  if (body.include != null) {
    if (!Array.isArray(body.include)) throw badRequest("`include` must be an array of strings", "include");
    if (body.include.includes("reasoning.encrypted_content")) req.includeEncryptedReasoning = true;
  }
  if (typeof body.prompt_cache_key === "string" && body.prompt_cache_key) req.promptCacheKey = body.prompt_cache_key;
  const user = typeof body.user === "string" && body.user ? body.user : typeof body.safety_identifier === "string" && body.safety_identifier ? body.safety_identifier : undefined;
  if (user) req.user = user;
  return req;
}

function optionalNumber(body: Obj, field: string): number | undefined {
  const v = body[field];
  if (v == null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`\`${field}\` must be a number`, field);
  return v;
}

// ---- input items ----

type AssistantMessage = Extract<Message, { role: "assistant" }>;
type UserMessage = Extract<Message, { role: "user" }>;

function* decodeInput(items: unknown[], req: Request): Steps<void> {
  let leading = true;
  /** The assistant message that assistant-side items are folding into. */
  let assistant: AssistantMessage | undefined;
  /** The user message that tool outputs are folding into. */
  let outputs: UserMessage | undefined;

  const assistantMessage = (phase?: string): AssistantMessage => {
    outputs = undefined;
    if (!assistant || (phase !== undefined && assistant.phase !== undefined && assistant.phase !== phase)) {
      assistant = { role: "assistant", content: [] };
      req.messages.push(assistant);
    }
    if (phase !== undefined && assistant.phase === undefined) assistant.phase = phase;
    return assistant;
  };
  const outputMessage = (): UserMessage => {
    assistant = undefined;
    if (!outputs) {
      outputs = { role: "user", content: [] };
      req.messages.push(outputs);
    }
    return outputs;
  };

  for (const [i, raw] of items.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    const at = `input[${i}]`;
    if (!isObj(raw)) throw badRequest(`\`${at}\` must be an object`, at);
    // EasyInputMessage: {role, content} with no type.
    const type = raw.type ?? (raw.role !== undefined ? "message" : undefined);
    if (type !== "message" || (raw.role !== "system" && raw.role !== "developer")) leading = false;
    switch (type) {
      case "message": {
        const role = raw.role;
        switch (role) {
          case "system":
          case "developer": {
            const content = textContent(raw.content, `${at}.content`);
            if (leading) pushAll(req.system, content);
            else if (content.length > 0) req.messages.push({ role: "system", content });
            assistant = undefined;
            outputs = undefined;
            break;
          }
          case "user": {
            const content = userContent(raw.content, `${at}.content`);
            if (outputs) {
              // Results and the text that follows them form one turn.
              pushAll(outputs.content, content);
              outputs = undefined;
            } else if (content.length > 0) {
              req.messages.push({ role: "user", content });
            }
            assistant = undefined;
            break;
          }
          case "assistant": {
            const phase = typeof raw.phase === "string" && raw.phase ? raw.phase : undefined;
            const content = assistantContent(raw.content, `${at}.content`);
            if (content.length > 0) pushAll(assistantMessage(phase).content, content);
            break;
          }
          default:
            throw badRequest(`\`${at}.role\` must be one of user, assistant, system, developer`, `${at}.role`);
        }
        break;
      }
      case "reasoning":
        assistantMessage().content.push(decodeReasoningItem(raw, at));
        break;
      case "function_call":
      case "custom_tool_call": {
        const custom = type === "custom_tool_call";
        const callId = requiredString(raw.call_id, `${at}.call_id`);
        const name = requiredString(raw.name, `${at}.name`);
        let input: string;
        if (custom) {
          if (typeof raw.input !== "string") throw badRequest(`\`${at}.input\` must be a string`, `${at}.input`);
          input = raw.input;
        } else if (typeof raw.arguments === "string") {
          input = raw.arguments;
        } else if (isObj(raw.arguments)) {
          input = JSON.stringify(raw.arguments);
        } else if (raw.arguments == null) {
          input = "{}";
        } else {
          throw badRequest(`\`${at}.arguments\` must be a JSON string`, `${at}.arguments`);
        }
        const call: AssistantPart = { type: "tool-call", id: callId, name, input };
        if (custom) call.custom = true;
        assistantMessage().content.push(call);
        break;
      }
      case "function_call_output":
      case "custom_tool_call_output": {
        const callId = requiredString(raw.call_id, `${at}.call_id`);
        const result: UserPart = { type: "tool-result", callId, content: toolOutput(raw.output, `${at}.output`) };
        if (type === "custom_tool_call_output") result.custom = true;
        outputMessage().content.push(result);
        break;
      }
      case "item_reference":
        throw badRequest(
          `\`${at}\`: item_reference is not supported: GitHub Copilot's Responses API stores no items (store is false); send the item itself`,
          at,
        );
      case undefined:
        throw badRequest(`\`${at}.type\` is required`, `${at}.type`);
      default:
        throw badRequest(`\`${at}.type\` ${quote(type)} is not supported for this model`, `${at}.type`);
    }
  }
}

function requiredString(v: unknown, at: string): string {
  if (typeof v !== "string" || !v) throw badRequest(`\`${at}\` must be a non-empty string`, at);
  return v;
}

/**
 * A message's `content`: absent → nothing, a string → one text part, an array → each part through
 * `decode` (given the part and its path; undefined drops it). Empty text is dropped either way.
 */
function contentParts<P extends UserPart>(content: unknown, at: string, decode: (part: unknown, path: string) => P | undefined): (P | TextPart)[] {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) throw badRequest(`\`${at}\` must be a string or an array of content parts`, at);
  const out: (P | TextPart)[] = [];
  for (const [j, part] of content.entries()) {
    const decoded = decode(part, `${at}[${j}]`);
    if (decoded) out.push(decoded);
  }
  return out;
}

/** A text part, or nothing for empty text. */
function textPart(value: string): TextPart | undefined {
  return value ? { type: "text", text: value } : undefined;
}

function textContent(content: unknown, at: string): TextPart[] {
  return contentParts(content, at, (part, path) => {
    if (!isObj(part) || (part.type !== "input_text" && part.type !== "output_text" && part.type !== "text")) {
      throw badRequest(`\`${path}\` must be an input_text part`, path);
    }
    if (typeof part.text !== "string") throw badRequest(`\`${path}.text\` must be a string`, `${path}.text`);
    return textPart(part.text);
  });
}

function assistantContent(content: unknown, at: string): TextPart[] {
  return contentParts(content, at, (part, path) => {
    if (!isObj(part)) throw badRequest(`\`${path}\` must be an object`, path);
    const value = part.type === "refusal" ? part.refusal : part.type === "output_text" || part.type === "input_text" || part.type === "text" ? part.text : undefined;
    if (typeof value !== "string") throw badRequest(`\`${path}\` must be an output_text or refusal part`, path);
    return textPart(value);
  });
}

function userContent(content: unknown, at: string): UserPart[] {
  return contentParts<UserPart>(content, at, (part, path) => {
    if (!isObj(part)) throw badRequest(`\`${path}\` must be an object`, path);
    switch (part.type) {
      case "input_text":
      case "output_text":
      case "text":
        if (typeof part.text !== "string") throw badRequest(`\`${path}.text\` must be a string`, `${path}.text`);
        return textPart(part.text);
      case "input_image":
        return decodeImage(part, path);
      case "input_file":
        return decodeFile(part, path);
      default:
        throw badRequest(`\`${path}.type\` ${quote(part.type)} is not supported; use input_text, input_image or input_file`, `${path}.type`);
    }
  });
}

function decodeImage(part: Obj, at: string): ImagePart {
  if (part.file_id != null && part.image_url == null) {
    throw badRequest(`\`${at}.file_id\`: file ids are not supported (GitHub Copilot stores no files); send image_url as a data URI`, `${at}.file_id`);
  }
  const url = part.image_url;
  if (typeof url !== "string" || !url) throw badRequest(`\`${at}.image_url\` must be a string`, `${at}.image_url`);
  const data = parseDataUri(url);
  const image: ImagePart = {
    type: "image",
    source: data ? { kind: "base64", mediaType: data.mediaType, data: data.data } : { kind: "url", url, field: `${at}.image_url` },
  };
  if (typeof part.detail === "string") image.detail = part.detail;
  return image;
}

/** input_file with inline base64 data → a document; file ids and URLs need storage or fetching we don't do. */
function decodeFile(part: Obj, at: string): DocumentPart {
  const data = typeof part.file_data === "string" ? parseDataUri(part.file_data) : undefined;
  if (!data) {
    throw badRequest(`\`${at}\`: input_file needs file_data as a base64 data URI (file_id and file_url are not supported)`, `${at}.file_data`);
  }
  const doc: DocumentPart = { type: "document", source: { type: "base64", media_type: data.mediaType, data: data.data } };
  if (typeof part.filename === "string" && part.filename) doc.title = part.filename;
  return doc;
}

function parseDataUri(uri: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+)?(?:;[^;,]*)*;base64,(.*)$/s.exec(uri);
  return m ? { mediaType: m[1] ?? "application/octet-stream", data: m[2]! } : undefined;
}

function toolOutput(output: unknown, at: string): (TextPart | ImagePart)[] {
  if (output == null) return [];
  if (typeof output === "string") return output ? [{ type: "text", text: output }] : [];
  if (!Array.isArray(output)) throw badRequest(`\`${at}\` must be a string or an array of content parts`, at);
  const out: (TextPart | ImagePart)[] = [];
  for (const [j, part] of userContent(output, at).entries()) {
    if (part.type === "text" || part.type === "image") out.push(part);
    else throw badRequest(`\`${at}[${j}]\`: tool outputs may hold only input_text and input_image parts`, `${at}[${j}]`);
  }
  return out;
}

function decodeReasoningItem(raw: Obj, at: string): ReasoningPart {
  let text = "";
  if (raw.summary != null) {
    if (!Array.isArray(raw.summary)) throw badRequest(`\`${at}.summary\` must be an array`, `${at}.summary`);
    text = raw.summary
      .map((s, j) => {
        if (!isObj(s) || typeof s.text !== "string") throw badRequest(`\`${at}.summary[${j}].text\` must be a string`, `${at}.summary[${j}]`);
        return s.text;
      })
      .filter((t) => t)
      .join("\n\n");
  }
  const encrypted = raw.encrypted_content;
  if (encrypted != null && typeof encrypted !== "string") throw badRequest(`\`${at}.encrypted_content\` must be a string`, `${at}.encrypted_content`);
  if (typeof encrypted === "string" && encrypted.startsWith(FOREIGN_STATE_PREFIX)) {
    // State we issued for another dialect's reasoning (encode-stream.ts): restored for its upstream.
    const state = decodeForeignReasoning(encrypted);
    if (!state) throw badRequest(`\`${at}.encrypted_content\` is malformed`, `${at}.encrypted_content`);
    const part: ReasoningPart = { type: "reasoning", text, origin: state.origin };
    if (state.signature !== undefined) part.signature = state.signature;
    if (state.redactedData !== undefined) part.redactedData = state.redactedData;
    if (state.itemId !== undefined) part.itemId = state.itemId;
    return part;
  }
  const part: ReasoningPart = { type: "reasoning", text, origin: "openai-responses" };
  if (typeof raw.id === "string" && raw.id) part.itemId = raw.id;
  // Byte-exact: Copilot refuses encrypted content that changed at all (cao#376).
  if (typeof encrypted === "string" && encrypted) part.encryptedContent = encrypted;
  return part;
}

// ---- tools ----

function decodeTools(tools: unknown): Tool[] {
  if (!Array.isArray(tools)) throw badRequest("`tools` must be an array", "tools");
  return tools.map((tool, i): Tool => {
    const at = `tools.${i}`;
    if (!isObj(tool)) throw badRequest(`\`${at}\` must be an object`, at);
    const type = tool.type;
    if (type === "function") {
      const name = requiredString(tool.name, `${at}.name`);
      if (tool.parameters != null && !isObj(tool.parameters)) throw badRequest(`\`${at}.parameters\` must be an object`, `${at}.parameters`);
      const out: Tool = { type: "function", name, parameters: (tool.parameters as Obj | undefined) ?? { type: "object", properties: {} } };
      if (typeof tool.description === "string") out.description = tool.description;
      if (typeof tool.strict === "boolean") out.strict = tool.strict;
      return out;
    }
    if (type === "custom") {
      const name = requiredString(tool.name, `${at}.name`);
      const out: Tool = { type: "custom", name };
      if (typeof tool.description === "string") out.description = tool.description;
      if (tool.format != null) out.format = tool.format;
      return out;
    }
    if (typeof type === "string" && WEB_SEARCH.test(type)) throw badRequest(webSearchUnsupported(type, i), at);
    if (type === "namespace") throw badRequest(namespaceUnsupported(tool.name, i), at);
    throw badRequest(
      `${at}: the tool type ${quote(type)} is not supported through GitHub Copilot; only function and custom tools are`,
      `${at}.type`,
    );
  });
}

function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === "auto" || choice === "none" || choice === "required") return { type: choice };
  if (isObj(choice)) {
    if ((choice.type === "function" || choice.type === "custom") && typeof choice.name === "string" && choice.name) {
      return { type: "tool", name: choice.name };
    }
    // allowed_tools narrows the choice to a subset; the IR can't say so, its mode is kept.
    if (choice.type === "allowed_tools") return { type: choice.mode === "required" ? "required" : "auto" };
  }
  throw badRequest('`tool_choice` must be "auto", "none", "required" or {"type":"function","name":…}', "tool_choice");
}

// ---- reasoning and format ----

function decodeReasoning(reasoning: unknown): Reasoning | undefined {
  if (!isObj(reasoning)) throw badRequest("`reasoning` must be an object", "reasoning");
  const effort = reasoning.effort;
  if (effort === "none") return { mode: "disabled" };
  if (effort != null && (typeof effort !== "string" || !EFFORTS.includes(effort))) {
    throw badRequest(`\`reasoning.effort\` must be one of none, ${EFFORTS.join(", ")}`, "reasoning.effort");
  }
  // An effort without a budget: the model decides how much to think (at that effort, or its default).
  const out: Reasoning = { mode: "adaptive" };
  if (typeof effort === "string") out.effort = effort as ReasoningEffort;
  const summary = reasoning.summary ?? reasoning.generate_summary;
  if (summary != null && summary !== "none") {
    if (typeof summary !== "string" || !SUMMARIES.includes(summary)) {
      throw badRequest("`reasoning.summary` must be one of auto, concise, detailed", "reasoning.summary");
    }
    out.summary = summary as Reasoning["summary"];
  }
  return out;
}

function decodeTextFormat(format: unknown): Request["responseFormat"] {
  if (!isObj(format)) throw badRequest("`text.format` must be an object", "text.format");
  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return { type: "json_object" };
    case "json_schema": {
      if (!isObj(format.schema)) throw badRequest("`text.format.schema` must be an object", "text.format.schema");
      const out: NonNullable<Request["responseFormat"]> = { type: "json_schema", schema: format.schema };
      if (typeof format.name === "string") out.name = format.name;
      if (typeof format.strict === "boolean") out.strict = format.strict;
      return out;
    }
    default:
      throw badRequest("`text.format.type` must be text, json_object or json_schema", "text.format.type");
  }
}
