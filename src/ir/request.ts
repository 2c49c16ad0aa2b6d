/**
 * The internal representation of a chat request, in the manner of the Vercel AI SDK's provider
 * prompt. Each client dialect decodes into it and each upstream dialect encodes out of it, so the
 * three dialects cost three decoders and three encoders rather than six translators.
 *
 * Opaque provider state (thinking signatures, encrypted reasoning, Gemini thought signatures) is
 * carried byte-exact together with the dialect it came from, so an encoder can tell whether the
 * state is valid for its target.
 */

export type Dialect = "anthropic" | "openai-chat" | "openai-responses";

export interface CacheControl {
  type: "ephemeral";
  ttl?: string;
}

export interface TextPart {
  type: "text";
  text: string;
  cacheControl?: CacheControl;
}

export type ImageSource =
  | { kind: "base64"; mediaType: string; data: string }
  /**
   * `field`: where the URL sits in the client's own request (`messages[0].content[1].image_url.url`,
   * `messages.0.content.1.source.url`), so that a URL that cannot be downloaded is named as the
   * client wrote it (src/images/). Encoders ignore it.
   */
  | { kind: "url"; url: string; field?: string };

export interface ImagePart {
  type: "image";
  source: ImageSource;
  /** OpenAI's detail hint: low | high | auto. */
  detail?: string;
  cacheControl?: CacheControl;
}

/** A document (PDF or text) block; only Anthropic carries these natively. */
export interface DocumentPart {
  type: "document";
  source: unknown;
  title?: string;
  cacheControl?: CacheControl;
}

export interface ReasoningPart {
  type: "reasoning";
  text: string;
  /** Anthropic thinking signature, or Copilot chat's reasoning_opaque. */
  signature?: string;
  /** Anthropic redacted_thinking data. */
  redactedData?: string;
  /** Responses reasoning item: id and encrypted_content, byte-exact. */
  itemId?: string;
  encryptedContent?: string;
  /** Where the opaque state above came from; only that dialect can validate it. */
  origin?: Dialect;
}

export interface ToolCallPart {
  type: "tool-call";
  id: string;
  name: string;
  /** JSON text of the arguments object (for custom tools: the raw input text). */
  input: string;
  /** A Responses `custom` (free-form) tool call: input is raw text, not JSON. */
  custom?: boolean;
  /** Gemini's thought signature, echoed back with the call. */
  thoughtSignature?: string;
  cacheControl?: CacheControl;
}

export interface ToolResultPart {
  type: "tool-result";
  callId: string;
  /** Text and image parts. */
  content: (TextPart | ImagePart)[];
  isError?: boolean;
  /** The result of a custom tool call (Responses custom_tool_call_output). */
  custom?: boolean;
  cacheControl?: CacheControl;
}

export type UserPart = TextPart | ImagePart | DocumentPart | ToolResultPart;
export type AssistantPart = TextPart | ReasoningPart | ToolCallPart;

export type Message =
  | { role: "user"; content: UserPart[] }
  | { role: "assistant"; content: AssistantPart[]; /** Responses' phase (commentary/final_answer), round-tripped. */ phase?: string }
  /** A system or developer message found inside the conversation (Claude Code's mid-conversation system). */
  | { role: "system"; content: TextPart[] };

export interface FunctionTool {
  type: "function";
  name: string;
  description?: string;
  /** JSON schema of the input object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
  cacheControl?: CacheControl;
}

/** A free-form tool (Codex's apply_patch): the model writes raw text, optionally to a grammar. */
export interface CustomTool {
  type: "custom";
  name: string;
  description?: string;
  format?: unknown;
}

export type Tool = FunctionTool | CustomTool;

export type ToolChoice =
  | { type: "auto" }
  | { type: "none" }
  | { type: "required" }
  | { type: "tool"; name: string };

export type ReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh" | "max";

export interface Reasoning {
  /** enabled: a token budget; adaptive: the model decides; disabled: none. */
  mode: "enabled" | "adaptive" | "disabled";
  budgetTokens?: number;
  effort?: ReasoningEffort;
  /** Responses: ask for reasoning summaries. */
  summary?: "auto" | "concise" | "detailed";
}

export interface Request {
  model: string;
  /** Top-level system/instructions/developer text, in order. */
  system: TextPart[];
  messages: Message[];
  tools: Tool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  reasoning?: Reasoning;
  /** Structured output: a JSON schema the answer must follow. */
  responseFormat?: { type: "json_object" } | { type: "json_schema"; name?: string; schema: unknown; strict?: boolean };
  stream: boolean;
  /** Ask for reasoning state to come back (Responses include reasoning.encrypted_content). */
  includeEncryptedReasoning?: boolean;
  user?: string;
  /** Cache key hints (Responses prompt_cache_key). */
  promptCacheKey?: string;
}
