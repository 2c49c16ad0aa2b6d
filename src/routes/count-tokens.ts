import type { Context } from "hono";
import { resolveModel } from "../bridge/resolve-model.js";
import { ApiError, badRequest } from "../errors.js";
import { readJsonObject, requireModel } from "../http/request.js";
import type { Runtime } from "../runtime.js";
import { BodyCountCache } from "../tokens/body-count-cache.js";
import { countAnthropicTokensAsync } from "../tokens/count-tokens.js";
import type { CopilotModel } from "../upstream/model-catalog.js";

/**
 * POST /v1/messages/count_tokens. Counted locally, per model vendor (docs/count-tokens.md): Claude
 * Code calls this constantly and decides when to compact from it, so it must be fast and must not
 * spend quota. An unknown model still gets a count (with the default tokenizer) rather than an
 * error: the answer is an estimate either way.
 */
export function countTokens(runtime: Runtime) {
  const repeats = new BodyCountCache();
  const resolve = (name: string): CopilotModel | undefined => {
    try {
      return resolveModel(name, runtime.catalog.list(), runtime.config.modelAliases);
    } catch {
      return undefined;
    }
  };
  return async (c: Context) => {
    // A body counted before is answered from its bytes' hash, before any decoding (body-count-cache.ts).
    let digest: string | undefined;
    try {
      digest = BodyCountCache.digest(new Uint8Array(await c.req.arrayBuffer()));
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw badRequest("Could not read the request body");
    }
    const seenModel = repeats.modelOf(digest);
    if (seenModel !== undefined) {
      const known = repeats.get(digest, resolve(seenModel));
      if (known !== undefined) return c.json({ input_tokens: known });
    }
    const body = await readJsonObject(c);
    requireModel(body);
    if (!Array.isArray(body.messages)) throw badRequest("`messages` is required and must be an array", "messages");
    const model = resolve(body.model);
    const count = await countAnthropicTokensAsync(body, model, c.req.raw.signal);
    repeats.set(digest, body.model, model, count);
    return c.json({ input_tokens: count });
  };
}
