import { type CopilotModel, modelType } from "../../upstream/model-catalog.js";

/** A catalog entry as Google's Model object, as GET /v1beta/models lists it. */
export function encodeGeminiModel(m: CopilotModel) {
  const limits = m.capabilities?.limits;
  const supports = m.capabilities?.supports;
  const chat = modelType(m) === "chat";
  return {
    name: `models/${m.id}`,
    baseModelId: m.id,
    version: m.version ?? m.id,
    displayName: m.name ?? m.id,
    description: `${m.name ?? m.id} through GitHub Copilot`,
    inputTokenLimit: limits?.max_prompt_tokens ?? limits?.max_context_window_tokens ?? 0,
    outputTokenLimit: limits?.max_output_tokens ?? 0,
    supportedGenerationMethods: chat ? ["generateContent", "streamGenerateContent", "countTokens"] : ["embedContent", "batchEmbedContents"],
    thinking: chat && (supports?.thinking === true || supports?.reasoning_effort !== undefined),
  };
}
