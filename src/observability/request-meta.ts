import type { Context } from "hono";
import type { Usage } from "../ir/stream.js";
import { isGeminiPath } from "../dialects/gemini/paths.js";

export type ClientApiName = "chat" | "responses" | "messages" | "gemini" | "ollama" | "count_tokens" | "embeddings" | "models" | "other";

/**
 * What a request turned out to be, filled in by the route as it learns it (model, upstream
 * endpoint, initiator) and by the stream when usage arrives. The observability middleware reads it
 * once the response has ended.
 */
export interface RequestMeta {
  api: ClientApiName;
  model?: string;
  /**
   * The model name as the client sent it (cut to 200 characters), for the dashboard's row of a
   * request whose model was not found. Not a metrics label: any string can be sent.
   */
  requestedModel?: string;
  endpoint?: string;
  initiator?: "user" | "agent";
  stream?: boolean;
  usage?: Usage;
  error?: string;
  /** The ApiError kind of a failed request (rate_limit, quota, upstream, …). */
  errorKind?: string;
  /** The X-Interaction-Type sent upstream, when one was. */
  interaction?: string;
  /** Which configured API key the request came with: its name, or "key-<6 hex of its sha256>"; never the key. */
  keyName?: string;
  /** The size of the client's JSON body: a large one is decoded, handled and sent on in slices. */
  bodyBytes?: number;
  /** What the request cost, set when it ends: Copilot's own figure, or an estimate from the catalog's prices. */
  cost?: { nanoAiu: number; estimated: boolean };
}

export function apiOf(path: string): ClientApiName {
  if (isGeminiPath(path)) return geminiApiOf(path);
  if (path.startsWith("/api/")) return ollamaApiOf(path);
  if (/\/chat\/completions$/.test(path)) return "chat";
  if (/\/responses$/.test(path)) return "responses";
  if (/\/messages\/count_tokens$/.test(path)) return "count_tokens";
  if (/\/messages$/.test(path)) return "messages";
  if (/\/embeddings$/.test(path)) return "embeddings";
  if (/\/models$/.test(path)) return "models";
  return "other";
}

/** Gemini: `/v1beta/models/{model}:{method}`, or the model list. */
function geminiApiOf(path: string): ClientApiName {
  const method = /:([A-Za-z]+)$/.exec(path)?.[1];
  if (method === "generateContent" || method === "streamGenerateContent") return "gemini";
  if (method === "countTokens") return "count_tokens";
  if (method === "embedContent" || method === "batchEmbedContents") return "embeddings";
  return /^\/v1(beta)?\/models(\/[^/:]+)?$/.test(path) ? "models" : "other";
}

/** Ollama: `/api/chat` and `/api/generate` talk to a model; tags, show and ps list them. */
function ollamaApiOf(path: string): ClientApiName {
  if (path === "/api/chat" || path === "/api/generate") return "ollama";
  if (path === "/api/embed" || path === "/api/embeddings") return "embeddings";
  if (path === "/api/tags" || path === "/api/show" || path === "/api/ps") return "models";
  return "other";
}

/** The request's meta; a throwaway one when no middleware set it (unit-built apps). */
export function meta(c: Context): RequestMeta {
  const existing = c.get("meta" as never) as RequestMeta | undefined;
  if (existing) return existing;
  const created: RequestMeta = { api: apiOf(c.req.path) };
  c.set("meta" as never, created as never);
  return created;
}
