import type { Context } from "hono";
import type { Request } from "../ir/request.js";
import { meta } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { interactionIdFrom } from "../http/request.js";
import type { ClientCodec } from "./codecs.js";
import { upstreamCodec } from "./codecs.js";
import { type ClientApi, planUpstream } from "./plan.js";
import { resolveModel } from "./resolve-model.js";
import { runTranslated } from "./run-translated.js";
import { requireAllowedModel } from "../access/key-models.js";

/**
 * Runs a request already decoded to IR from a dialect Copilot never speaks (Gemini, Ollama): the
 * model is resolved, the plan picks its richest endpoint, and runTranslated carries it there and
 * back. `echoModel` is the name to answer with, as the client wrote it.
 */
export function runDecoded(runtime: Runtime, c: Context, api: ClientApi, req: Request, client: ClientCodec, echoModel: string): Promise<Response> {
  const model = resolveModel(req.model, runtime.catalog.list(), runtime.config.modelAliases);
  requireAllowedModel(runtime, meta(c).keyName, req.model, model.id);
  const endpoint = planUpstream(model, api);
  const initiator = irInitiator(req);
  Object.assign(meta(c), { model: model.id, endpoint, initiator, stream: req.stream });
  return runTranslated({
    runtime,
    c,
    req,
    model,
    upstream: upstreamCodec(endpoint),
    client,
    call: {
      intent: req.tools.length > 0 ? "conversation-agent" : "conversation-panel",
      initiator,
      vision: irHasImage(req),
      interactionId: interactionIdFrom(c.req.raw.headers),
    },
    echoModel,
  });
}

/** `user` when a person spoke last: the last turn is a user turn with more than tool results (as messagesInitiator). */
export function irInitiator(req: Request): "user" | "agent" {
  const turns = req.messages.filter((m) => m.role !== "system");
  const last = turns.at(-1);
  if (!last || last.role !== "user") return last ? "agent" : "user";
  return last.content.some((p) => p.type !== "tool-result") ? "user" : "agent";
}

/** Whether any image travels, tool results included (Copilot-Vision-Request). */
export function irHasImage(req: Request): boolean {
  return req.messages.some(
    (m) => m.role === "user" && m.content.some((p) => p.type === "image" || (p.type === "tool-result" && p.content.some((q) => q.type === "image"))),
  );
}
