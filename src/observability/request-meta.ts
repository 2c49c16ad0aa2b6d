import type { Context } from "hono";
import type { Usage } from "../ir/stream.js";

export type ClientApiName = "chat" | "responses" | "messages" | "count_tokens" | "embeddings" | "models" | "other";

/**
 * What a request turned out to be, filled in by the route as it learns it (model, upstream
 * endpoint, initiator) and by the stream when usage arrives. The observability middleware reads it
 * once the response has ended.
 */
export interface RequestMeta {
  api: ClientApiName;
  model?: string;
  endpoint?: string;
  initiator?: "user" | "agent";
  stream?: boolean;
  usage?: Usage;
  error?: string;
}

export function apiOf(path: string): ClientApiName {
  if (/\/chat\/completions$/.test(path)) return "chat";
  if (/\/responses$/.test(path)) return "responses";
  if (/\/messages\/count_tokens$/.test(path)) return "count_tokens";
  if (/\/messages$/.test(path)) return "messages";
  if (/\/embeddings$/.test(path)) return "embeddings";
  if (/\/models$/.test(path)) return "models";
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
