import type { Context } from "hono";
import { ApiError } from "../errors.js";
import { meta } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { resolveModel } from "./resolve-model.js";

export interface Embedded {
  model: string;
  vectors: number[][];
  promptTokens: number;
}

/**
 * Embeddings for the dialects whose request shape isn't OpenAI's (Gemini, Ollama): their texts go
 * to Copilot's /embeddings in one call, and the vectors come back in input order.
 */
export async function embedTexts(runtime: Runtime, c: Context, modelName: string, texts: string[], dimensions?: number): Promise<Embedded> {
  const model = resolveModel(modelName, runtime.catalog.list(), runtime.config.modelAliases, "embeddings");
  Object.assign(meta(c), { model: model.id, endpoint: "/embeddings" });
  const body: Record<string, unknown> = { model: model.id, input: texts };
  if (dimensions !== undefined) body.dimensions = dimensions;
  const result = await runtime.copilot.json<{ data?: { embedding?: unknown; index?: number }[]; usage?: { prompt_tokens?: number } }>({
    path: "/embeddings",
    body,
    intent: "conversation-agent",
    initiator: "agent",
    signal: c.req.raw.signal,
  });
  const vectors: number[][] = new Array(texts.length);
  for (const [i, item] of (result.data ?? []).entries()) {
    const at = typeof item.index === "number" ? item.index : i;
    if (Array.isArray(item.embedding) && at >= 0 && at < texts.length) vectors[at] = item.embedding as number[];
  }
  if (vectors.length !== texts.length || vectors.some((v) => v === undefined)) {
    throw new ApiError({ kind: "upstream", status: 502, message: "Copilot returned fewer embeddings than inputs" });
  }
  const promptTokens = typeof result.usage?.prompt_tokens === "number" ? result.usage.prompt_tokens : 0;
  meta(c).usage = { inputTokens: promptTokens };
  return { model: model.id, vectors, promptTokens };
}
