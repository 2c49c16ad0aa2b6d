import { badRequest } from "../../errors.js";
import { objectArguments } from "../../interceptors/chat/with-object-tool-arguments.js";
import type {
  AssistantPart,
  ImagePart,
  Message,
  Reasoning,
  ReasoningEffort,
  Request,
  TextPart,
  Tool,
  ToolChoice,
  UserPart,
} from "../../ir/request.js";
import { quote } from "../../text.js";
import { pushAll } from "../../push-all.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const EFFORTS: readonly string[] = ["minimal", "low", "medium", "high", "xhigh", "max"];

/**
 * A client's Chat Completions body → IR, for chat clients whose model Copilot serves on another
 * endpoint (/responses, /v1/messages). Anything malformed is a 400 naming the field. Role `tool`
 * messages become tool-result parts of one user message (followed by any user message that comes
 * right after them, as Anthropic wants results and text in one turn); `developer` is `system`.
 */
export function decodeChatRequest(body: unknown): Request {
  return runToEnd(decodeSteps(body));
}

/** decodeChatRequest for a large body: the event loop gets a turn every ITEMS_PER_SLICE messages. */
export function decodeChatRequestInTurns(body: unknown): Promise<Request> {
  return runSliced(decodeSteps(body));
}

function* decodeSteps(body: unknown): Steps<Request> {
  if (!isObj(body)) throw badRequest("The request body must be a JSON object");
  if (typeof body.model !== "string" || !body.model) throw badRequest("`model` is required and must be a string", "model");
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw badRequest("`messages` is required and must be a non-empty array", "messages");
  }

  const req: Request = { model: body.model, system: [], messages: [], tools: [], stream: body.stream === true };
  yield* decodeMessages(body.messages, req);

  if (body.tools != null) req.tools = decodeTools(body.tools);
  if (body.tool_choice != null) {
    const choice = decodeToolChoice(body.tool_choice);
    if (choice) req.toolChoice = choice;
  }
  if (typeof body.parallel_tool_calls === "boolean") req.parallelToolCalls = body.parallel_tool_calls;

  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max != null) {
    const field = body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) throw badRequest(`\`${field}\` must be a positive integer`, field);
    req.maxOutputTokens = max;
  }
  const temperature = optionalNumber(body, "temperature");
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optionalNumber(body, "top_p");
  if (topP !== undefined) req.topP = topP;
  if (body.stop != null) {
    if (typeof body.stop === "string") req.stopSequences = [body.stop];
    else if (Array.isArray(body.stop) && body.stop.every((s) => typeof s === "string")) req.stopSequences = body.stop as string[];
    else throw badRequest("`stop` must be a string or an array of strings", "stop");
  }
  if (body.n != null && body.n !== 1) throw badRequest("`n` other than 1 is not supported for this model", "n");
  if (typeof body.user === "string") req.user = body.user;
  if (typeof body.prompt_cache_key === "string") req.promptCacheKey = body.prompt_cache_key;

  if (body.reasoning_effort != null) req.reasoning = decodeReasoningEffort(body.reasoning_effort);
  if (body.response_format != null) {
    const format = decodeResponseFormat(body.response_format);
    if (format) req.responseFormat = format;
  }
  return req;
}

/** Whether a streaming chat client asked for the trailing usage chunk (`stream_options.include_usage`). */
export function wantsStreamUsage(body: unknown): boolean {
  return isObj(body) && isObj(body.stream_options) && body.stream_options.include_usage === true;
}

function optionalNumber(body: Obj, field: string): number | undefined {
  const v = body[field];
  if (v == null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`\`${field}\` must be a number`, field);
  return v;
}

// ---- messages ----

function* decodeMessages(messages: unknown[], req: Request): Steps<void> {
  let leading = true;
  /** The user message that tool messages are being gathered into. */
  let results: Extract<Message, { role: "user" }> | undefined;

  for (const [i, raw] of messages.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    const at = `messages[${i}]`;
    if (!isObj(raw)) throw badRequest(`\`${at}\` must be an object`, at);
    const role = raw.role;
    if (role !== "system" && role !== "developer") leading = false;
    switch (role) {
      case "system":
      case "developer": {
        const content = textOnly(raw.content, `${at}.content`);
        if (leading) pushAll(req.system, content);
        else if (content.length > 0) req.messages.push({ role: "system", content });
        results = undefined;
        break;
      }
      case "user": {
        const content = userContent(raw.content, `${at}.content`);
        if (results) {
          // Results and the text that follows them form one turn.
          pushAll(results.content, content);
          results = undefined;
        } else if (content.length > 0) {
          req.messages.push({ role: "user", content });
        }
        break;
      }
      case "assistant": {
        results = undefined;
        const content = assistantContent(raw, at);
        if (content.length > 0) req.messages.push({ role: "assistant", content });
        break;
      }
      case "tool": {
        if (typeof raw.tool_call_id !== "string" || !raw.tool_call_id) {
          throw badRequest(`\`${at}.tool_call_id\` is required for tool messages`, `${at}.tool_call_id`);
        }
        const content = toolContent(raw.content, `${at}.content`);
        if (!results) {
          results = { role: "user", content: [] };
          req.messages.push(results);
        }
        results.content.push({ type: "tool-result", callId: raw.tool_call_id, content });
        break;
      }
      default:
        throw badRequest(`\`${at}.role\` must be one of system, developer, user, assistant, tool`, `${at}.role`);
    }
  }
}

function textOnly(content: unknown, at: string): TextPart[] {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) throw badRequest(`\`${at}\` must be a string or an array of content parts`, at);
  const out: TextPart[] = [];
  for (const [j, part] of content.entries()) {
    if (part == null) continue; // null parts: dropped, as Open WebUI sends them (T24)
    if (!isObj(part) || (part.type !== "text" && part.type !== "refusal")) throw badRequest(`\`${at}[${j}]\` must be a text part`, `${at}[${j}]`);
    const text = part.type === "text" ? part.text : part.refusal;
    if (typeof text !== "string") throw badRequest(`\`${at}[${j}].${String(part.type)}\` must be a string`, `${at}[${j}]`);
    if (text) out.push({ type: "text", text });
  }
  return out;
}

function userContent(content: unknown, at: string): UserPart[] {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) throw badRequest(`\`${at}\` must be a string or an array of content parts`, at);
  const out: UserPart[] = [];
  for (const [j, part] of content.entries()) {
    const path = `${at}[${j}]`;
    if (part == null) continue; // T24
    if (!isObj(part)) throw badRequest(`\`${path}\` must be an object`, path);
    switch (part.type) {
      case "text":
        if (typeof part.text !== "string") throw badRequest(`\`${path}.text\` must be a string`, `${path}.text`);
        if (part.text) out.push({ type: "text", text: part.text });
        break;
      case "image_url": {
        // `image_url: null` is dropped like a null part (T24).
        if (part.image_url == null) break;
        out.push(decodeImage(part.image_url, `${path}.image_url`));
        break;
      }
      case "file": {
        const file = isObj(part.file) ? part.file : undefined;
        const data = typeof file?.file_data === "string" ? parseDataUri(file.file_data) : undefined;
        if (!data) throw badRequest(`\`${path}.file.file_data\` must be a base64 data URI (file ids are not supported)`, `${path}.file`);
        const doc: UserPart = { type: "document", source: { type: "base64", media_type: data.mediaType, data: data.data } };
        if (typeof file?.filename === "string") doc.title = file.filename;
        out.push(doc);
        break;
      }
      default:
        throw badRequest(`\`${path}.type\` ${quote(part.type)} is not supported; use text, image_url or file`, `${path}.type`);
    }
  }
  return out;
}

function decodeImage(value: unknown, at: string): ImagePart {
  const url = typeof value === "string" ? value : isObj(value) ? value.url : undefined;
  if (typeof url !== "string" || !url) throw badRequest(`\`${at}.url\` must be a string`, at);
  const data = parseDataUri(url);
  const image: ImagePart = {
    type: "image",
    source: data ? { kind: "base64", mediaType: data.mediaType, data: data.data } : { kind: "url", url, field: typeof value === "string" ? at : `${at}.url` },
  };
  if (isObj(value) && typeof value.detail === "string") image.detail = value.detail;
  return image;
}

function parseDataUri(uri: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+)?(?:;[^;,]*)*;base64,(.*)$/s.exec(uri);
  return m ? { mediaType: m[1] ?? "application/octet-stream", data: m[2]! } : undefined;
}

function toolContent(content: unknown, at: string): (TextPart | ImagePart)[] {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) throw badRequest(`\`${at}\` must be a string or an array of content parts`, at);
  const out: (TextPart | ImagePart)[] = [];
  for (const part of userContent(content, at)) {
    if (part.type === "text" || part.type === "image") out.push(part);
    else throw badRequest(`\`${at}\` may hold only text and image parts`, at);
  }
  return out;
}

function assistantContent(raw: Obj, at: string): AssistantPart[] {
  const out: AssistantPart[] = [];
  // Copilot-style echo of reasoning (copilot-upstream.md 5): only the opaque state makes it worth keeping.
  const opaque = typeof raw.reasoning_opaque === "string" && raw.reasoning_opaque ? raw.reasoning_opaque : undefined;
  const reasoningText = [raw.reasoning_text, raw.reasoning_content].find((v): v is string => typeof v === "string") ?? "";
  if (opaque) out.push({ type: "reasoning", text: reasoningText, signature: opaque, origin: "openai-chat" });
  pushAll(out, textOnly(raw.content, `${at}.content`));
  if (raw.tool_calls != null) {
    if (!Array.isArray(raw.tool_calls)) throw badRequest(`\`${at}.tool_calls\` must be an array`, `${at}.tool_calls`);
    for (const [k, call] of raw.tool_calls.entries()) {
      const path = `${at}.tool_calls[${k}]`;
      if (!isObj(call) || typeof call.id !== "string" || !call.id) throw badRequest(`\`${path}.id\` must be a string`, `${path}.id`);
      if (call.type === "custom") {
        const custom = isObj(call.custom) ? call.custom : {};
        if (typeof custom.name !== "string" || !custom.name) throw badRequest(`\`${path}.custom.name\` must be a string`, `${path}.custom.name`);
        out.push({ type: "tool-call", id: call.id, name: custom.name, input: typeof custom.input === "string" ? custom.input : "", custom: true });
        continue;
      }
      const fn = isObj(call.function) ? call.function : {};
      if (typeof fn.name !== "string" || !fn.name) throw badRequest(`\`${path}.function.name\` must be a string`, `${path}.function.name`);
      // Empty, "[]" or non-object arguments are normalised rather than relayed (T5).
      const part: AssistantPart = { type: "tool-call", id: call.id, name: fn.name, input: objectArguments(fn.arguments) };
      if (typeof fn.thought_signature === "string" && fn.thought_signature) part.thoughtSignature = fn.thought_signature;
      out.push(part);
    }
  }
  return out;
}

// ---- tools and options ----

function decodeTools(tools: unknown): Tool[] {
  if (!Array.isArray(tools)) throw badRequest("`tools` must be an array", "tools");
  return tools.map((tool, i): Tool => {
    const at = `tools[${i}]`;
    if (!isObj(tool)) throw badRequest(`\`${at}\` must be an object`, at);
    if (tool.type === "custom") {
      const custom = isObj(tool.custom) ? tool.custom : {};
      if (typeof custom.name !== "string" || !custom.name) throw badRequest(`\`${at}.custom.name\` must be a string`, `${at}.custom.name`);
      const out: Tool = { type: "custom", name: custom.name };
      if (typeof custom.description === "string") out.description = custom.description;
      if (custom.format !== undefined) out.format = custom.format;
      return out;
    }
    if (tool.type !== undefined && tool.type !== "function") throw badRequest(`\`${at}.type\` must be "function" or "custom"`, `${at}.type`);
    const fn = isObj(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== "string" || !fn.name) throw badRequest(`\`${at}.function.name\` must be a string`, `${at}.function.name`);
    if (fn.parameters !== undefined && !isObj(fn.parameters)) throw badRequest(`\`${at}.function.parameters\` must be an object`, `${at}.function.parameters`);
    const out: Tool = { type: "function", name: fn.name, parameters: (fn.parameters as Obj | undefined) ?? { type: "object", properties: {} } };
    if (typeof fn.description === "string") out.description = fn.description;
    if (typeof fn.strict === "boolean") out.strict = fn.strict;
    return out;
  });
}

function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === "auto" || choice === "none" || choice === "required") return { type: choice };
  if (isObj(choice)) {
    if (choice.type === "function" && isObj(choice.function) && typeof choice.function.name === "string") {
      return { type: "tool", name: choice.function.name };
    }
    if (choice.type === "custom" && isObj(choice.custom) && typeof choice.custom.name === "string") {
      return { type: "tool", name: choice.custom.name };
    }
    // allowed_tools and other narrowing forms: the model may still choose among all tools.
    if (choice.type === "allowed_tools") return { type: "auto" };
  }
  throw badRequest('`tool_choice` must be "auto", "none", "required" or {"type":"function","function":{"name":…}}', "tool_choice");
}

function decodeReasoningEffort(effort: unknown): Reasoning {
  if (effort === "none") return { mode: "disabled" };
  if (typeof effort !== "string" || !EFFORTS.includes(effort)) {
    throw badRequest(`\`reasoning_effort\` must be one of none, ${EFFORTS.join(", ")}`, "reasoning_effort");
  }
  // An effort without a budget: the model decides how much to think, at that effort.
  return { mode: "adaptive", effort: effort as ReasoningEffort };
}

function decodeResponseFormat(format: unknown): Request["responseFormat"] {
  if (!isObj(format)) throw badRequest("`response_format` must be an object", "response_format");
  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return { type: "json_object" };
    case "json_schema": {
      const js = isObj(format.json_schema) ? format.json_schema : undefined;
      if (!js) throw badRequest("`response_format.json_schema` is required", "response_format.json_schema");
      const out: NonNullable<Request["responseFormat"]> = { type: "json_schema", schema: js.schema ?? {} };
      if (typeof js.name === "string") out.name = js.name;
      if (typeof js.strict === "boolean") out.strict = js.strict;
      return out;
    }
    default:
      throw badRequest("`response_format.type` must be text, json_object or json_schema", "response_format.type");
  }
}
