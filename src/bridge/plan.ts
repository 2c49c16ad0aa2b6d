import { ApiError } from "../errors.js";
import { type CopilotModel, modelType, supportedEndpoints, supports, type UpstreamEndpoint } from "../upstream/model-catalog.js";

export type ClientApi = "chat" | "responses" | "messages" | "gemini" | "ollama";

/**
 * Which Copilot endpoint serves a client's request. The model catalog's `supported_endpoints`
 * decides, never a model-name prefix. The client's own dialect comes first (passthrough, nothing
 * lost), then the endpoint that keeps the most on translation.
 */
const PREFERENCE: Record<ClientApi, UpstreamEndpoint[]> = {
  chat: ["/chat/completions", "/responses", "/v1/messages"],
  // After passthrough, the richer dialect: /responses and /v1/messages carry reasoning state and
  // cache hints that /chat/completions drops (VS Code also prefers them, copilot-upstream.md 4.1).
  messages: ["/v1/messages", "/responses", "/chat/completions"],
  responses: ["/responses", "/v1/messages", "/chat/completions"],
  // Dialects Copilot never speaks: always translated, so the richest endpoint the model has.
  gemini: ["/v1/messages", "/responses", "/chat/completions"],
  ollama: ["/v1/messages", "/responses", "/chat/completions"],
};

/** Translations that exist; a route passes the set it can run. */
export function planUpstream(
  model: CopilotModel,
  client: ClientApi,
  reachable: readonly UpstreamEndpoint[] = PREFERENCE[client],
): UpstreamEndpoint {
  const type = modelType(model);
  if (type !== "chat") {
    throw new ApiError({
      kind: "invalid_request",
      status: 400,
      code: "unsupported_api_for_model",
      param: "model",
      message: `The model "${model.id}" is a ${type} model, not a chat model, so ${clientPath(client)} cannot use it.`,
    });
  }
  for (const endpoint of PREFERENCE[client]) {
    if (reachable.includes(endpoint) && supports(model, endpoint)) return endpoint;
  }
  const listed = supportedEndpoints(model).join(", ");
  throw new ApiError({
    kind: "invalid_request",
    status: 400,
    code: "unsupported_api_for_model",
    param: "model",
    message: `The model "${model.id}" is served by Copilot only on ${listed}, which this server cannot reach from ${clientPath(client)} yet. Use a client API that speaks ${listed}.`,
  });
}

function clientPath(client: ClientApi): string {
  const paths: Record<ClientApi, string> = {
    chat: "/v1/chat/completions",
    messages: "/v1/messages",
    responses: "/v1/responses",
    gemini: "the Gemini API",
    ollama: "the Ollama API",
  };
  return paths[client];
}
