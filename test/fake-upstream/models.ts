// Fixture of a Copilot `GET /models` `data` array (shape per copilot-upstream.md section 4).
// Values are invented but realistic; a fresh copy is returned on every call so tests may mutate it.

export interface FakeModelLimits {
  max_context_window_tokens?: number;
  max_prompt_tokens?: number;
  max_output_tokens?: number;
  max_inputs?: number;
  vision?: { max_prompt_images: number; max_prompt_image_size: number; supported_media_types: string[] };
}

export interface FakeModelSupports {
  streaming?: boolean;
  tool_calls?: boolean;
  parallel_tool_calls?: boolean;
  vision?: boolean;
  structured_outputs?: boolean;
  thinking?: boolean;
  adaptive_thinking?: boolean;
  min_thinking_budget?: number;
  max_thinking_budget?: number;
  reasoning_effort?: string[];
  dimensions?: boolean;
}

export interface FakeModel {
  id: string;
  name: string;
  object: "model";
  vendor: string;
  version: string;
  preview: boolean;
  model_picker_enabled: boolean;
  model_picker_category?: string;
  is_chat_default: boolean;
  is_chat_fallback: boolean;
  capabilities: {
    object?: "model_capabilities";
    type: "chat" | "embeddings" | "completion";
    family: string;
    tokenizer: string;
    limits: FakeModelLimits;
    supports: FakeModelSupports;
  };
  /** Absent means: /chat/completions only. */
  supported_endpoints?: string[];
  billing: { is_premium: boolean; multiplier: number; restricted_to?: string[]; token_prices?: FakeTokenPrices };
  policy: { state: string; terms?: string };
}

/** One price tier, in AI credits per batch_size tokens (copilot-upstream.md 4). */
export interface FakePriceTier {
  input_price: number;
  output_price: number;
  /** API versions before 2026-08-01 call it cache_price; the fake uses both names across models. */
  cache_price?: number;
  cache_read_price?: number;
  cache_write_price?: number;
  context_max?: number;
}

export interface FakeTokenPrices {
  batch_size: number;
  default: FakePriceTier;
  long_context?: Partial<FakePriceTier>;
}

const prices = (def: FakePriceTier, long?: Partial<FakePriceTier>): FakeTokenPrices => ({
  batch_size: 1_000_000,
  default: def,
  ...(long ? { long_context: long } : {}),
});

/** Invented list prices in the shape and range of 2026's catalog. */
const PRICES: Record<string, FakeTokenPrices> = {
  "gpt-4.1": prices({ input_price: 200, output_price: 800, cache_price: 50 }),
  "gpt-5-mini": prices({ input_price: 25, output_price: 200, cache_read_price: 2.5 }),
  "gpt-5.4": prices({ input_price: 250, output_price: 1500, cache_read_price: 25, context_max: 272000 }, { input_price: 500, output_price: 2250, cache_read_price: 50 }),
  "gpt-5.3-codex": prices({ input_price: 175, output_price: 1400, cache_read_price: 17.5 }),
  "claude-sonnet-4.5": prices({ input_price: 300, output_price: 1500, cache_price: 30, cache_write_price: 375 }),
  "claude-sonnet-4.6": prices({ input_price: 300, output_price: 1500, cache_read_price: 30, cache_write_price: 375 }),
  "claude-opus-4.6": prices({ input_price: 500, output_price: 2500, cache_read_price: 50, cache_write_price: 625 }),
  "claude-opus-4.6-1m": prices(
    { input_price: 500, output_price: 2500, cache_read_price: 50, cache_write_price: 625, context_max: 200000 },
    { input_price: 1000, output_price: 3750, cache_read_price: 100, cache_write_price: 1250 },
  ),
  "claude-haiku-4.5": prices({ input_price: 100, output_price: 500, cache_read_price: 10, cache_write_price: 125 }),
  "gemini-2.5-pro": prices({ input_price: 125, output_price: 1000, cache_price: 31, context_max: 200000 }, { input_price: 250, output_price: 1500, cache_price: 62 }),
};

const VISION = {
  max_prompt_images: 5,
  max_prompt_image_size: 3145728,
  supported_media_types: ["image/jpeg", "image/png", "image/webp", "image/gif"],
};

const CLAUDE_ENDPOINTS = ["/v1/messages", "/chat/completions"];

function chat(
  id: string,
  name: string,
  vendor: string,
  family: string,
  limits: FakeModelLimits,
  supports: FakeModelSupports,
  extra: Partial<FakeModel>,
): FakeModel {
  return {
    id,
    name,
    object: "model",
    vendor,
    version: id,
    preview: false,
    model_picker_enabled: true,
    model_picker_category: "versatile",
    is_chat_default: false,
    is_chat_fallback: false,
    capabilities: { object: "model_capabilities", type: "chat", family, tokenizer: "o200k_base", limits, supports },
    billing: { is_premium: true, multiplier: 1 },
    policy: { state: "enabled", terms: `Enable access to the latest ${name} model.` },
    ...extra,
  };
}

const baseSupports: FakeModelSupports = {
  streaming: true,
  tool_calls: true,
  parallel_tool_calls: true,
  vision: true,
  structured_outputs: true,
};

function claude(id: string, name: string, family: string, window: number, prompt: number, extra: FakeModelSupports, multiplier: number): FakeModel {
  return chat(
    id,
    name,
    "Anthropic",
    family,
    { max_context_window_tokens: window, max_prompt_tokens: prompt, max_output_tokens: 32000, vision: { ...VISION } },
    { ...baseSupports, parallel_tool_calls: true, structured_outputs: false, ...extra },
    { supported_endpoints: [...CLAUDE_ENDPOINTS], billing: { is_premium: multiplier > 0, multiplier } },
  );
}

export function defaultModels(): FakeModel[] {
  const models = baseModels();
  for (const m of models) {
    const p = PRICES[m.id];
    if (p) m.billing.token_prices = structuredClone(p);
  }
  return models;
}

function baseModels(): FakeModel[] {
  const adaptive: FakeModelSupports = {
    thinking: true,
    adaptive_thinking: true,
    min_thinking_budget: 1024,
    max_thinking_budget: 32000,
    reasoning_effort: ["low", "medium", "high"],
  };
  return [
    chat(
      "gpt-4.1",
      "GPT-4.1",
      "OpenAI",
      "gpt-4.1",
      { max_context_window_tokens: 128000, max_prompt_tokens: 128000, max_output_tokens: 16384, vision: { ...VISION } },
      { ...baseSupports },
      { version: "gpt-4.1-2025-04-14", is_chat_default: true, is_chat_fallback: true, billing: { is_premium: false, multiplier: 0 } },
    ),
    chat(
      "gpt-5-mini",
      "GPT-5 mini",
      "Azure OpenAI",
      "gpt-5-mini",
      { max_context_window_tokens: 264000, max_prompt_tokens: 128000, max_output_tokens: 64000, vision: { ...VISION } },
      { ...baseSupports, reasoning_effort: ["low", "medium", "high"] },
      {
        version: "gpt-5-mini",
        model_picker_category: "lightweight",
        supported_endpoints: ["/chat/completions", "/responses"],
        billing: { is_premium: false, multiplier: 0 },
      },
    ),
    chat(
      "gpt-5.4",
      "GPT-5.4",
      "OpenAI",
      "gpt-5.4",
      { max_context_window_tokens: 400000, max_prompt_tokens: 272000, max_output_tokens: 128000, vision: { ...VISION } },
      { ...baseSupports, reasoning_effort: ["low", "medium", "high", "xhigh"] },
      { supported_endpoints: ["/responses", "ws:/responses"], model_picker_category: "powerful" },
    ),
    chat(
      "gpt-5.3-codex",
      "GPT-5.3-Codex",
      "OpenAI",
      "gpt-5.3-codex",
      { max_context_window_tokens: 400000, max_prompt_tokens: 272000, max_output_tokens: 128000, vision: { ...VISION } },
      { ...baseSupports, reasoning_effort: ["low", "medium", "high", "xhigh"] },
      { supported_endpoints: ["/responses"], model_picker_category: "powerful" },
    ),
    claude("claude-sonnet-4.5", "Claude Sonnet 4.5", "claude-sonnet-4.5", 144000, 128000, { thinking: true, min_thinking_budget: 1024, max_thinking_budget: 32000 }, 1),
    claude("claude-sonnet-4.6", "Claude Sonnet 4.6", "claude-sonnet-4.6", 200000, 128000, adaptive, 1),
    claude("claude-opus-4.6", "Claude Opus 4.6", "claude-opus-4.6", 200000, 128000, adaptive, 3),
    claude("claude-opus-4.6-1m", "Claude Opus 4.6 (1M context)", "claude-opus-4.6", 1000000, 936000, adaptive, 6),
    claude("claude-haiku-4.5", "Claude Haiku 4.5", "claude-haiku-4.5", 144000, 128000, { thinking: true, min_thinking_budget: 1024, max_thinking_budget: 32000 }, 0.33),
    chat(
      "gemini-2.5-pro",
      "Gemini 2.5 Pro",
      "Google",
      "gemini-2.5-pro",
      { max_context_window_tokens: 128000, max_prompt_tokens: 109000, max_output_tokens: 64000, vision: { ...VISION } },
      { ...baseSupports, structured_outputs: false },
      { supported_endpoints: ["/chat/completions"] },
    ),
    {
      id: "text-embedding-3-small",
      name: "Embedding V3 small",
      object: "model",
      vendor: "Azure OpenAI",
      version: "text-embedding-3-small",
      preview: false,
      model_picker_enabled: false,
      is_chat_default: false,
      is_chat_fallback: false,
      capabilities: {
        object: "model_capabilities",
        type: "embeddings",
        family: "text-embedding-3-small",
        tokenizer: "cl100k_base",
        limits: { max_inputs: 512 },
        supports: { dimensions: true },
      },
      billing: { is_premium: false, multiplier: 0 },
      policy: { state: "enabled" },
    },
    {
      id: "gpt-4o-copilot",
      name: "GPT-4o Copilot",
      object: "model",
      vendor: "Azure OpenAI",
      version: "gpt-4o-copilot",
      preview: false,
      model_picker_enabled: false,
      is_chat_default: false,
      is_chat_fallback: false,
      capabilities: {
        object: "model_capabilities",
        type: "completion",
        family: "gpt-4o-copilot",
        tokenizer: "o200k_base",
        limits: {},
        supports: { streaming: true },
      },
      billing: { is_premium: false, multiplier: 0 },
      policy: { state: "enabled" },
    },
  ];
}
