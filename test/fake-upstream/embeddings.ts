// POST {capi}/embeddings: deterministic unit vectors derived from sha256 of each input.
import { createHash } from "node:crypto";
import { capiError } from "./errors.js";
import { sendJson } from "./http-io.js";
import type { FakeModel } from "./models.js";
import { GENERIC_SHAPES, sendReplyJson } from "./reply-writer.js";
import type { Exchange } from "./state.js";
import { embeddingTokens } from "./token-count.js";

export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

/** Deterministic embedding of `text` with `dims` components, L2-normalised. */
export function fakeEmbedding(text: string, dims: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dims; block++) {
    const digest = createHash("sha256").update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dims; i += 2) values.push(digest.readUInt16BE(i) / 32767.5 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

export async function handleEmbeddings(ex: Exchange, model: FakeModel): Promise<void> {
  const body = ex.call.body;
  const inputs: unknown[] = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : [];
  if (inputs.length === 0 || !inputs.every((s) => typeof s === "string")) {
    return sendJson(ex.res, 400, capiError("invalid request body, failed to validate schema: input: want string or array of strings", "invalid_request_body", { param: "input" }));
  }
  if (body.encoding_format !== undefined && body.encoding_format !== "float") {
    return sendJson(ex.res, 400, capiError(`encoding_format '${String(body.encoding_format)}' is not supported`, "unsupported_value", { param: "encoding_format" }));
  }
  const maxInputs = model.capabilities.limits.max_inputs;
  if (maxInputs !== undefined && inputs.length > maxInputs) {
    return sendJson(ex.res, 400, capiError(`too many inputs: ${inputs.length} > ${maxInputs}`, "invalid_request_body", { param: "input" }));
  }
  const dims = body.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  if (!Number.isInteger(dims) || dims < 1 || dims > 3072) {
    return sendJson(ex.res, 400, capiError("dimensions must be an integer between 1 and 3072", "invalid_request_body", { param: "dimensions" }));
  }
  const texts = inputs as string[];
  const tokens = embeddingTokens(texts);
  return sendReplyJson(
    ex,
    {
      object: "list",
      data: texts.map((t, index) => ({ object: "embedding", index, embedding: fakeEmbedding(t, dims) })),
      model: model.id,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    GENERIC_SHAPES,
  );
}
