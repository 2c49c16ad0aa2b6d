import type { CopilotModel } from "../../upstream/model-catalog.js";
import type { Steps } from "../../tokens/work-steps.js";

/** A chat-completions request body as clients send it; only the fields the interceptors touch are typed. */
export interface ChatBody {
  model: string;
  messages: ChatMessage[];
  tools?: { type?: string; function?: { name?: string; parameters?: unknown } }[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean | null;
  [key: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id?: string; type?: string; function?: { name?: string; arguments?: unknown } }[];
  [key: string]: unknown;
}

/**
 * An interceptor adjusts a parsed body in place before it goes to Copilot. One concern per file.
 * One that walks every message also has `steps`, the same work pausing every ITEMS_PER_SLICE
 * messages, so that a large body never holds the event loop for the whole walk.
 */
export type ChatInterceptor = ((body: ChatBody, model: CopilotModel) => void) & { steps?: (body: ChatBody, model: CopilotModel) => Steps<void> };
