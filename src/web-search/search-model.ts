import { badRequest } from "../errors.js";
import { resolveModel } from "../bridge/resolve-model.js";
import { type CopilotModel, isUsable, modelType, supports } from "../upstream/model-catalog.js";

/**
 * The model that runs searches: the configured one, else the first usable OpenAI model that
 * Copilot serves on /responses. [U] Which models accept the `web_search` tool there is not
 * published; the fork that does this uses a GPT model, configurable.
 */
export function searchModel(models: CopilotModel[], configured: string | undefined, aliases: Record<string, string>): CopilotModel {
  if (configured) {
    const model = resolveModel(configured, models, aliases);
    if (!supports(model, "/responses")) {
      throw badRequest(`The web search model "${model.id}" is not served on Copilot's /responses; choose a GPT model with --web-search-model`);
    }
    return model;
  }
  const found = models.find((m) => isUsable(m) && modelType(m) === "chat" && /openai/i.test(m.vendor ?? "") && supports(m, "/responses"));
  if (!found) throw badRequest("No Copilot model can run web searches (none is an OpenAI model on /responses); name one with --web-search-model");
  return found;
}

/** A configured search model that cannot run searches, said at start rather than on the first search. */
export function checkSearchModel(configured: string | undefined, models: CopilotModel[], aliases: Record<string, string>): string | undefined {
  if (!configured) return undefined;
  try {
    searchModel(models, configured, aliases);
    return undefined;
  } catch (error) {
    return `--web-search-model / webSearchModel / COPILOT_API_WEB_SEARCH_MODEL: ${(error as Error).message}`;
  }
}
