import type { Context } from "hono";
import { resolveModel } from "../bridge/resolve-model.js";
import { badRequest } from "../errors.js";
import { readJsonObject, requireModel } from "../http/request.js";
import { meta } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { requireAllowedModel } from "../access/key-models.js";

interface EmbeddingsResponse {
  data?: { embedding: number[] | string; index: number; object?: string }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
  [key: string]: unknown;
}

/**
 * POST /v1/embeddings. The openai SDK asks for `encoding_format: "base64"` by default; whether
 * Copilot honours it is unknown [U] (copilot-upstream.md 8), so floats are always requested and
 * encoded here: little-endian float32, base64, as the SDK decodes it.
 */
export function embeddings(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    requireModel(body);
    const input = body.input;
    const validInput =
      typeof input === "string" ||
      (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === "string" || Array.isArray(x)));
    if (!validInput) throw badRequest("`input` must be a string or a non-empty array of strings", "input");
    const format = body.encoding_format ?? "float";
    if (format !== "float" && format !== "base64") throw badRequest('`encoding_format` must be "float" or "base64"', "encoding_format");

    const model = resolveModel(body.model, runtime.catalog.list(), runtime.config.modelAliases, "embeddings");
    Object.assign(meta(c), { model: model.id, endpoint: "/embeddings", initiator: "agent", stream: false });
    requireAllowedModel(runtime, meta(c).keyName, body.model, model.id);
    const upstreamBody: Record<string, unknown> = { ...body, model: model.id };
    delete upstreamBody.encoding_format;
    const result = await runtime.copilot.json<EmbeddingsResponse>({
      path: "/embeddings",
      body: upstreamBody,
      intent: "conversation-agent",
      initiator: "agent",
      signal: c.req.raw.signal,
    });
    // Copilot counts the input tokens of an embeddings call (copilot-upstream.md 8); there is no output.
    const promptTokens = result.usage?.prompt_tokens;
    if (typeof promptTokens === "number" && Number.isFinite(promptTokens)) meta(c).usage = { inputTokens: promptTokens, outputTokens: 0 };
    if (format === "base64" && Array.isArray(result.data)) {
      for (const item of result.data) {
        if (Array.isArray(item.embedding)) item.embedding = floatsToBase64(item.embedding);
      }
    }
    return c.json(result);
  };
}

export function floatsToBase64(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i] ?? 0, i * 4);
  return buf.toString("base64");
}
