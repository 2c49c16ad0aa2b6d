import type { Context } from "hono";
import { geminiClient } from "../bridge/codecs.js";
import { embedTexts } from "../bridge/embed-texts.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { runDecoded } from "../bridge/run-decoded.js";
import { decodeGeminiRequest, decodeGeminiRequestInTurns } from "../dialects/gemini/decode-request.js";
import { badRequest, notFound } from "../errors.js";
import { isLargeBody, readJsonObject } from "../http/request.js";
import { meta } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { countRequestTokensAsync } from "../tokens/count-request.js";
import { type CopilotModel, isUsable, modelType } from "../upstream/model-catalog.js";
import { isGoogleClient } from "../dialects/gemini/paths.js";
import { openAIModel } from "./models.js";
import { encodeGeminiModel } from "../dialects/gemini/encode-model.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `models/gemini-2.5-pro` or `gemini-2.5-pro` → `gemini-2.5-pro`. */
const bareModel = (name: string) => name.replace(/^models\//, "");

/** GET /v1beta/models: the chat and embedding models, in Google's shape. */
export function geminiModels(runtime: Runtime) {
  return async (c: Context) => {
    await runtime.catalog.refreshIfStale();
    return c.json({ models: offered(runtime).map(encodeGeminiModel) });
  };
}

/** GET /v1beta/models/{model}; on /v1, OpenAI's model object unless a Google client asks. */
export function geminiModelInfo(runtime: Runtime) {
  return async (c: Context) => {
    await runtime.catalog.refreshIfStale();
    const name = bareModel(c.req.param("model") ?? "");
    const model = offered(runtime).find((m) => m.id === name) ?? resolveModel(name, runtime.catalog.list(), runtime.config.modelAliases);
    if (c.req.path.startsWith("/v1/") && !isGoogleClient(c.req.raw.headers)) return c.json(openAIModel(model));
    return c.json(encodeGeminiModel(model));
  };
}

function offered(runtime: Runtime): CopilotModel[] {
  return runtime.catalog.list().filter((m) => isUsable(m) && (modelType(m) === "chat" || modelType(m) === "embeddings"));
}


/**
 * POST /v1beta/models/{model}:{method}. The model and the method share one path segment, so they
 * are split here rather than by the router.
 */
export function geminiAction(runtime: Runtime) {
  return async (c: Context) => {
    const spec = c.req.param("spec") ?? "";
    const colon = spec.lastIndexOf(":");
    const model = bareModel(colon > 0 ? spec.slice(0, colon) : spec);
    const method = colon > 0 ? spec.slice(colon + 1) : "";
    switch (method) {
      case "generateContent":
        return generate(runtime, c, model, false);
      case "streamGenerateContent":
        return generate(runtime, c, model, true);
      case "countTokens":
        return countTokens(runtime, c, model);
      case "embedContent":
        return embedContent(runtime, c, model);
      case "batchEmbedContents":
        return batchEmbedContents(runtime, c, model);
      default:
        throw notFound(`No Gemini method "${method.slice(0, 60)}": this server offers generateContent, streamGenerateContent, countTokens, embedContent and batchEmbedContents`);
    }
  };
}

async function generate(runtime: Runtime, c: Context, model: string, stream: boolean) {
  const body = await readJsonObject(c);
  const { req, includeThoughts } = isLargeBody(c) ? await decodeGeminiRequestInTurns(body, { model, stream }) : decodeGeminiRequest(body, { model, stream });
  const form = c.req.query("alt") === "sse" ? "sse" : "array";
  return runDecoded(runtime, c, "gemini", req, geminiClient({ includeThoughts, form }), model);
}

/** Counted locally, as /v1/messages/count_tokens is: no quota spent. */
async function countTokens(runtime: Runtime, c: Context, name: string) {
  const body = await readJsonObject(c);
  // The SDK sends `contents`; a whole request may come as `generateContentRequest`.
  const inner = isObj(body.generateContentRequest) ? body.generateContentRequest : body;
  const { req } = isLargeBody(c) ? await decodeGeminiRequestInTurns(inner, { model: name, stream: false }) : decodeGeminiRequest(inner, { model: name, stream: false });
  let model: CopilotModel | undefined;
  try {
    model = resolveModel(name, runtime.catalog.list(), runtime.config.modelAliases);
  } catch {
    // An unknown model still gets an estimate, as count_tokens does.
  }
  meta(c).model = model?.id ?? name;
  return c.json({ totalTokens: await countRequestTokensAsync(req, model ?? { id: name }, c.req.raw.signal) });
}

function contentText(content: unknown, at: string): string {
  if (!isObj(content) || !Array.isArray(content.parts)) throw badRequest(`\`${at}\` must be a Content object with \`parts\``, at);
  const texts: string[] = [];
  for (const [i, part] of content.parts.entries()) {
    if (!isObj(part) || typeof part.text !== "string") throw badRequest(`\`${at}.parts[${i}]\` must be a text part: Copilot embeds text only`, `${at}.parts[${i}]`);
    texts.push(part.text);
  }
  return texts.join("\n");
}

function dimensions(request: Obj, at: string): number | undefined {
  const d = request.outputDimensionality;
  if (d == null) return undefined;
  if (typeof d !== "number" || !Number.isInteger(d) || d < 1) throw badRequest(`\`${at}outputDimensionality\` must be a positive integer`, `${at}outputDimensionality`);
  return d;
}

async function embedContent(runtime: Runtime, c: Context, model: string) {
  const body = await readJsonObject(c);
  const text = contentText(body.content, "content");
  const result = await embedTexts(runtime, c, model, [text], dimensions(body, ""));
  return c.json({ embedding: { values: result.vectors[0] } });
}

async function batchEmbedContents(runtime: Runtime, c: Context, model: string) {
  const body = await readJsonObject(c);
  if (!Array.isArray(body.requests) || body.requests.length === 0) throw badRequest("`requests` is required and must be a non-empty array", "requests");
  const texts: string[] = [];
  let dims: number | undefined;
  for (const [i, request] of body.requests.entries()) {
    const at = `requests[${i}]`;
    if (!isObj(request)) throw badRequest(`\`${at}\` must be an object`, at);
    if (typeof request.model === "string" && bareModel(request.model) !== model) {
      throw badRequest(`\`${at}.model\` must be the model in the URL (models/${model})`, `${at}.model`);
    }
    texts.push(contentText(request.content, `${at}.content`));
    const d = dimensions(request, `${at}.`);
    if (d !== undefined && dims !== undefined && d !== dims) throw badRequest("Every request must ask for the same outputDimensionality", `${at}.outputDimensionality`);
    dims ??= d;
  }
  const result = await embedTexts(runtime, c, model, texts, dims);
  return c.json({ embeddings: result.vectors.map((values) => ({ values })) });
}
