import { badRequest } from "../../errors.js";
import type {
  AssistantPart,
  CacheControl,
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
import { decodeThinkingSignature } from "./wire.js";
import { quote } from "../../text.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runSliced, runToEnd, type Steps } from "../../tokens/work-steps.js";

/**
 * An Anthropic Messages request body → IR. Validation happens as the body is walked: anything
 * malformed is a 400 naming the exact field path (`messages.3.content.1.source.data`), in the
 * manner of Anthropic's own errors, never a TypeError from deep inside a translator.
 *
 * Top-level fields and where they go:
 * - model, system, messages, tools, tool_choice, max_tokens, temperature, top_p, top_k,
 *   stop_sequences, stream, thinking, output_config (effort, format), output_format,
 *   metadata.user_id: mapped into the IR.
 * - mcp_servers: refused (Copilot has no MCP connector; silently dropping tools misleads the model).
 * - Deliberately ignored, being client-side hints with no IR meaning: context_management (Claude
 *   Code's thinking/tool-use clearing; Copilot rejects it as sent, T22), service_tier, container,
 *   inference_geo, speed, metadata fields other than user_id.
 * - Unknown fields are ignored too: Claude Code adds body fields from release to release (ranking
 *   #2 in known-failures.md), and refusing each new one would break every client upgrade.
 *
 * `max_tokens` is optional here although Anthropic requires it, because /count_tokens bodies share
 * this decoder and carry none; upstream encoders supply a default.
 */
export function decodeAnthropicRequest(body: unknown): Request {
  return runToEnd(decodeSteps(body));
}

/** decodeAnthropicRequest for a large body: the event loop gets a turn every ITEMS_PER_SLICE messages. */
export function decodeAnthropicRequestInTurns(body: unknown): Promise<Request> {
  return runSliced(decodeSteps(body));
}

function* decodeSteps(body: unknown): Steps<Request> {
  if (!isObject(body)) throw badRequest("Request body must be a JSON object");

  const model = nonEmptyString(body.model, "model");
  const system = decodeSystem(body.system);
  const messages: Message[] = [];
  for (const [i, m] of array(body.messages, "messages").entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    messages.push(decodeMessage(m, `messages.${i}`));
  }
  const req: Request = {
    model,
    system,
    messages,
    tools: decodeTools(body.tools),
    stream: optional(body.stream, "stream", boolean) ?? false,
  };

  const choice = decodeToolChoice(body.tool_choice);
  if (choice.toolChoice) req.toolChoice = choice.toolChoice;
  if (choice.parallelToolCalls !== undefined) req.parallelToolCalls = choice.parallelToolCalls;

  const maxTokens = optional(body.max_tokens, "max_tokens", (v, p) => integer(v, p, 1));
  if (maxTokens !== undefined) req.maxOutputTokens = maxTokens;
  const temperature = optional(body.temperature, "temperature", (v, p) => number(v, p, 0));
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optional(body.top_p, "top_p", (v, p) => number(v, p, 0));
  if (topP !== undefined) req.topP = topP;
  const topK = optional(body.top_k, "top_k", (v, p) => integer(v, p, 0));
  if (topK !== undefined) req.topK = topK;
  const stop = optional(body.stop_sequences, "stop_sequences", (v, p) => array(v, p).map((s, i) => string(s, `${p}.${i}`)));
  if (stop !== undefined) req.stopSequences = stop;

  const reasoning = decodeReasoning(body.thinking, body.output_config);
  if (reasoning) {
    req.reasoning = reasoning;
    // Anthropic clients echo reasoning state back on every turn, so ask upstreams that only
    // return it on request (Responses: include reasoning.encrypted_content) to do so.
    if (reasoning.mode !== "disabled") req.includeEncryptedReasoning = true;
  }

  const format = decodeOutputFormat(body);
  if (format) req.responseFormat = format;

  if (body.metadata !== undefined && body.metadata !== null) {
    const metadata = object(body.metadata, "metadata");
    // Claude Code sends a JSON-encoded string here; it is kept verbatim (real-clients.md §1.4).
    const user = optional(metadata.user_id, "metadata.user_id", string);
    if (user !== undefined) req.user = user;
  }

  if (body.mcp_servers !== undefined && body.mcp_servers !== null && !(Array.isArray(body.mcp_servers) && body.mcp_servers.length === 0)) {
    throw badRequest(
      "mcp_servers: the MCP connector is not supported by GitHub Copilot. Configure the MCP servers in the client instead.",
      "mcp_servers",
    );
  }

  return req;
}

/* ------------------------------------------------------------------------------------------------
 * system
 * ---------------------------------------------------------------------------------------------- */

/**
 * Claude Code's first system block is `x-anthropic-billing-header: cc_version=…; cch=<nonce>;`, an
 * attribution line for Anthropic's billing. Copilot's /v1/messages rejects it as a reserved
 * keyword (copilot-upstream.md §7) and its per-request nonce defeats prompt caching on every
 * upstream (known-failures case 13), so it is dropped here, once, for all of them.
 */
const BILLING_HEADER = "x-anthropic-billing-header:";

function decodeSystem(value: unknown): TextPart[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [{ type: "text", text: value }];
  return array(value, "system")
    .map((block, i) => decodeTextBlock(block, `system.${i}`))
    .filter((part) => !part.text.trimStart().startsWith(BILLING_HEADER));
}

/* ------------------------------------------------------------------------------------------------
 * messages
 * ---------------------------------------------------------------------------------------------- */

function decodeMessage(value: unknown, path: string): Message {
  const m = object(value, path);
  const role = m.role;
  const content = m.content;
  const blocks = (): unknown[] => array(content, `${path}.content`);
  switch (role) {
    case "user":
      if (typeof content === "string") return { role, content: [{ type: "text", text: content }] };
      return { role, content: blocks().map((b, i) => decodeUserBlock(b, `${path}.content.${i}`)) };
    case "assistant":
      if (typeof content === "string") return { role, content: [{ type: "text", text: content }] };
      return { role, content: blocks().map((b, i) => decodeAssistantBlock(b, `${path}.content.${i}`)) };
    case "system":
      // Claude Code ≥ 2.1.153 (mid-conversation-system beta) puts these between turns (T26).
      if (typeof content === "string") return { role, content: [{ type: "text", text: content }] };
      return { role, content: blocks().map((b, i) => decodeTextBlock(b, `${path}.content.${i}`)) };
    default:
      throw badRequest(`${path}.role: expected "user", "assistant" or "system"`, `${path}.role`);
  }
}

function decodeUserBlock(value: unknown, path: string): UserPart {
  const b = object(value, path);
  switch (b.type) {
    case "text":
      return decodeTextBlock(b, path);
    case "image":
      return decodeImageBlock(b, path);
    case "document": {
      const part: UserPart = { type: "document", source: object(b.source, `${path}.source`) };
      const title = optional(b.title, `${path}.title`, string);
      if (title !== undefined) part.title = title;
      // context and citations (document hints for Anthropic's citations feature) have no IR home.
      return withCache(part, b, path);
    }
    case "tool_result": {
      const part: UserPart = {
        type: "tool-result",
        callId: nonEmptyString(b.tool_use_id, `${path}.tool_use_id`),
        content: decodeToolResultContent(b.content, `${path}.content`),
      };
      const isError = optional(b.is_error, `${path}.is_error`, boolean);
      if (isError !== undefined) part.isError = isError;
      return withCache(part, b, path);
    }
    case "tool_use":
    case "thinking":
    case "redacted_thinking":
      throw badRequest(`${path}.type: "${b.type}" blocks are only allowed in assistant messages`, `${path}.type`);
    default:
      throw unknownBlock(b.type, path);
  }
}

function decodeAssistantBlock(value: unknown, path: string): AssistantPart {
  const b = object(value, path);
  switch (b.type) {
    case "text":
      return decodeTextBlock(b, path);
    case "tool_use": {
      const part: AssistantPart = {
        type: "tool-call",
        id: nonEmptyString(b.id, `${path}.id`),
        name: nonEmptyString(b.name, `${path}.name`),
        // Anthropic's input is an object; anything else in history would be sent back as a
        // broken argument string (T5/T6), so it becomes {}.
        input: isObject(b.input) ? JSON.stringify(b.input) : "{}",
      };
      return withCache(part, b, path);
    }
    case "thinking": {
      const part: ReasoningPart = { type: "reasoning", text: string(b.thinking, `${path}.thinking`) };
      const signature = optional(b.signature, `${path}.signature`, string);
      if (signature !== undefined) {
        const state = decodeThinkingSignature(signature);
        if (!state) throw badRequest(`${path}.signature: malformed "cpk:" signature`, `${path}.signature`);
        Object.assign(part, state);
      }
      return part;
    }
    case "redacted_thinking":
      return { type: "reasoning", text: "", redactedData: string(b.data, `${path}.data`), origin: "anthropic" };
    case "image":
    case "document":
    case "tool_result":
      throw badRequest(`${path}.type: "${b.type}" blocks are only allowed in user messages`, `${path}.type`);
    default:
      throw unknownBlock(b.type, path);
  }
}

function unknownBlock(type: unknown, path: string) {
  if (typeof type === "string" && (type === "server_tool_use" || type.endsWith("_tool_result"))) {
    return badRequest(
      `${path}.type: "${type}" blocks come from Anthropic server tools, which GitHub Copilot does not run; start a new conversation without them`,
      `${path}.type`,
    );
  }
  return badRequest(`${path}.type: unsupported content block type ${quote(type)}`, `${path}.type`);
}

function decodeTextBlock(value: unknown, path: string): TextPart {
  const b = object(value, path);
  if (b.type !== "text") throw badRequest(`${path}.type: expected "text"`, `${path}.type`);
  // citations on assistant text are Anthropic's citations feature: no IR home, ignored.
  return withCache<TextPart>({ type: "text", text: string(b.text, `${path}.text`) }, b, path);
}

function decodeImageBlock(b: Record<string, unknown>, path: string): ImagePart {
  const source = object(b.source, `${path}.source`);
  const sp = `${path}.source`;
  switch (source.type) {
    case "base64":
      return withCache<ImagePart>(
        {
          type: "image",
          source: {
            kind: "base64",
            mediaType: nonEmptyString(source.media_type, `${sp}.media_type`),
            data: nonEmptyString(source.data, `${sp}.data`),
          },
        },
        b,
        path,
      );
    case "url":
      return withCache<ImagePart>({ type: "image", source: { kind: "url", url: nonEmptyString(source.url, `${sp}.url`), field: `${sp}.url` } }, b, path);
    default:
      throw badRequest(`${sp}.type: expected "base64" or "url" (the Files API is not available through GitHub Copilot)`, `${sp}.type`);
  }
}

function decodeToolResultContent(value: unknown, path: string): (TextPart | ImagePart)[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [{ type: "text", text: value }];
  return array(value, path).map((item, i) => {
    const p = `${path}.${i}`;
    const b = object(item, p);
    if (b.type === "text") return decodeTextBlock(b, p);
    if (b.type === "image") return decodeImageBlock(b, p);
    throw badRequest(`${p}.type: tool results may hold "text" and "image" blocks, not ${quote(b.type)}`, `${p}.type`);
  });
}

/* ------------------------------------------------------------------------------------------------
 * tools
 * ---------------------------------------------------------------------------------------------- */

function decodeTools(value: unknown): Tool[] {
  if (value === undefined || value === null) return [];
  return array(value, "tools").map((item, i) => {
    const path = `tools.${i}`;
    const t = object(item, path);
    const type = t.type;
    if (typeof type === "string" && type.startsWith("web_search_")) {
      // Copilot answers "The use of the web search tool is not supported." (copilot-upstream.md §7);
      // dropping it silently would leave the model claiming it searched (case 37).
      throw badRequest(
        `${path}: the ${type} web search server tool is not supported by GitHub Copilot. Disable web search in the client (for Claude Code: deny the WebSearch tool).`,
        path,
      );
    }
    if (type !== undefined && type !== null && type !== "custom") {
      throw badRequest(
        `${path}.type: the Anthropic-defined tool type ${quote(type)} is not supported by GitHub Copilot; define it as a client tool with an input_schema instead.`,
        `${path}.type`,
      );
    }
    const schema = { ...object(t.input_schema, `${path}.input_schema`) };
    // Claude Code sends "$schema": draft 2020-12; GPT models reject the key (real-clients.md §1.4).
    delete schema.$schema;
    const tool: Tool = { type: "function", name: nonEmptyString(t.name, `${path}.name`), parameters: schema };
    const description = optional(t.description, `${path}.description`, string);
    if (description !== undefined) tool.description = description;
    const strict = optional(t.strict, `${path}.strict`, boolean);
    if (strict !== undefined) tool.strict = strict;
    // defer_loading, eager_input_streaming, input_examples: advanced-tool-use hints with no IR
    // meaning, which Copilot rejects anyway (T22). Ignored.
    return withCache(tool, t, path);
  });
}

function decodeToolChoice(value: unknown): { toolChoice?: ToolChoice; parallelToolCalls?: boolean } {
  if (value === undefined || value === null) return {};
  const c = object(value, "tool_choice");
  let toolChoice: ToolChoice;
  switch (c.type) {
    case "auto":
      toolChoice = { type: "auto" };
      break;
    case "any":
      toolChoice = { type: "required" };
      break;
    case "tool":
      toolChoice = { type: "tool", name: nonEmptyString(c.name, "tool_choice.name") };
      break;
    case "none":
      toolChoice = { type: "none" };
      break;
    default:
      throw badRequest(`tool_choice.type: expected "auto", "any", "tool" or "none"`, "tool_choice.type");
  }
  const disable = optional(c.disable_parallel_tool_use, "tool_choice.disable_parallel_tool_use", boolean);
  return disable === undefined ? { toolChoice } : { toolChoice, parallelToolCalls: !disable };
}

/* ------------------------------------------------------------------------------------------------
 * thinking, effort, structured output
 * ---------------------------------------------------------------------------------------------- */

const EFFORTS: readonly ReasoningEffort[] = ["minimal", "low", "medium", "high", "xhigh", "max"];

function decodeReasoning(thinking: unknown, outputConfig: unknown): Reasoning | undefined {
  let reasoning: Reasoning | undefined;
  if (thinking !== undefined && thinking !== null) {
    const t = object(thinking, "thinking");
    switch (t.type) {
      case "enabled":
        reasoning = { mode: "enabled", budgetTokens: integer(t.budget_tokens, "thinking.budget_tokens", 0) };
        break;
      case "adaptive":
        reasoning = { mode: "adaptive" };
        break;
      case "disabled":
        reasoning = { mode: "disabled" };
        break;
      default:
        throw badRequest(`thinking.type: expected "enabled", "adaptive" or "disabled"`, "thinking.type");
    }
    // thinking.display (summarized/omitted) is a presentation hint with no IR meaning.
  }
  if (outputConfig !== undefined && outputConfig !== null) {
    const oc = object(outputConfig, "output_config");
    if (oc.effort !== undefined && oc.effort !== null) {
      if (typeof oc.effort !== "string" || !EFFORTS.includes(oc.effort as ReasoningEffort)) {
        throw badRequest(`output_config.effort: expected one of ${EFFORTS.join(", ")}`, "output_config.effort");
      }
      // Effort without thinking (the newest models) means the model decides how much to think.
      reasoning = { ...(reasoning ?? { mode: "adaptive" }), effort: oc.effort as ReasoningEffort };
    }
  }
  return reasoning;
}

/** output_config.format (GA structured outputs) or the older top-level output_format beta. */
function decodeOutputFormat(body: Record<string, unknown>): Request["responseFormat"] {
  let value: unknown;
  let path: string;
  if (isObject(body.output_config) && body.output_config.format !== undefined && body.output_config.format !== null) {
    value = body.output_config.format;
    path = "output_config.format";
  } else if (body.output_format !== undefined && body.output_format !== null) {
    value = body.output_format;
    path = "output_format";
  } else {
    return undefined;
  }
  const f = object(value, path);
  if (f.type !== "json_schema") throw badRequest(`${path}.type: expected "json_schema"`, `${path}.type`);
  return { type: "json_schema", schema: object(f.schema, `${path}.schema`) };
}

/* ------------------------------------------------------------------------------------------------
 * field helpers: each names its path in the error
 * ---------------------------------------------------------------------------------------------- */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw badRequest(`${path}: expected an object`, path);
  return v;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw badRequest(`${path}: expected an array`, path);
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== "string") throw badRequest(`${path}: expected a string`, path);
  return v;
}

function nonEmptyString(v: unknown, path: string): string {
  if (typeof v !== "string" || v === "") throw badRequest(`${path}: expected a non-empty string`, path);
  return v;
}

function boolean(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw badRequest(`${path}: expected a boolean`, path);
  return v;
}

function number(v: unknown, path: string, min: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) throw badRequest(`${path}: expected a number ≥ ${min}`, path);
  return v;
}

function integer(v: unknown, path: string, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw badRequest(`${path}: expected an integer ≥ ${min}`, path);
  return v;
}

/** undefined and null both mean "absent", as Anthropic's API treats them. */
function optional<T>(v: unknown, path: string, decode: (v: unknown, path: string) => T): T | undefined {
  return v === undefined || v === null ? undefined : decode(v, path);
}

/** Keeps only {type, ttl} of cache_control: `scope` (Claude Code's beta) is rejected by Copilot (T22). */
function decodeCacheControl(v: unknown, path: string): CacheControl | undefined {
  if (v === undefined || v === null) return undefined;
  const c = object(v, path);
  if (c.type !== "ephemeral") throw badRequest(`${path}.type: expected "ephemeral"`, `${path}.type`);
  const cache: CacheControl = { type: "ephemeral" };
  const ttl = optional(c.ttl, `${path}.ttl`, string);
  if (ttl !== undefined) cache.ttl = ttl;
  return cache;
}

function withCache<T extends { cacheControl?: CacheControl }>(part: T, block: Record<string, unknown>, path: string): T {
  const cache = decodeCacheControl(block.cache_control, `${path}.cache_control`);
  if (cache) part.cacheControl = cache;
  return part;
}
