import type { Context } from "hono";
import { ollamaClient } from "../bridge/codecs.js";
import { embedTexts } from "../bridge/embed-texts.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { runDecoded } from "../bridge/run-decoded.js";
import { decodeOllamaChat, decodeOllamaChatInTurns, decodeOllamaGenerate } from "../dialects/ollama/decode-request.js";
import { copilotModelName, ollamaModelName } from "../dialects/ollama/model-name.js";
import { ApiError, badRequest } from "../errors.js";
import { isLargeBody, readJsonObject, requireModel } from "../http/request.js";
import type { Runtime } from "../runtime.js";
import { type CopilotModel, isUsable, modelType } from "../upstream/model-catalog.js";
import { asText } from "../text.js";

/**
 * The Ollama version reported to clients. Tools check it against a minimum (features such as
 * `think` and tool streaming came in 0.9–0.12), so it names a version with all of them. [U]
 */
export const OLLAMA_VERSION = "0.13.0";

/** Models never change on disk here: one fixed date, so listings are stable. */
const MODIFIED_AT = "2025-01-01T00:00:00Z";

export const ollamaVersion = () => (c: Context) => c.json({ version: OLLAMA_VERSION });

function offered(runtime: Runtime): CopilotModel[] {
  return runtime.catalog.list().filter((m) => isUsable(m) && (modelType(m) === "chat" || modelType(m) === "embeddings"));
}

function details(m: CopilotModel) {
  const family = m.capabilities?.family ?? m.id;
  return { parent_model: "", format: "copilot", family, families: [family], parameter_size: "", quantization_level: "" };
}

/** GET /api/tags: every chat and embedding model, named `id:latest`. Nothing is stored locally: size 0. */
export function ollamaTags(runtime: Runtime) {
  return async (c: Context) => {
    await runtime.catalog.refreshIfStale();
    const models = offered(runtime).map((m) => ({
      name: ollamaModelName(m.id),
      model: ollamaModelName(m.id),
      modified_at: MODIFIED_AT,
      size: 0,
      digest: "",
      details: details(m),
    }));
    return c.json({ models });
  };
}

/** GET /api/ps: nothing is loaded in local memory; the models run at GitHub. */
export const ollamaPs = () => (c: Context) => c.json({ models: [] });

/** POST /api/show: what tools read to size and label a model: context length and capabilities. */
export function ollamaShow(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    const name = typeof body.model === "string" ? body.model : body.name;
    if (typeof name !== "string" || !name) throw badRequest("`model` is required and must be a string", "model");
    const m = resolveModel(copilotModelName(name), offered(runtime), runtime.config.modelAliases, modelKind(runtime, name));
    const limits = m.capabilities?.limits;
    const supports = m.capabilities?.supports;
    const capabilities: string[] = modelType(m) === "embeddings" ? ["embedding"] : ["completion"];
    if (supports?.tool_calls) capabilities.push("tools");
    if (supports?.vision) capabilities.push("vision");
    if (supports?.thinking || supports?.reasoning_effort !== undefined) capabilities.push("thinking");
    const arch = "copilot";
    return c.json({
      modelfile: `# ${m.name ?? m.id}, served by GitHub Copilot through copilot-api\nFROM ${m.id}\n`,
      parameters: "",
      template: "",
      details: details(m),
      model_info: {
        "general.architecture": arch,
        "general.basename": m.id,
        [`${arch}.context_length`]: limits?.max_context_window_tokens ?? limits?.max_prompt_tokens ?? 0,
      },
      capabilities,
      modified_at: MODIFIED_AT,
    });
  };
}

/** Embedding model names resolve among embedding models, the rest among chat models. */
function modelKind(runtime: Runtime, name: string): "chat" | "embeddings" {
  const id = copilotModelName(name);
  return runtime.catalog.list().some((m) => m.id === id && modelType(m) === "embeddings") ? "embeddings" : "chat";
}

/** POST /api/chat: NDJSON stream unless `stream: false`. */
export function ollamaChat(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    const { req, think } = isLargeBody(c) ? await decodeOllamaChatInTurns(body) : decodeOllamaChat(body);
    return runDecoded(runtime, c, "ollama", req, ollamaClient({ form: "chat", think }), asText(body.model));
  };
}

/** POST /api/generate: one prompt; an empty prompt only loads a model in Ollama, which here is a no-op answer. */
export function ollamaGenerate(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    requireModel(body);
    if (body.prompt === undefined || body.prompt === "") {
      resolveModel(copilotModelName(body.model), runtime.catalog.list(), runtime.config.modelAliases);
      return c.json({ model: body.model, created_at: new Date().toISOString(), response: "", done: true, done_reason: "load" });
    }
    const { req, think } = decodeOllamaGenerate(body);
    return runDecoded(runtime, c, "ollama", req, ollamaClient({ form: "generate", think }), body.model);
  };
}

/** POST /api/embed: `input` is a string or a list of strings. */
export function ollamaEmbed(runtime: Runtime) {
  return async (c: Context) => {
    const started = performance.now();
    const body = await readJsonObject(c);
    requireModel(body);
    const input = body.input;
    const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === "string") ? (input as string[]) : undefined;
    if (!texts) throw badRequest("`input` must be a string or a non-empty array of strings", "input");
    const dims = body.dimensions;
    if (dims != null && (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1)) throw badRequest("`dimensions` must be a positive integer", "dimensions");
    const result = await embedTexts(runtime, c, copilotModelName(body.model), texts, dims as number | undefined);
    return c.json({
      model: body.model,
      embeddings: result.vectors,
      total_duration: Math.round((performance.now() - started) * 1e6),
      load_duration: 0,
      prompt_eval_count: result.promptTokens,
    });
  };
}

/** POST /api/embeddings, Ollama's older form: one `prompt`, one `embedding`. */
export function ollamaEmbeddings(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    requireModel(body);
    if (typeof body.prompt !== "string") throw badRequest("`prompt` is required and must be a string", "prompt");
    const result = await embedTexts(runtime, c, copilotModelName(body.model), [body.prompt]);
    return c.json({ embedding: result.vectors[0] });
  };
}

/**
 * POST /api/pull: Copilot's models need no download. A model that is available answers
 * `{"status":"success"}` at once (so "pull then chat" scripts go on); any other is a clear error.
 */
export function ollamaPull(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    const name = typeof body.model === "string" ? body.model : body.name;
    if (typeof name !== "string" || !name) throw badRequest("`model` is required and must be a string", "model");
    resolveModel(copilotModelName(name), offered(runtime), runtime.config.modelAliases, modelKind(runtime, name));
    const status = { status: "success" };
    // The ollama clients stream pull progress by default; one line is a whole stream.
    if (body.stream === false) return c.json(status);
    return c.body(`${JSON.stringify(status)}\n`, 200, { "content-type": "application/x-ndjson" });
  };
}

/** Model management that has no meaning for Copilot's models: a clear refusal instead of a 404. */
export function ollamaUnsupported(what: string) {
  return () => {
    throw new ApiError({
      kind: "invalid_request",
      status: 400,
      code: "unsupported",
      message: `copilot-api serves GitHub Copilot's models, which cannot be ${what} here; /api/tags lists the models there are.`,
    });
  };
}
