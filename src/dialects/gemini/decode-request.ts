import { badRequest } from "../../errors.js";
import { unpackOpaqueState } from "../../ir/opaque-state.js";
import type {
  AssistantPart,
  Message,
  ReasoningEffort,
  Request,
  TextPart,
  Tool,
  ToolChoice,
  ToolResultPart,
  UserPart,
} from "../../ir/request.js";
import { asText } from "../../text.js";
import { convertGeminiSchema } from "./convert-schema.js";
import { pushAll } from "../../push-all.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where an opaque thought signature can come from: any upstream dialect we pack (ir/opaque-state.ts). */
const ORIGINS = ["anthropic", "openai-chat", "openai-responses"] as const;

/** Tools Google runs itself; Copilot has none of them. */
const HOSTED_TOOLS = ["googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext", "googleMaps", "computerUse", "fileSearch", "retrieval", "enterpriseWebSearch"];

const LEVELS: Record<string, ReasoningEffort> = { MINIMAL: "minimal", LOW: "low", MEDIUM: "medium", HIGH: "high" };

export interface GeminiRequestOptions {
  /** The model as named in the URL, `models/` dropped. */
  model: string;
  stream: boolean;
}

export interface DecodedGeminiRequest {
  req: Request;
  /** `thinkingConfig.includeThoughts`: thought parts are sent to the client only when asked for. */
  includeThoughts: boolean;
}

/**
 * A Gemini `generateContent` body → IR. `contents` alternate user and model turns; a model turn's
 * functionCall parts become tool calls, and the functionResponse parts of the next user turn their
 * results. Gemini calls may have no id: one is made up from the turn and position, and a response
 * without an id is paired with the first unanswered call of the same name, as Gemini pairs them.
 * Thought signatures that we packed (cpk:…) come back as reasoning state; any other is kept on its
 * call, for Copilot's Gemini models. Anything malformed is a 400 naming the field.
 */
export function decodeGeminiRequest(body: Obj, opts: GeminiRequestOptions): DecodedGeminiRequest {
  return runToEnd(decodeSteps(body, opts));
}

/** decodeGeminiRequest for a large body: the event loop gets a turn every ITEMS_PER_SLICE contents. */
export function decodeGeminiRequestInTurns(body: Obj, opts: GeminiRequestOptions): Promise<DecodedGeminiRequest> {
  return runSliced(decodeSteps(body, opts));
}

function* decodeSteps(body: Obj, opts: GeminiRequestOptions): Steps<DecodedGeminiRequest> {
  const req: Request = { model: opts.model, system: [], messages: [], tools: [], stream: opts.stream };
  if (body.systemInstruction != null) req.system = systemText(body.systemInstruction);
  if (!Array.isArray(body.contents) || body.contents.length === 0) throw badRequest("`contents` is required and must be a non-empty array", "contents");
  yield* decodeContents(body.contents, req);
  if (body.tools != null) req.tools = decodeTools(body.tools);
  if (body.toolConfig != null) {
    const choice = decodeToolConfig(body.toolConfig);
    if (choice) req.toolChoice = choice;
  }
  if (body.cachedContent != null) throw badRequest("`cachedContent` is not supported: Copilot keeps no server-side caches to refer to", "cachedContent");
  let includeThoughts = false;
  if (body.generationConfig != null) includeThoughts = decodeGenerationConfig(body.generationConfig, req);
  return { req, includeThoughts };
}

function systemText(value: unknown): TextPart[] {
  if (typeof value === "string") return value ? [{ type: "text", text: value }] : [];
  if (!isObj(value) || !Array.isArray(value.parts)) throw badRequest("`systemInstruction` must be a Content object with `parts`", "systemInstruction");
  const out: TextPart[] = [];
  for (const [i, part] of value.parts.entries()) {
    if (!isObj(part) || (part.text !== undefined && typeof part.text !== "string")) {
      throw badRequest(`\`systemInstruction.parts[${i}]\` must be a text part`, `systemInstruction.parts[${i}]`);
    }
    if (typeof part.text === "string" && part.text) out.push({ type: "text", text: part.text });
  }
  return out;
}

// ---- contents ----

interface OpenCall {
  id: string;
  name: string;
  answered: boolean;
}

function* decodeContents(contents: unknown[], req: Request): Steps<void> {
  /** Calls of the latest model turn, for pairing responses that carry no id. */
  let calls: OpenCall[] = [];
  for (const [i, raw] of contents.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    const at = `contents[${i}]`;
    if (!isObj(raw)) throw badRequest(`\`${at}\` must be an object`, at);
    if (!Array.isArray(raw.parts)) throw badRequest(`\`${at}.parts\` must be an array`, `${at}.parts`);
    const role = raw.role ?? "user";
    if (role === "model") {
      calls = [];
      const content = modelParts(raw.parts, at, i, calls);
      if (content.length > 0) req.messages.push({ role: "assistant", content });
    } else if (role === "user" || role === "function") {
      const content = userParts(raw.parts, at, calls);
      if (content.length === 0) continue;
      // Consecutive user turns (a function turn and then text) form one turn.
      const last = req.messages.at(-1);
      if (last?.role === "user") pushAll(last.content, content);
      else req.messages.push({ role: "user", content } as Message);
    } else {
      throw badRequest(`\`${at}.role\` must be "user" or "model"`, `${at}.role`);
    }
  }
}

function modelParts(parts: unknown[], at: string, turn: number, calls: OpenCall[]): AssistantPart[] {
  const out: AssistantPart[] = [];
  /** Packed reasoning state already restored in this turn: a call repeats its thought's signature. Made on first use: most turns have none. */
  let restored: Set<string> | undefined;
  /** Where the current step began (after the last call): its reasoning goes there, ahead of its text. */
  let step = 0;
  const restore = (signature: string, text: string): boolean => {
    if (restored?.has(signature)) return true;
    const state = unpackOpaqueState(signature, ORIGINS);
    if (!state) return false;
    (restored ??= new Set()).add(signature);
    out.splice(step, 0, { type: "reasoning", text: state.text ?? text, ...stateFields(state) });
    return true;
  };
  for (const [j, part] of parts.entries()) {
    const path = `${at}.parts[${j}]`;
    if (!isObj(part)) throw badRequest(`\`${path}\` must be an object`, path);
    const signature = typeof part.thoughtSignature === "string" && part.thoughtSignature ? part.thoughtSignature : undefined;
    if (isObj(part.functionCall)) {
      const fc = part.functionCall;
      if (typeof fc.name !== "string" || !fc.name) throw badRequest(`\`${path}.functionCall.name\` must be a string`, `${path}.functionCall.name`);
      if (fc.args != null && !isObj(fc.args)) throw badRequest(`\`${path}.functionCall.args\` must be an object`, `${path}.functionCall.args`);
      const id = typeof fc.id === "string" && fc.id ? fc.id : `call_${turn}_${j}`;
      const call: AssistantPart = { type: "tool-call", id, name: fc.name, input: JSON.stringify(fc.args ?? {}) };
      if (signature && !restore(signature, "")) call.thoughtSignature = signature;
      calls.push({ id, name: fc.name, answered: false });
      out.push(call);
      step = out.length;
      continue;
    }
    if (part.text !== undefined) {
      if (typeof part.text !== "string") throw badRequest(`\`${path}.text\` must be a string`, `${path}.text`);
      if (part.thought === true) {
        // Reasoning without our packed state cannot be verified upstream: its text is all there is.
        if (!(signature && restore(signature, part.text)) && part.text) out.push({ type: "reasoning", text: part.text });
      } else if (part.text) out.push({ type: "text", text: part.text });
      continue;
    }
    if (signature && restore(signature, "")) continue;
    throw badRequest(`\`${path}\` must hold text or a functionCall in a model turn`, path);
  }
  return out;
}

function stateFields(state: NonNullable<ReturnType<typeof unpackOpaqueState>>) {
  const out: { signature?: string; redactedData?: string; itemId?: string; encryptedContent?: string; origin: typeof state.origin } = { origin: state.origin };
  if (state.signature) out.signature = state.signature;
  if (state.redactedData) out.redactedData = state.redactedData;
  if (state.itemId) out.itemId = state.itemId;
  if (state.encryptedContent) out.encryptedContent = state.encryptedContent;
  return out;
}

function userParts(parts: unknown[], at: string, calls: OpenCall[]): UserPart[] {
  const out: UserPart[] = [];
  for (const [j, part] of parts.entries()) {
    const path = `${at}.parts[${j}]`;
    if (!isObj(part)) throw badRequest(`\`${path}\` must be an object`, path);
    if (part.text !== undefined) {
      if (typeof part.text !== "string") throw badRequest(`\`${path}.text\` must be a string`, `${path}.text`);
      // A user turn's thought text (a client echoing it by mistake) is not the user's words.
      if (part.text && part.thought !== true) out.push({ type: "text", text: part.text });
    } else if (part.inlineData !== undefined) {
      out.push(inlineData(part.inlineData, `${path}.inlineData`));
    } else if (part.fileData !== undefined) {
      out.push(fileData(part.fileData, `${path}.fileData`));
    } else if (isObj(part.functionResponse)) {
      out.push(functionResponse(part.functionResponse, `${path}.functionResponse`, calls));
    } else {
      const kind = Object.keys(part).find((k) => k !== "thoughtSignature" && k !== "thought") ?? "empty";
      throw badRequest(`\`${path}\`: ${kind} parts are not supported; use text, inlineData, fileData or functionResponse`, path);
    }
  }
  return out;
}

function inlineData(value: unknown, at: string): UserPart {
  if (!isObj(value) || typeof value.data !== "string" || typeof value.mimeType !== "string") {
    throw badRequest(`\`${at}\` must have string \`mimeType\` and \`data\` (base64)`, at);
  }
  if (value.mimeType.startsWith("image/")) return { type: "image", source: { kind: "base64", mediaType: value.mimeType, data: value.data } };
  if (value.mimeType === "application/pdf" || value.mimeType.startsWith("text/")) {
    return { type: "document", source: { type: "base64", media_type: value.mimeType, data: value.data } };
  }
  throw badRequest(`\`${at}.mimeType\` ${JSON.stringify(value.mimeType)} is not supported: Copilot takes images, PDF and text`, `${at}.mimeType`);
}

function fileData(value: unknown, at: string): UserPart {
  if (!isObj(value) || typeof value.fileUri !== "string" || !value.fileUri) throw badRequest(`\`${at}.fileUri\` must be a string`, `${at}.fileUri`);
  const mime = typeof value.mimeType === "string" ? value.mimeType : "";
  if (mime && !mime.startsWith("image/")) throw badRequest(`\`${at}.mimeType\`: only images can be given by URI`, `${at}.mimeType`);
  // Copilot takes no image URLs: src/images/ downloads them, naming this field if it cannot.
  return { type: "image", source: { kind: "url", url: value.fileUri, field: `${at}.fileUri` } };
}

function functionResponse(fr: Obj, at: string, calls: OpenCall[]): ToolResultPart {
  if (typeof fr.name !== "string" || !fr.name) throw badRequest(`\`${at}.name\` must be a string`, `${at}.name`);
  const name = fr.name;
  let call = typeof fr.id === "string" && fr.id ? calls.find((c) => c.id === fr.id) : undefined;
  call ??= calls.find((c) => !c.answered && c.name === name);
  // A response to no known call keeps its own id: the pairing pass (ir/pair-tool-results.ts) drops orphans.
  const callId = call?.id ?? (typeof fr.id === "string" && fr.id ? fr.id : `orphan_${name}`);
  if (call) call.answered = true;
  const response = fr.response;
  if (response != null && !isObj(response)) throw badRequest(`\`${at}.response\` must be an object`, `${at}.response`);
  const result: ToolResultPart = { type: "tool-result", callId, content: [] };
  const text = responseText(response);
  if (text) result.content.push({ type: "text", text });
  if (isObj(response) && response.error !== undefined && response.output === undefined) result.isError = true;
  // Multimodal function responses (images the tool returned) ride along as their own parts.
  if (Array.isArray(fr.parts)) {
    for (const [k, p] of fr.parts.entries()) {
      if (isObj(p) && p.inlineData !== undefined) {
        const part = inlineData(p.inlineData, `${at}.parts[${k}].inlineData`);
        if (part.type === "image") result.content.push(part);
      }
    }
  }
  return result;
}

/**
 * What a tool said, as text. Gemini CLI answers `{output: "…"}` or `{error: "…"}`; a lone string
 * field is given as it is, anything else as JSON, so nothing the tool returned is lost.
 */
function responseText(response: Obj | null | undefined): string {
  if (!response) return "";
  const keys = Object.keys(response);
  if (keys.length === 1) {
    const only = response[keys[0]!];
    if (typeof only === "string") return only;
  }
  if (typeof response.output === "string" && keys.every((k) => k === "output" || response[k] == null)) return response.output;
  return JSON.stringify(response);
}

// ---- tools and options ----

function decodeTools(tools: unknown): Tool[] {
  if (!Array.isArray(tools)) throw badRequest("`tools` must be an array", "tools");
  const out: Tool[] = [];
  for (const [i, tool] of tools.entries()) {
    const at = `tools[${i}]`;
    if (!isObj(tool)) throw badRequest(`\`${at}\` must be an object`, at);
    const hosted = HOSTED_TOOLS.find((k) => tool[k] != null);
    if (hosted) throw badRequest(`\`${at}.${hosted}\` is a tool Google runs itself; Copilot has no equivalent. Declare functions instead.`, `${at}.${hosted}`);
    if (tool.functionDeclarations == null) continue;
    if (!Array.isArray(tool.functionDeclarations)) throw badRequest(`\`${at}.functionDeclarations\` must be an array`, `${at}.functionDeclarations`);
    for (const [j, fd] of tool.functionDeclarations.entries()) {
      const path = `${at}.functionDeclarations[${j}]`;
      if (!isObj(fd) || typeof fd.name !== "string" || !fd.name) throw badRequest(`\`${path}.name\` must be a string`, `${path}.name`);
      let parameters: Obj = { type: "object", properties: {} };
      if (fd.parametersJsonSchema != null) {
        if (!isObj(fd.parametersJsonSchema)) throw badRequest(`\`${path}.parametersJsonSchema\` must be an object`, `${path}.parametersJsonSchema`);
        parameters = fd.parametersJsonSchema;
      } else if (fd.parameters != null) {
        if (!isObj(fd.parameters)) throw badRequest(`\`${path}.parameters\` must be an object`, `${path}.parameters`);
        parameters = convertGeminiSchema(fd.parameters) as Obj;
      }
      const fn: Tool = { type: "function", name: fd.name, parameters };
      if (typeof fd.description === "string") fn.description = fd.description;
      out.push(fn);
    }
  }
  return out;
}

function decodeToolConfig(config: unknown): ToolChoice | undefined {
  if (!isObj(config)) throw badRequest("`toolConfig` must be an object", "toolConfig");
  const fcc = config.functionCallingConfig;
  if (fcc == null) return undefined;
  if (!isObj(fcc)) throw badRequest("`toolConfig.functionCallingConfig` must be an object", "toolConfig.functionCallingConfig");
  const allowed = Array.isArray(fcc.allowedFunctionNames) ? fcc.allowedFunctionNames.filter((n): n is string => typeof n === "string") : [];
  switch (fcc.mode ?? "AUTO") {
    case "AUTO":
    case "MODE_UNSPECIFIED":
    case "VALIDATED":
      return { type: "auto" };
    case "NONE":
      return { type: "none" };
    case "ANY":
      // One allowed name forces that function; several narrow the choice, which Copilot can't: any call.
      return allowed.length === 1 ? { type: "tool", name: allowed[0]! } : { type: "required" };
    default:
      throw badRequest("`toolConfig.functionCallingConfig.mode` must be AUTO, ANY, NONE or VALIDATED", "toolConfig.functionCallingConfig.mode");
  }
}

function num(config: Obj, field: string): number | undefined {
  const v = config[field];
  if (v == null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`\`generationConfig.${field}\` must be a number`, `generationConfig.${field}`);
  return v;
}

/** Returns whether thoughts were asked for. Penalties, seeds and logprobs have no Copilot equivalent: ignored. */
function decodeGenerationConfig(config: unknown, req: Request): boolean {
  if (!isObj(config)) throw badRequest("`generationConfig` must be an object", "generationConfig");
  const temperature = num(config, "temperature");
  if (temperature !== undefined) req.temperature = temperature;
  const topP = num(config, "topP");
  if (topP !== undefined) req.topP = topP;
  const topK = num(config, "topK");
  if (topK !== undefined) req.topK = topK;
  const max = num(config, "maxOutputTokens");
  if (max !== undefined) {
    if (!Number.isInteger(max) || max < 1) throw badRequest("`generationConfig.maxOutputTokens` must be a positive integer", "generationConfig.maxOutputTokens");
    req.maxOutputTokens = max;
  }
  const candidates = num(config, "candidateCount");
  if (candidates !== undefined && candidates !== 1) throw badRequest("`generationConfig.candidateCount` other than 1 is not supported through Copilot", "generationConfig.candidateCount");
  if (config.stopSequences != null) {
    if (!Array.isArray(config.stopSequences) || !config.stopSequences.every((s) => typeof s === "string")) {
      throw badRequest("`generationConfig.stopSequences` must be an array of strings", "generationConfig.stopSequences");
    }
    if (config.stopSequences.length > 0) req.stopSequences = config.stopSequences as string[];
  }
  if (Array.isArray(config.responseModalities) && config.responseModalities.some((m) => m !== "TEXT")) {
    throw badRequest("`generationConfig.responseModalities`: Copilot answers with text only", "generationConfig.responseModalities");
  }
  const mime = config.responseMimeType;
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (schema != null) {
    if (!isObj(schema)) throw badRequest("`generationConfig.responseSchema` must be an object", "generationConfig.responseSchema");
    req.responseFormat = { type: "json_schema", name: "response", schema: config.responseJsonSchema != null ? schema : convertGeminiSchema(schema) };
  } else if (mime === "application/json") {
    req.responseFormat = { type: "json_object" };
  } else if (mime != null && mime !== "text/plain") {
    throw badRequest(`\`generationConfig.responseMimeType\` ${JSON.stringify(asText(mime))} is not supported; use text/plain or application/json`, "generationConfig.responseMimeType");
  }
  return decodeThinking(config.thinkingConfig, req);
}

function decodeThinking(value: unknown, req: Request): boolean {
  if (value == null) return false;
  if (!isObj(value)) throw badRequest("`generationConfig.thinkingConfig` must be an object", "generationConfig.thinkingConfig");
  const budget = num(value, "thinkingBudget");
  const level = value.thinkingLevel;
  if (level != null) {
    const effort = typeof level === "string" ? LEVELS[level.toUpperCase()] : undefined;
    if (!effort) throw badRequest("`generationConfig.thinkingConfig.thinkingLevel` must be MINIMAL, LOW, MEDIUM or HIGH", "generationConfig.thinkingConfig.thinkingLevel");
    req.reasoning = { mode: "adaptive", effort };
  } else if (budget === 0) {
    req.reasoning = { mode: "disabled" };
  } else if (budget !== undefined && budget > 0) {
    req.reasoning = { mode: "enabled", budgetTokens: Math.floor(budget) };
  } else if (budget === -1 || value.includeThoughts === true) {
    // -1 is Gemini's "dynamic": the model decides how much to think.
    req.reasoning = { mode: "adaptive" };
  }
  return value.includeThoughts === true;
}
