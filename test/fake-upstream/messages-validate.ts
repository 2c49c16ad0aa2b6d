// Body rules of Copilot's native Anthropic endpoint (/v1/messages, /v1/messages/count_tokens).
// Returns the Anthropic `invalid_request_error` message for the first violation, or undefined.
import { isObject } from "./http-io.js";
import type { FakeModel } from "./models.js";
import type { Signer } from "./signer.js";

export const THINKING_SIG_KIND = "anthropic-thinking";

const TOP_LEVEL = [
  "model",
  "messages",
  "system",
  "max_tokens",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "metadata",
  "output_config",
  "service_tier",
];
const CUSTOM_TOOL_KEYS = ["name", "description", "input_schema", "cache_control", "type"];
const CACHE_CONTROL_KEYS = ["type", "ttl"];
const MAX_CACHE_BREAKPOINTS = 4;

const BILLING = "x-anthropic-billing-header";

class Violation {
  constructor(readonly message: string) {}
}

function extra(path: string): never {
  throw new Violation(`${path}: Extra inputs are not permitted`);
}

/** Counts cache_control breakpoints and rejects unknown keys such as `scope`. */
function cacheControl(block: Record<string, any>, path: string, counter: { n: number }): void {
  const cc = block.cache_control;
  if (cc == null) return;
  counter.n += 1;
  if (!isObject(cc)) return;
  for (const key of Object.keys(cc)) if (!CACHE_CONTROL_KEYS.includes(key)) extra(`${path}.cache_control.ephemeral.${key}`);
}

function system(sys: unknown, counter: { n: number }): void {
  if (sys == null) return;
  if (typeof sys === "string") {
    if (sys.includes(BILLING)) throw new Violation(`${BILLING} is a reserved keyword and may not be used in the system prompt`);
    return;
  }
  if (!Array.isArray(sys)) throw new Violation("system: Input should be a valid list");
  sys.forEach((b, j) => {
    if (!isObject(b)) throw new Violation(`system.${j}: Input should be a valid dictionary`);
    if (typeof b.text === "string" && b.text.includes(BILLING)) {
      throw new Violation(`${BILLING} is a reserved keyword and may not be used in the system prompt`);
    }
    cacheControl(b, `system.${j}`, counter);
  });
}

function tools(list: unknown, counter: { n: number }): void {
  if (list == null) return;
  if (!Array.isArray(list)) throw new Violation("tools: Input should be a valid list");
  list.forEach((t, k) => {
    if (!isObject(t)) throw new Violation(`tools.${k}: Input should be a valid dictionary`);
    const type = typeof t.type === "string" ? t.type : undefined;
    if (type?.startsWith("web_search")) throw new Violation("The use of the web search tool is not supported.");
    if (type !== undefined && type !== "custom") {
      cacheControl(t, `tools.${k}.${type}`, counter); // server tool (e.g. tool_search_tool_regex_20251119)
      return;
    }
    for (const key of Object.keys(t)) if (!CUSTOM_TOOL_KEYS.includes(key)) extra(`tools.${k}.custom.${key}`);
    if (typeof t.name !== "string") throw new Violation(`tools.${k}.custom.name: Field required`);
    if (!isObject(t.input_schema)) throw new Violation(`tools.${k}.custom.input_schema: Field required`);
    cacheControl(t, `tools.${k}.custom`, counter);
  });
}

function blocksOf(content: unknown): Record<string, any>[] {
  return Array.isArray(content) ? (content.filter(isObject) as Record<string, any>[]) : [];
}

function messages(list: unknown[], signer: Signer, counter: { n: number }): void {
  list.forEach((m, i) => {
    if (!isObject(m)) throw new Violation(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== "user" && m.role !== "assistant") throw new Violation(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content === "string") return;
    if (!Array.isArray(m.content)) throw new Violation(`messages.${i}.content: Input should be a valid list`);
    (m.content as unknown[]).forEach((b, j) => {
      const at = `messages.${i}.content.${j}`;
      if (!isObject(b)) throw new Violation(`${at}: Input should be a valid dictionary`);
      cacheControl(b, `${at}.${String(b.type)}`, counter);
      if (b.type === "tool_result" && Array.isArray(b.content)) {
        for (const inner of b.content as unknown[]) {
          if (isObject(inner) && inner.cache_control != null) {
            throw new Violation("cache_control may not be specified within tool_result.content. Instead, place it directly on tool_result");
          }
        }
      }
      if (b.type === "thinking") {
        if (typeof b.thinking !== "string" || b.thinking === "") throw new Violation(`${at}.thinking: each thinking block must contain thinking`);
        if (!signer.verifyText(THINKING_SIG_KIND, b.thinking, b.signature)) throw new Violation(`${at}: Invalid signature in thinking block`);
      }
    });
  });
  // Every tool_use needs its tool_result in the very next message, and vice versa.
  list.forEach((m, i) => {
    const uses = blocksOf((m as Record<string, any>).content).filter((b) => b.type === "tool_use").map((b) => String(b.id));
    const next = list[i + 1] as Record<string, any> | undefined;
    const prev = list[i - 1] as Record<string, any> | undefined;
    if (uses.length > 0 && next) {
      const answered = new Set(blocksOf(next.content).filter((b) => b.type === "tool_result").map((b) => String(b.tool_use_id)));
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        throw new Violation(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    }
    blocksOf((m as Record<string, any>).content).forEach((b, j) => {
      if (b.type !== "tool_result") return;
      const offered = new Set(blocksOf(prev?.role === "assistant" ? prev.content : []).filter((x) => x.type === "tool_use").map((x) => String(x.id)));
      if (!offered.has(String(b.tool_use_id))) {
        throw new Violation(
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
    });
  });
}

function thinking(body: Record<string, any>, model: FakeModel): void {
  const t = body.thinking;
  if (!isObject(t) || t.type === "disabled") return;
  const supports = model.capabilities.supports;
  if (t.type === "adaptive" && !supports.adaptive_thinking) throw new Violation("thinking.adaptive: adaptive thinking is not supported on this model");
  if (t.type === "enabled") {
    if (!supports.thinking) throw new Violation("thinking.enabled: thinking is not supported on this model");
    if (typeof t.budget_tokens !== "number" || t.budget_tokens < 1024) {
      throw new Violation("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
    }
    if (typeof body.max_tokens === "number" && t.budget_tokens >= body.max_tokens) {
      throw new Violation("`max_tokens` must be greater than `thinking.budget_tokens`.");
    }
  }
  const choice = body.tool_choice;
  if (isObject(choice) && (choice.type === "any" || choice.type === "tool")) {
    throw new Violation("Thinking may not be enabled when tool_choice forces tool use.");
  }
}

export function validateMessages(body: Record<string, any>, model: FakeModel, signer: Signer, countTokens: boolean): string | undefined {
  try {
    for (const key of Object.keys(body)) if (!TOP_LEVEL.includes(key)) extra(key);
    if (!countTokens && typeof body.max_tokens !== "number") throw new Violation("max_tokens: Field required");
    if (!Array.isArray(body.messages)) throw new Violation("messages: Field required");
    if (body.temperature != null && body.top_p != null) {
      throw new Violation("`temperature` and `top_p` cannot both be specified for this model. Please use only one.");
    }
    const counter = { n: 0 };
    system(body.system, counter);
    tools(body.tools, counter);
    messages(body.messages, signer, counter);
    if (counter.n > MAX_CACHE_BREAKPOINTS) {
      throw new Violation(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${counter.n}.`);
    }
    const last = body.messages.at(-1);
    if (!countTokens && isObject(last) && last.role === "assistant") {
      throw new Violation("This model does not support assistant message prefill. The conversation must end with a user message.");
    }
    thinking(body, model);
    return undefined;
  } catch (e) {
    if (e instanceof Violation) return e.message;
    throw e;
  }
}
