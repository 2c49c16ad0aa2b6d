// Local token counts for Anthropic Messages bodies (POST /v1/messages/count_tokens, and the input
// estimate in a translated stream's message_start) and OpenAI chat bodies. How and why: docs/count-tokens.md.
//
//   total = round(textTokens * factor) + fixedTokens
//
// textTokens: every piece of text the model reads (system, message text, tool_use name + input JSON,
// tool_result content, thinking, tool names, descriptions and input_schema JSON), tokenized with the
// model's OpenAI encoding. factor: the vendor calibration (model-profile.ts). fixedTokens: images
// (by pixel size), documents, and structural overheads, which are already in the vendor's units.
//
// Never throws: a body that is not an object, or fields of the wrong type, count as what they are
// (numbers as their digits, missing things as nothing).

import { createHash } from "node:crypto";
import type { CopilotModel } from "../upstream/model-catalog.js";
import { imageSizeFromBase64 } from "./image-size.js";
import { type ImageDetail, type ImageRule, imageTokens } from "./image-tokens.js";
import { type CountProfile, resolveProfile, type TokenizerFamily } from "./model-profile.js";
import { type CacheStats, type PieceCount, PieceCache } from "./piece-cache.js";
import { countTextSteps, type Encoding, estimateFromSamplesSteps, SAMPLE_THRESHOLD_CHARS, toEncoding, warmTokenizer } from "./tokenizer.js";
import { warmUpText } from "./warm-up-text.js";
import { runSliced, runToEnd, slicedMeter, type Steps, unslicedMeter, type WorkMeter } from "./work-steps.js";

// ---- Structural overheads (vendor units). Small next to content; see docs/count-tokens.md. ----

/** Anthropic: a one-message request costs ~7 tokens beyond its text (count_tokens("hello, world") = 10 for 3 text tokens). */
const ANTHROPIC_REQUEST_BASE = 3;
const ANTHROPIC_PER_MESSAGE = 4;
const ANTHROPIC_SYSTEM_OVERHEAD = 3;
const ANTHROPIC_PER_EXTRA_BLOCK = 1;
/** Claude renders tool calls as XML-like invoke/parameter markup, costlier than the JSON we tokenize. */
const ANTHROPIC_TOOL_USE_OVERHEAD = 15;
const ANTHROPIC_TOOL_RESULT_OVERHEAD = 8;
const ANTHROPIC_PER_TOOL = 8;
/**
 * Anthropic adds a tool-use system prompt whenever `tools` is non-empty: 346 tokens for tool_choice
 * auto/none, 313 for any/tool (Claude 4.x and Sonnet 3.7; Anthropic docs, "Tool use: pricing").
 */
const ANTHROPIC_TOOLS_PROMPT_AUTO = 346;
const ANTHROPIC_TOOLS_PROMPT_FORCED = 313;

/** OpenAI chat (openai-cookbook "How to count tokens with tiktoken"; VS Code Copilot Chat tokenizer.ts). */
const OPENAI_PER_MESSAGE = 3;
const OPENAI_REPLY_PRIMING = 3;
const OPENAI_PER_NAME = 1;
const OPENAI_TOOLS_BASE = 16;
const OPENAI_PER_TOOL = 8;
/** VS Code's "safety margin" on tool definitions. */
const OPENAI_TOOLS_MARGIN = 1.1;
const OPENAI_PER_TOOL_CALL = 8;

/** Documents: Anthropic says 1,500-3,000 text tokens per PDF page, plus each page as an image. */
const PDF_TEXT_TOKENS_PER_PAGE = 2_000;
const PDF_PAGE_PIXELS = { width: 1700, height: 2200 }; // US Letter at 200 dpi
const PDF_FALLBACK_PAGES = 2;
const PDF_BYTES_PER_PAGE_GUESS = 60_000;
const PDF_SCAN_MAX_B64_CHARS = 8 * 1024 * 1024;

/** After this many characters tokenized exactly in one call, large strings are sampled (see Counter.tokens). */
const CALL_EXACT_BUDGET_CHARS = 1_000_000;
const MAX_DEPTH = 12;
/** Strings under these keys longer than this are treated as binary payloads, never tokenized as text. */
const BULK_STRING_CHARS = 2_048;

const cache = new PieceCache();

/** The work a piece (a message, a block) costs beyond its characters, in the units of work-steps.ts. */
const PIECE_WORK = 64;

export interface TokenBreakdown {
  total: number;
  system: number;
  tools: number;
  messages: number;
  /** Request-level fixed overheads (request frame, tool-use system prompt, reply priming). */
  overhead: number;
  family: TokenizerFamily;
  encoding: Encoding;
  factor: number;
  imageRule: ImageRule;
}

/** Estimated input tokens of an Anthropic Messages body (system, messages, tools). At least 1. */
export function countAnthropicTokens(body: unknown, model: CopilotModel | undefined): number {
  return explainAnthropicTokens(body, model).total;
}

/** Estimated prompt tokens of an OpenAI chat-completions body (messages, tools). At least 1. */
export function countOpenAIChatTokens(body: unknown, model: CopilotModel | undefined): number {
  return explainOpenAIChatTokens(body, model).total;
}

/**
 * countAnthropicTokens for request handlers: the same count, done in slices of a few milliseconds
 * with the event loop free in between (work-steps.ts), so no body, however large or shaped, holds up
 * the other requests. `signal` (the client's request) stops it when the client leaves.
 */
export async function countAnthropicTokensAsync(body: unknown, model: CopilotModel | undefined, signal?: AbortSignal): Promise<number> {
  return (await runSliced(anthropicSteps(body, model, slicedMeter()), signal)).total;
}

/** countOpenAIChatTokens in slices, as countAnthropicTokensAsync. */
export async function countOpenAIChatTokensAsync(body: unknown, model: CopilotModel | undefined, signal?: AbortSignal): Promise<number> {
  return (await runSliced(openAIChatSteps(body, model, slicedMeter()), signal)).total;
}

export function explainAnthropicTokens(body: unknown, model: CopilotModel | undefined): TokenBreakdown {
  return runToEnd(anthropicSteps(body, model, unslicedMeter()));
}

export function explainOpenAIChatTokens(body: unknown, model: CopilotModel | undefined): TokenBreakdown {
  return runToEnd(openAIChatSteps(body, model, unslicedMeter()));
}

function* anthropicSteps(body: unknown, model: CopilotModel | undefined, meter: WorkMeter): Steps<TokenBreakdown> {
  const b = isObject(body) ? body : {};
  const profile = resolveProfile(model, b.model, "claude");
  const c = new Counter(profile, meter);
  const sections = { system: 0, tools: 0, messages: 0, overhead: 0 };
  try {
    sections.overhead += yield* c.section(function* () {
      c.addFixed(ANTHROPIC_REQUEST_BASE);
    });
    sections.system += yield* c.section(() => countAnthropicSystem(c, b.system));
    sections.messages += yield* c.section(function* () {
      if (Array.isArray(b.messages)) for (const m of b.messages) yield* c.measure("a-msg", m, () => countAnthropicMessage(c, m));
    });
    sections.tools += yield* c.section(function* () {
      const tools = Array.isArray(b.tools) ? b.tools : [];
      if (tools.length === 0) return;
      for (const t of tools) yield* c.measure("a-tool", t, () => countAnthropicTool(c, t));
    });
    sections.overhead += yield* c.section(function* () {
      if (Array.isArray(b.tools) && b.tools.length > 0) c.addFixed(toolsPromptTokens(b.tool_choice));
    });
  } catch {
    // Defensive: whatever was counted before an unexpected shape stays counted.
  }
  return c.result(sections);
}

function* openAIChatSteps(body: unknown, model: CopilotModel | undefined, meter: WorkMeter): Steps<TokenBreakdown> {
  const b = isObject(body) ? body : {};
  const profile = resolveProfile(model, b.model, "openai");
  const c = new Counter(profile, meter);
  const sections = { system: 0, tools: 0, messages: 0, overhead: 0 };
  try {
    sections.overhead += yield* c.section(function* () {
      c.addFixed(OPENAI_REPLY_PRIMING);
    });
    sections.messages += yield* c.section(function* () {
      if (Array.isArray(b.messages)) for (const m of b.messages) yield* c.measure("o-msg", m, () => countOpenAIMessage(c, m));
    });
    sections.tools += yield* c.section(function* () {
      const tools = [...(Array.isArray(b.tools) ? b.tools : []), ...(Array.isArray(b.functions) ? b.functions : [])];
      if (tools.length === 0) return;
      c.addFixed(Math.floor(OPENAI_TOOLS_BASE * OPENAI_TOOLS_MARGIN));
      for (const t of tools) yield* c.measure("o-tool", t, () => countOpenAITool(c, t));
    });
  } catch {
    // Defensive, as above.
  }
  return c.result(sections);
}

/**
 * Start-up warm-up: loads the encoding table and runs both counters once over generated text shaped
 * like a Claude Code request, so the first real count_tokens call runs at steady-state speed instead
 * of paying table load and JIT tier-up (measured in docs/count-tokens.md). Synchronous, ~0.3-0.8 s.
 */
export function warmTokenCounter(encoding: Encoding | string = "o200k_base"): void {
  const enc = toEncoding(encoding);
  warmTokenizer(enc);
  const text = warmUpText(48_000);
  const chunk = (i: number, n: number) => text.slice(i * n, (i + 1) * n);
  const model: CopilotModel = { id: "claude-warm-up", vendor: "Anthropic", capabilities: { tokenizer: enc } };
  const tools = Array.from({ length: 8 }, (_, i) => ({
    name: `Tool${i}`,
    description: chunk(i, 3_000),
    input_schema: { type: "object", properties: { [`p${i}`]: { type: "string", description: chunk(i + 8, 300) } } },
  }));
  const body = {
    system: [{ type: "text", text: chunk(3, 6_000) }],
    messages: [
      { role: "user", content: [{ type: "text", text: chunk(4, 6_000) }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Tool1", input: { p1: chunk(40, 200) } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: chunk(5, 6_000) }] },
    ],
    tools,
  };
  countAnthropicTokens(body, model);
  countOpenAIChatTokens({ messages: [{ role: "user", content: chunk(7, 6_000) }], tools: tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } })) }, { ...model, vendor: "OpenAI" });
}

/** Drops every cached piece count (tests; a changed calibration). */
export function clearTokenCountCache(): void {
  cache.clear();
}

export function tokenCountCacheStats(): CacheStats {
  return cache.stats();
}

// ---------------------------------------------------------------------------------------------------

class Counter {
  text = 0;
  fixed = 0;
  private exactChars = 0;

  constructor(
    readonly profile: CountProfile,
    private readonly meter: WorkMeter,
  ) {}

  addFixed(n: number): void {
    if (Number.isFinite(n) && n > 0) this.fixed += n;
  }

  *addText(value: unknown, weight = 1): Steps<void> {
    const s = asText(value);
    if (s.length > 0) this.text += (yield* this.tokens(s)) * weight;
  }

  /**
   * Tokens of one string. Exact, except: strings over SAMPLE_THRESHOLD_CHARS are always sampled
   * (tokenizer.ts), and once this call has tokenized CALL_EXACT_BUDGET_CHARS exactly, strings over
   * 16 KiB are sampled with small windows, so even a first count of a huge history stays well under
   * a few hundred milliseconds.
   */
  private *tokens(s: string): Steps<number> {
    const encoding = this.profile.encoding;
    if (this.exactChars > CALL_EXACT_BUDGET_CHARS && s.length > 16_384) return yield* estimateFromSamplesSteps(s, encoding, 4, 2_048, this.meter);
    this.exactChars += Math.min(s.length, SAMPLE_THRESHOLD_CHARS);
    return yield* countTextSteps(s, encoding, this.meter);
  }

  image(width: number | undefined, height: number | undefined, detail?: ImageDetail): void {
    this.addFixed(imageTokens(this.profile.imageRule, width, height, detail));
  }

  /** Counts `value` through `fn`, or takes its count from the cache when the same piece was seen. */
  *measure(kind: string, value: unknown, fn: () => Steps<void>): Steps<void> {
    // Each piece costs work of its own (a cache key, a lookup, the walk), whatever its text: a body
    // of 300,000 two-character messages counted as 600,000 characters of work held the loop ~0.8 s.
    this.meter.work += PIECE_WORK;
    if (this.meter.work >= this.meter.slice) {
      this.meter.work = 0;
      yield;
    }
    const key = this.keyFor(kind, value);
    if (key !== undefined) {
      const hit = cache.get(key);
      if (hit !== undefined) {
        this.text += hit.text;
        this.fixed += hit.fixed;
        return;
      }
    }
    const t0 = this.text;
    const f0 = this.fixed;
    yield* fn();
    if (key !== undefined) cache.set(key, { text: this.text - t0, fixed: this.fixed - f0 } satisfies PieceCount);
  }

  /** Vendor-unit tokens added by `fn` (for the breakdown; the total is computed once, in result()). */
  *section(fn: () => Steps<void>): Steps<number> {
    const t0 = this.text;
    const f0 = this.fixed;
    yield* fn();
    return Math.round((this.text - t0) * this.profile.factor + (this.fixed - f0));
  }

  result(sections: { system: number; tools: number; messages: number; overhead: number }): TokenBreakdown {
    const total = Math.max(1, Math.round(this.text * this.profile.factor + this.fixed));
    return {
      total,
      ...sections,
      family: this.profile.family,
      encoding: this.profile.encoding,
      factor: this.profile.factor,
      imageRule: this.profile.imageRule,
    };
  }

  private keyFor(kind: string, value: unknown): string | undefined {
    let json: string | undefined;
    if (typeof value === "string") {
      if (value.length < 256) return undefined; // short strings are cheaper to count than to hash
      if (value.length > SAMPLE_THRESHOLD_CHARS) return undefined; // sampled: cheaper to redo than to hash
      json = value;
    } else if (value !== null && typeof value === "object") {
      // A piece holding more text than is ever tokenized exactly is sampled, which costs less than
      // serialising and hashing it whole in one step (seconds, for MBs of lone surrogates).
      if (textCharsOver(value, SAMPLE_THRESHOLD_CHARS, "", 0)) return undefined;
      json = fingerprint(value);
    }
    if (json === undefined) return undefined;
    const p = this.profile;
    return PieceCache.key(`${p.encoding}|${p.imageRule}|${kind}`, json);
  }
}

/**
 * JSON text identifying a piece. Binary payloads (base64 image/document data, data: URLs) are
 * replaced by their length and a hash of their head and tail, so a message holding a 5 MB screenshot
 * is not re-serialised and re-hashed in full on every call. Their token count depends on the header
 * (pixel size), which the head covers. undefined when the value cannot be serialised (cycles).
 */
function fingerprint(value: unknown): string | undefined {
  try {
    return hasBulkPayload(value, 0) ? JSON.stringify(value, bulkReplacer) : JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Whether `v` holds more than `max` characters of strings, binary payloads (bulkReplacer) not counted. */
function textCharsOver(v: unknown, max: number, key: string, depth: number): boolean {
  let left = max;
  const walk = (x: unknown, k: string, d: number): boolean => {
    if (typeof x === "string") {
      if (!(x.length > BULK_STRING_CHARS && isBulkKey(k, x))) left -= x.length + k.length;
      return left < 0;
    }
    if (x === null || typeof x !== "object" || d > MAX_DEPTH) return false;
    if (Array.isArray(x)) {
      for (const item of x) if (walk(item, "", d + 1)) return true;
      return false;
    }
    for (const [childKey, child] of Object.entries(x)) if (walk(child, childKey, d + 1)) return true;
    return false;
  };
  return walk(v, key, depth);
}

function bulkReplacer(key: string, v: unknown): unknown {
  if (typeof v === "string" && v.length > BULK_STRING_CHARS && isBulkKey(key, v)) {
    const head = createHash("sha1").update(v.slice(0, 65_536)).update(v.slice(-1_024)).digest("base64");
    return `\u0000bulk:${v.length}:${head}`;
  }
  return v;
}

function isBulkKey(key: string, v: string): boolean {
  return key === "data" || key === "file_data" || (key === "url" && v.startsWith("data:"));
}

/** Cheap walk over content-block shapes: is there an image/document/file/audio payload anywhere? */
function hasBulkPayload(v: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) {
    for (const x of v) if (hasBulkPayload(x, depth + 1)) return true;
    return false;
  }
  const o = v as Record<string, unknown>;
  const type = o.type;
  if (type === "image" || type === "document" || type === "image_url" || type === "file" || type === "input_audio") return true;
  if (Array.isArray(o.content)) return hasBulkPayload(o.content, depth + 1);
  return false;
}

// ---- Anthropic ------------------------------------------------------------------------------------

function toolsPromptTokens(toolChoice: unknown): number {
  const t = isObject(toolChoice) ? toolChoice.type : undefined;
  return t === "any" || t === "tool" ? ANTHROPIC_TOOLS_PROMPT_FORCED : ANTHROPIC_TOOLS_PROMPT_AUTO;
}

function* countAnthropicSystem(c: Counter, system: unknown): Steps<void> {
  if (system === undefined || system === null) return;
  if (typeof system === "string") {
    if (system.length === 0) return;
    c.addFixed(ANTHROPIC_SYSTEM_OVERHEAD);
    yield* c.measure("a-sys-str", system, () => c.addText(system));
    return;
  }
  if (Array.isArray(system)) {
    if (system.length === 0) return;
    c.addFixed(ANTHROPIC_SYSTEM_OVERHEAD);
    for (const block of system) yield* c.measure("a-sys", block, () => countAnthropicBlock(c, block, 0));
    return;
  }
  yield* c.addText(system);
}

function* countAnthropicMessage(c: Counter, m: unknown): Steps<void> {
  c.addFixed(ANTHROPIC_PER_MESSAGE);
  if (!isObject(m)) {
    yield* c.addText(m);
    return;
  }
  yield* countAnthropicContent(c, m.content, 0);
}

function* countAnthropicContent(c: Counter, content: unknown, depth: number): Steps<void> {
  if (Array.isArray(content)) {
    for (let i = 0; i < content.length; i++) {
      if (i > 0) c.addFixed(ANTHROPIC_PER_EXTRA_BLOCK);
      yield* countAnthropicBlock(c, content[i], depth + 1);
    }
    return;
  }
  yield* c.addText(content);
}

function* countAnthropicBlock(c: Counter, block: unknown, depth: number): Steps<void> {
  if (!isObject(block)) {
    yield* c.addText(block);
    return;
  }
  if (depth > MAX_DEPTH) return;
  switch (block.type) {
    case "text":
      yield* c.addText(block.text);
      return;
    case "image":
      countAnthropicImageSource(c, block.source);
      return;
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use":
      c.addFixed(ANTHROPIC_TOOL_USE_OVERHEAD);
      yield* c.addText(block.name);
      yield* c.addText(jsonText(block.input));
      return;
    case "tool_result":
    case "mcp_tool_result":
      c.addFixed(ANTHROPIC_TOOL_RESULT_OVERHEAD);
      yield* countAnthropicContent(c, block.content, depth);
      return;
    case "thinking":
      yield* c.addText(block.thinking);
      return;
    case "redacted_thinking":
      // Encrypted thinking: ~4 bytes of plaintext per token, base64 carries 3 bytes per 4 chars.
      c.addFixed(Math.ceil((asText(block.data).length * 3) / 4 / 4));
      return;
    case "document":
      yield* c.addText(block.title);
      yield* c.addText(block.context);
      yield* countDocumentSource(c, block.source, depth);
      return;
    case "search_result":
      yield* c.addText(block.title);
      yield* c.addText(block.source);
      yield* countAnthropicContent(c, block.content, depth);
      return;
    default:
      yield* countGeneric(c, block);
  }
}

function countAnthropicImageSource(c: Counter, source: unknown): void {
  if (isObject(source) && source.type === "base64") {
    const size = imageSizeFromBase64(source.data);
    c.image(size?.width, size?.height);
    return;
  }
  c.image(undefined, undefined); // url / file source: size unknown
}

function* countAnthropicTool(c: Counter, tool: unknown): Steps<void> {
  c.addFixed(ANTHROPIC_PER_TOOL);
  if (!isObject(tool)) {
    yield* c.addText(tool);
    return;
  }
  yield* c.addText(tool.name);
  yield* c.addText(tool.description);
  if (tool.input_schema !== undefined) {
    yield* c.addText(jsonText(tool.input_schema));
  } else if (typeof tool.type === "string") {
    // Anthropic-defined tools (bash_…, text_editor_…, web_search_…) carry their definition server-side.
    yield* c.addText(jsonText(withoutKeys(tool, ["name", "description", "cache_control"])));
  }
}

function* countDocumentSource(c: Counter, source: unknown, depth: number): Steps<void> {
  if (!isObject(source)) {
    c.addFixed(pdfTokens(c, undefined));
    return;
  }
  switch (source.type) {
    case "text":
      yield* c.addText(source.data);
      return;
    case "content":
      yield* countAnthropicContent(c, source.content, depth);
      return;
    case "base64":
      if (typeof source.media_type === "string" && source.media_type.startsWith("text/")) {
        yield* c.addText(decodeBase64Text(source.data));
        return;
      }
      c.addFixed(pdfTokens(c, source.data));
      return;
    default:
      c.addFixed(pdfTokens(c, undefined));
  }
}

// ---- OpenAI chat ----------------------------------------------------------------------------------

function* countOpenAIMessage(c: Counter, m: unknown): Steps<void> {
  c.addFixed(OPENAI_PER_MESSAGE);
  if (!isObject(m)) {
    yield* c.addText(m);
    return;
  }
  yield* c.addText(m.role);
  if (m.name !== undefined && m.name !== null) {
    c.addFixed(OPENAI_PER_NAME);
    yield* c.addText(m.name);
  }
  yield* countOpenAIContent(c, m.content);
  yield* c.addText(m.refusal);
  yield* c.addText(m.reasoning_text); // Copilot: visible Claude thinking echoed back on assistant messages
  yield* c.addText(m.tool_call_id);
  if (Array.isArray(m.tool_calls)) {
    for (const call of m.tool_calls) {
      c.addFixed(OPENAI_PER_TOOL_CALL);
      const fn = isObject(call) && isObject(call.function) ? call.function : call;
      if (isObject(fn)) {
        yield* c.addText(fn.name);
        yield* c.addText(typeof fn.arguments === "string" ? fn.arguments : jsonText(fn.arguments));
      } else {
        yield* c.addText(fn);
      }
    }
  }
  if (isObject(m.function_call)) {
    c.addFixed(OPENAI_PER_TOOL_CALL);
    yield* c.addText(m.function_call.name);
    yield* c.addText(m.function_call.arguments);
  }
}

function* countOpenAIContent(c: Counter, content: unknown): Steps<void> {
  if (!Array.isArray(content)) {
    yield* c.addText(content);
    return;
  }
  for (const part of content) {
    if (!isObject(part)) {
      yield* c.addText(part);
      continue;
    }
    switch (part.type) {
      case "text":
      case "input_text":
      case "output_text":
        yield* c.addText(part.text);
        break;
      case "refusal":
        yield* c.addText(part.refusal);
        break;
      case "image_url": {
        const img = isObject(part.image_url) ? part.image_url : { url: part.image_url };
        const url = typeof img.url === "string" ? img.url : "";
        const size = url.startsWith("data:") ? imageSizeFromBase64(url) : undefined;
        c.image(size?.width, size?.height, toDetail(img.detail));
        break;
      }
      case "input_audio": {
        // ~10 tokens per second of audio; compressed audio runs ~16 KB per second.
        const data = isObject(part.input_audio) ? asText(part.input_audio.data) : "";
        c.addFixed(Math.max(10, Math.ceil(((data.length * 3) / 4 / 16_000) * 10)));
        break;
      }
      case "file": {
        const file = isObject(part.file) ? part.file : {};
        yield* c.addText(file.filename);
        c.addFixed(pdfTokens(c, typeof file.file_data === "string" ? stripDataUrlPrefix(file.file_data) : undefined));
        break;
      }
      default:
        yield* countGeneric(c, part);
    }
  }
}

function* countOpenAITool(c: Counter, tool: unknown): Steps<void> {
  c.addFixed(Math.floor(OPENAI_PER_TOOL * OPENAI_TOOLS_MARGIN));
  const fn = isObject(tool) && isObject(tool.function) ? tool.function : tool;
  if (!isObject(fn)) {
    yield* c.addText(fn, OPENAI_TOOLS_MARGIN);
    return;
  }
  yield* c.addText(fn.name, OPENAI_TOOLS_MARGIN);
  yield* c.addText(fn.description, OPENAI_TOOLS_MARGIN);
  if (fn.parameters !== undefined) yield* c.addText(jsonText(fn.parameters), OPENAI_TOOLS_MARGIN);
}

function toDetail(d: unknown): ImageDetail {
  return d === "low" || d === "high" || d === "auto" ? d : undefined;
}

// ---- Shared helpers -------------------------------------------------------------------------------

/** Unknown block types: their readable strings, with binary payloads left out. */
function* countGeneric(c: Counter, value: unknown): Steps<void> {
  yield* c.addText(jsonText(value, dropBulkReplacer));
}

function dropBulkReplacer(key: string, v: unknown): unknown {
  if (typeof v === "string" && v.length > BULK_STRING_CHARS && (isBulkKey(key, v) || key === "encrypted_content" || key === "signature")) return "";
  return v;
}

/**
 * Tokens of a PDF (or other binary document): pages x (text + page image). Pages are counted from
 * "/Type /Page" objects in the first PDF_SCAN_MAX_B64_CHARS of base64 (decoded in chunks); PDFs whose
 * page objects sit in compressed object streams fall back to the /Count of the page tree, then to size.
 */
function pdfTokens(c: Counter, b64: unknown): number {
  const pages = typeof b64 === "string" && b64.length > 0 ? pdfPageCount(b64) : PDF_FALLBACK_PAGES;
  const perPage = PDF_TEXT_TOKENS_PER_PAGE + imageTokens(c.profile.imageRule, PDF_PAGE_PIXELS.width, PDF_PAGE_PIXELS.height);
  return pages * perPage;
}

function pdfPageCount(b64: string): number {
  let pageObjects = 0;
  let maxCount = 0;
  const chunkChars = 256 * 1024; // multiple of 4
  const overlap = 64;
  const scanChars = Math.min(b64.length, PDF_SCAN_MAX_B64_CHARS);
  let carry = "";
  for (let at = 0; at < scanChars; at += chunkChars) {
    const text = carry + Buffer.from(b64.slice(at, Math.min(scanChars, at + chunkChars)), "base64").toString("latin1");
    const body = text.slice(0, Math.max(0, text.length - overlap));
    pageObjects += countMatches(body, /\/Type\s*\/Page(?![a-zA-Z])/g);
    for (const m of body.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)) {
      maxCount = Math.max(maxCount, Number(m[1] ?? m[2] ?? 0));
    }
    carry = text.slice(body.length);
  }
  pageObjects += countMatches(carry, /\/Type\s*\/Page(?![a-zA-Z])/g);
  const bytes = Math.floor((b64.length * 3) / 4);
  if (b64.length > scanChars && pageObjects > 0) {
    pageObjects = Math.round(pageObjects * (b64.length / scanChars)); // extrapolate the unscanned tail
  }
  const pages = Math.max(pageObjects, maxCount);
  if (pages > 0) return Math.min(pages, 10_000);
  return Math.max(1, Math.round(bytes / PDF_BYTES_PER_PAGE_GUESS));
}

function countMatches(s: string, re: RegExp): number {
  let n = 0;
  for (const _ of s.matchAll(re)) n++;
  return n;
}

function decodeBase64Text(data: unknown): string {
  if (typeof data !== "string") return "";
  try {
    return Buffer.from(data, "base64").toString("utf8");
  } catch {
    return "";
  }
}

function stripDataUrlPrefix(s: string): string {
  if (!s.startsWith("data:")) return s;
  const comma = s.indexOf(",");
  return comma < 0 ? "" : s.slice(comma + 1);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Text of a value where text is expected: strings as they are, numbers and booleans as written. */
function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v !== null && typeof v === "object") return jsonText(v, dropBulkReplacer);
  return "";
}

/** JSON text of a value, or "" when it cannot be serialised (cycles, BigInt). */
function jsonText(v: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v, replacer as ((this: unknown, key: string, value: unknown) => unknown) | undefined) ?? "";
  } catch {
    return "";
  }
}

function withoutKeys(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}
