/**
 * The Chat Completions wire shapes this dialect reads and writes, including Copilot's extra fields
 * (copilot-upstream.md 5). Request types are what we send; response types are what we may receive,
 * so every response field is optional and loosely typed: upstream JSON is validated where it is read.
 */

// ---- requests ----

export interface ChatTextContent {
  type: "text";
  text: string;
}

export interface ChatImageContent {
  type: "image_url";
  image_url: { url: string; detail?: string };
}

export type ChatContentPart = ChatTextContent | ChatImageContent;

export interface ChatToolCall {
  id: string;
  type: "function";
  function: {
    name: string;
    /** Always a JSON-object string: Copilot 400s every later turn otherwise (known-failures T5). */
    arguments: string;
    /** Gemini's thought signature, echoed where the stream carried it (copilot-upstream.md 5, T14). */
    thought_signature?: string;
  };
}

export interface ChatSystemMessage {
  role: "system" | "developer";
  content: string | ChatTextContent[];
  name?: string;
}

export interface ChatUserMessage {
  role: "user";
  content: string | ChatContentPart[];
  name?: string;
}

export interface ChatAssistantMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: ChatToolCall[];
  /** Copilot's visible reasoning and its opaque state, echoed back together (copilot-upstream.md 5). */
  reasoning_text?: string;
  reasoning_opaque?: string;
  name?: string;
}

export interface ChatToolMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

export interface ChatFunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters: unknown; strict?: boolean };
}

export type ChatToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

export type ChatResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema?: unknown; strict?: boolean; description?: string } };

export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  tools?: ChatFunctionTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  user?: string;
  reasoning_effort?: string;
  /** Claude on chat (copilot-upstream.md 5) [U]: whether Copilot still honours it is open. */
  thinking_budget?: number;
  response_format?: ChatResponseFormat;
  stream: boolean;
  stream_options?: { include_usage: boolean };
}

// ---- responses ----

export interface ChatUsageWire {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_input_tokens?: number; [k: string]: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown } | null;
  [k: string]: unknown;
}

export interface ChatToolCallDelta {
  index?: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null; thought_signature?: string | null } | null;
  /** Google's OpenAI-compatible placement of the thought signature. */
  extra_content?: { google?: { thought_signature?: string } } | null;
}

/** A streamed delta or a whole message: the same fields either way. */
export interface ChatDeltaWire {
  role?: string | null;
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ChatToolCallDelta[] | null;
  reasoning_text?: string | null;
  reasoning_content?: string | null;
  cot_summary?: string | null;
  thinking?: unknown;
  reasoning_opaque?: string | null;
  cot_id?: string | null;
  signature?: string | null;
  [k: string]: unknown;
}

export interface ChatChoiceWire {
  index?: number;
  delta?: ChatDeltaWire | null;
  message?: ChatDeltaWire | null;
  finish_reason?: string | null;
  [k: string]: unknown;
}

export interface ChatErrorWire {
  message?: string;
  code?: string | number;
  type?: string;
  param?: string;
  status?: number;
  [k: string]: unknown;
}

/** One `chat.completion.chunk`, or a whole `chat.completion`. */
export interface ChatChunkWire {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: ChatChoiceWire[] | null;
  usage?: ChatUsageWire | null;
  error?: ChatErrorWire | string | null;
  /** Copilot: errors inside an open stream arrive as `choices: null` + `copilot_errors` (copilot-upstream.md 5). */
  copilot_errors?: { type?: string; code?: string; message?: string; identifier?: string }[] | null;
  [k: string]: unknown;
}
