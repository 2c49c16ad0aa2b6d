import type { Logger } from "../log.js";
import { REWRITE_AFTER_MS, type SavedCatalog, writeCatalogCache } from "./catalog-cache.js";
import type { CopilotClient } from "./copilot-client.js";

export type UpstreamEndpoint = "/chat/completions" | "/responses" | "/v1/messages" | "/embeddings";

export interface CopilotModel {
  id: string;
  name?: string;
  object?: string;
  vendor?: string;
  version?: string;
  preview?: boolean;
  is_chat_default?: boolean;
  is_chat_fallback?: boolean;
  capabilities?: {
    type?: "chat" | "embeddings" | "completion" | string;
    family?: string;
    tokenizer?: string;
    limits?: {
      max_context_window_tokens?: number;
      max_prompt_tokens?: number;
      max_output_tokens?: number;
      max_inputs?: number;
      vision?: { max_prompt_images?: number; max_prompt_image_size?: number; supported_media_types?: string[] };
    };
    supports?: {
      streaming?: boolean;
      tool_calls?: boolean;
      parallel_tool_calls?: boolean;
      vision?: boolean;
      structured_outputs?: boolean;
      thinking?: boolean;
      adaptive_thinking?: boolean;
      min_thinking_budget?: number;
      max_thinking_budget?: number;
      reasoning_effort?: string[] | string;
      [key: string]: unknown;
    };
  };
  supported_endpoints?: string[];
  billing?: { is_premium?: boolean; multiplier?: number; [key: string]: unknown };
  policy?: { state?: string; terms?: string };
  [key: string]: unknown;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * The live model list (`GET /models`), loaded at start and renewed every 10 minutes, like VS Code.
 * A failed renewal (a 429 in particular) keeps the list we have (copilot-upstream.md 4).
 */
export class ModelCatalog {
  private models: CopilotModel[] = [];
  private byId = new Map<string, CopilotModel>();
  private loadedAt = 0;
  private timer?: ReturnType<typeof setInterval>;
  private cache?: { file: string; apiBase: () => string | undefined; saved?: { models?: CopilotModel[]; text?: string; savedAt: number } };

  constructor(
    private readonly copilot: CopilotClient,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<CopilotModel[]> {
    const body = await this.copilot.json<{ data?: CopilotModel[] }>({
      path: "/models",
      method: "GET",
      intent: "model-access",
      initiator: "agent",
      // The list is small: a call that hangs is a network problem, not a long answer.
      signal: AbortSignal.timeout(30_000),
    });
    this.set(Array.isArray(body.data) ? body.data : []);
    this.loadedAt = this.now();
    this.save();
    return this.models;
  }

  /**
   * Keep the lists loaded from Copilot in `file` too, for the next start (src/upstream/catalog-cache.ts).
   * `saved`: what the file holds now, so that the same list is not written again at every start.
   */
  saveTo(file: string, apiBase: () => string | undefined, saved?: SavedCatalog): void {
    this.cache = { file, apiBase, saved: saved && { ...saved } };
  }

  private save(): void {
    const cache = this.cache;
    const apiBase = cache?.apiBase();
    if (!cache || !apiBase || this.models.length === 0) return;
    const text = JSON.stringify(this.models);
    const now = this.now();
    // The saved list is serialised here, off the start's path, and once.
    if (cache.saved && cache.saved.text === undefined) cache.saved.text = JSON.stringify(cache.saved.models);
    if (cache.saved?.text === text && now - cache.saved.savedAt < REWRITE_AFTER_MS) {
      this.log.debug(`Model list from Copilot (${this.models.length} models): the same as the saved one`);
      return;
    }
    cache.saved = { text, savedAt: now };
    // In the background: no request waits for this write.
    writeCatalogCache(cache.file, apiBase, this.models, now).then(
      () => this.log.debug(`Model list from Copilot (${this.models.length} models) saved to ${cache.file}`),
      (error: Error) => this.log.debug(`Could not save the model list to ${cache.file}: ${error.message}`),
    );
  }

  /** For tests and for a catalog handed in from outside. */
  set(models: CopilotModel[]): void {
    this.models = models;
    this.byId = new Map(models.map((m) => [m.id, m]));
  }

  start(intervalMs = TEN_MINUTES): void {
    this.stop();
    this.timer = setInterval(() => void this.refreshIfStale(intervalMs), Math.min(intervalMs, 60_000));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Wall-clock check, so a laptop that slept past the interval refreshes on the next request. */
  async refreshIfStale(maxAgeMs = TEN_MINUTES): Promise<void> {
    if (this.now() - this.loadedAt < maxAgeMs) return;
    try {
      await this.load();
    } catch (error) {
      this.loadedAt = this.now();
      this.log.warn(`Could not refresh the model list, keeping the cached one: ${(error as Error).message}`);
    }
  }

  list(): CopilotModel[] {
    return this.models;
  }

  get(id: string): CopilotModel | undefined {
    return this.byId.get(id);
  }

  get loaded(): boolean {
    return this.loadedAt > 0 || this.models.length > 0;
  }
}

/** Models listed as disabled by policy are hidden; everything else is offered (never filter on model_picker_enabled). */
export function isUsable(model: CopilotModel): boolean {
  return model.policy?.state !== "disabled";
}

export function modelType(model: CopilotModel): string {
  return model.capabilities?.type ?? "chat";
}

/** supported_endpoints, with the documented default: absent means chat completions only (4). */
export function supportedEndpoints(model: CopilotModel): string[] {
  return Array.isArray(model.supported_endpoints) && model.supported_endpoints.length > 0
    ? model.supported_endpoints
    : ["/chat/completions"];
}

export function supports(model: CopilotModel, endpoint: UpstreamEndpoint): boolean {
  if (endpoint === "/embeddings") return modelType(model) === "embeddings";
  if (modelType(model) !== "chat") return false;
  return supportedEndpoints(model).includes(endpoint);
}
