import { badRequest } from "../../errors.js";
import type { AssistantPart, ImagePart, Reasoning, ReasoningEffort, Request, TextPart, Tool, UserPart } from "../../ir/request.js";
import { objectArguments } from "../../interceptors/chat/with-object-tool-arguments.js";
import { decodeOllamaImage } from "./decode-image.js";
import { copilotModelName } from "./model-name.js";
import { pushAll } from "../../push-all.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const EFFORTS: readonly string[] = ["low", "medium", "high"];

/** What the Ollama encoders need to know of the request besides the IR. */
export interface DecodedOllamaRequest {
  req: Request;
  /** `think` was asked for: thinking text is sent in `thinking`. */
  think: boolean;
}

/**
 * POST /api/chat body → IR. Ollama streams unless `stream: false`. Tool calls carry no ids in
 * Ollama's format: each gets one from its turn and position, and the `tool` messages that follow
 * answer them in order (by `tool_name` when given). Images are base64 on the message.
 */
export function decodeOllamaChat(body: Obj): DecodedOllamaRequest {
  return runToEnd(decodeChatSteps(body));
}

/** decodeOllamaChat for a large body: the event loop gets a turn every ITEMS_PER_SLICE messages. */
export function decodeOllamaChatInTurns(body: Obj): Promise<DecodedOllamaRequest> {
  return runSliced(decodeChatSteps(body));
}

function* decodeChatSteps(body: Obj): Steps<DecodedOllamaRequest> {
  const req = base(body);
  if (!Array.isArray(body.messages)) throw badRequest("`messages` is required and must be an array", "messages");
  yield* decodeMessages(body.messages, req);
  if (req.messages.length === 0) throw badRequest("`messages` must hold at least one user or assistant message", "messages");
  if (body.tools != null) req.tools = decodeTools(body.tools);
  return { req, think: decodeThink(body.think, req) };
}

/** POST /api/generate body → IR: one user turn (prompt and images) under `system`. */
export function decodeOllamaGenerate(body: Obj): DecodedOllamaRequest {
  const req = base(body);
  if (typeof body.prompt !== "string") throw badRequest("`prompt` is required and must be a string", "prompt");
  if (body.system != null) {
    if (typeof body.system !== "string") throw badRequest("`system` must be a string", "system");
    if (body.system) req.system.push({ type: "text", text: body.system });
  }
  if (body.suffix != null && body.suffix !== "") throw badRequest("`suffix` (fill-in-the-middle) is not supported through Copilot", "suffix");
  const content: UserPart[] = [];
  if (body.prompt) content.push({ type: "text", text: body.prompt });
  pushAll(content, images(body.images, "images"));
  if (content.length === 0) throw badRequest("`prompt` is empty", "prompt");
  req.messages.push({ role: "user", content });
  return { req, think: decodeThink(body.think, req) };
}

function base(body: Obj): Request {
  if (typeof body.model !== "string" || !body.model) throw badRequest("`model` is required and must be a string", "model");
  const req: Request = { model: copilotModelName(body.model), system: [], messages: [], tools: [], stream: body.stream !== false };
  if (body.format != null && body.format !== "") {
    if (body.format === "json") req.responseFormat = { type: "json_object" };
    else if (isObj(body.format)) req.responseFormat = { type: "json_schema", name: "response", schema: body.format };
    else throw badRequest('`format` must be "json" or a JSON schema object', "format");
  }
  if (body.options != null) decodeOptions(body.options, req);
  return req;
}

function optionNumber(options: Obj, field: string): number | undefined {
  const v = options[field];
  if (v == null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`\`options.${field}\` must be a number`, `options.${field}`);
  return v;
}

/** Sampling options; the ones about the local runtime (num_ctx, num_gpu, seed, …) mean nothing here and are ignored. */
function decodeOptions(options: unknown, req: Request): void {
  if (!isObj(options)) throw badRequest("`options` must be an object", "options");
  const temperature = optionNumber(options, "temperature");
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optionNumber(options, "top_p");
  if (topP !== undefined) req.topP = topP;
  const topK = optionNumber(options, "top_k");
  if (topK !== undefined) req.topK = topK;
  const predict = optionNumber(options, "num_predict");
  // -1 (no limit) and -2 (fill the context) leave the model's own cap.
  if (predict !== undefined && predict > 0) req.maxOutputTokens = Math.floor(predict);
  const stop = options.stop;
  if (stop != null) {
    if (typeof stop === "string") req.stopSequences = [stop];
    else if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) req.stopSequences = stop as string[];
    else throw badRequest("`options.stop` must be a string or an array of strings", "options.stop");
  }
}

function decodeThink(think: unknown, req: Request): boolean {
  if (think == null) return false;
  let reasoning: Reasoning;
  if (think === true) reasoning = { mode: "adaptive" };
  else if (think === false) reasoning = { mode: "disabled" };
  else if (typeof think === "string" && EFFORTS.includes(think)) reasoning = { mode: "adaptive", effort: think as ReasoningEffort };
  else throw badRequest('`think` must be true, false, "low", "medium" or "high"', "think");
  req.reasoning = reasoning;
  return reasoning.mode !== "disabled";
}

function images(value: unknown, at: string): ImagePart[] {
  if (value == null) return [];
  if (!Array.isArray(value)) throw badRequest(`\`${at}\` must be an array of base64 strings`, at);
  return value.map((img, k) => decodeOllamaImage(img, `${at}[${k}]`));
}

function text(value: unknown, at: string): TextPart[] {
  if (value == null || value === "") return [];
  if (typeof value !== "string") throw badRequest(`\`${at}\` must be a string`, at);
  return [{ type: "text", text: value }];
}

interface OpenCall {
  id: string;
  name: string;
  answered: boolean;
}

function* decodeMessages(messages: unknown[], req: Request): Steps<void> {
  let leading = true;
  let calls: OpenCall[] = [];
  for (const [i, raw] of messages.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    const at = `messages[${i}]`;
    if (!isObj(raw)) throw badRequest(`\`${at}\` must be an object`, at);
    if (raw.role !== "system") leading = false;
    switch (raw.role) {
      case "system": {
        const content = text(raw.content, `${at}.content`);
        if (leading) pushAll(req.system, content);
        else if (content.length > 0) req.messages.push({ role: "system", content });
        break;
      }
      case "user": {
        const content: UserPart[] = [...text(raw.content, `${at}.content`), ...images(raw.images, `${at}.images`)];
        if (content.length > 0) pushUser(req, content);
        break;
      }
      case "assistant": {
        calls = [];
        const content = assistant(raw, at, i, calls);
        if (content.length > 0) req.messages.push({ role: "assistant", content });
        break;
      }
      case "tool": {
        const name = typeof raw.tool_name === "string" ? raw.tool_name : typeof raw.name === "string" ? raw.name : undefined;
        const byId = typeof raw.tool_call_id === "string" ? calls.find((c) => c.id === raw.tool_call_id) : undefined;
        const call = byId ?? calls.find((c) => !c.answered && (name === undefined || c.name === name));
        // A result for no known call keeps a made-up id: the pairing pass (ir/pair-tool-results.ts) drops it.
        const callId = call?.id ?? `orphan_${i}`;
        if (call) call.answered = true;
        pushUser(req, [{ type: "tool-result", callId, content: [...text(raw.content, `${at}.content`), ...images(raw.images, `${at}.images`)] }]);
        break;
      }
      default:
        throw badRequest(`\`${at}.role\` must be one of system, user, assistant, tool`, `${at}.role`);
    }
  }
}

/** Tool results and the user text after them form one turn. */
function pushUser(req: Request, content: UserPart[]): void {
  const last = req.messages.at(-1);
  if (last?.role === "user") pushAll(last.content, content);
  else req.messages.push({ role: "user", content });
}

function assistant(raw: Obj, at: string, turn: number, calls: OpenCall[]): AssistantPart[] {
  const out: AssistantPart[] = [];
  if (typeof raw.thinking === "string" && raw.thinking) out.push({ type: "reasoning", text: raw.thinking });
  pushAll(out, text(raw.content, `${at}.content`));
  if (raw.tool_calls == null) return out;
  if (!Array.isArray(raw.tool_calls)) throw badRequest(`\`${at}.tool_calls\` must be an array`, `${at}.tool_calls`);
  for (const [k, call] of raw.tool_calls.entries()) {
    const path = `${at}.tool_calls[${k}]`;
    const fn = isObj(call) && isObj(call.function) ? call.function : undefined;
    if (!fn || typeof fn.name !== "string" || !fn.name) throw badRequest(`\`${path}.function.name\` must be a string`, `${path}.function.name`);
    const id = isObj(call) && typeof call.id === "string" && call.id ? call.id : `call_${turn}_${k}`;
    // Ollama sends arguments as an object; a string (from OpenAI-minded tools) is normalised too.
    const input = isObj(fn.arguments) ? JSON.stringify(fn.arguments) : objectArguments(fn.arguments);
    out.push({ type: "tool-call", id, name: fn.name, input });
    calls.push({ id, name: fn.name, answered: false });
  }
  return out;
}

function decodeTools(tools: unknown): Tool[] {
  if (!Array.isArray(tools)) throw badRequest("`tools` must be an array", "tools");
  return tools.map((tool, i): Tool => {
    const at = `tools[${i}]`;
    const fn = isObj(tool) && isObj(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== "string" || !fn.name) throw badRequest(`\`${at}.function.name\` must be a string`, `${at}.function.name`);
    if (fn.parameters != null && !isObj(fn.parameters)) throw badRequest(`\`${at}.function.parameters\` must be an object`, `${at}.function.parameters`);
    const out: Tool = { type: "function", name: fn.name, parameters: (fn.parameters as Obj | undefined) ?? { type: "object", properties: {} } };
    if (typeof fn.description === "string") out.description = fn.description;
    return out;
  });
}
