import type { Context } from "hono";
import { resolveModel } from "../bridge/resolve-model.js";
import { badRequest } from "../errors.js";
import { readJsonObject } from "../http/request.js";
import type { Runtime } from "../runtime.js";
import { countAnthropicTokens } from "../tokens/count-tokens.js";

/**
 * POST /v1/messages/count_tokens. Counted locally, per model vendor (docs/count-tokens.md): Claude
 * Code calls this constantly and decides when to compact from it, so it must be fast and must not
 * spend quota. An unknown model still gets a count (with the default tokenizer) rather than an
 * error: the answer is an estimate either way.
 */
export function countTokens(runtime: Runtime) {
  return async (c: Context) => {
    const body = await readJsonObject(c);
    if (typeof body.model !== "string" || !body.model) throw badRequest("`model` is required and must be a string", "model");
    if (!Array.isArray(body.messages)) throw badRequest("`messages` is required and must be an array", "messages");
    let model;
    try {
      model = resolveModel(body.model, runtime.catalog.list(), runtime.config.modelAliases);
    } catch {
      model = undefined;
    }
    return c.json({ input_tokens: countAnthropicTokens(body, model) });
  };
}
