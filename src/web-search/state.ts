/**
 * Web search for this session (copilot-upstream.md 13.4, known-failures F2). Copilot offers no web
 * search on /v1/messages; it is reported to offer OpenAI's hosted `web_search` tool on /responses
 * for GPT models [U]. The first refusal is remembered, so later searches fail at once with the
 * clear error instead of another round trip.
 */
export class WebSearchState {
  private refusal?: string;

  /** `model`: the configured search model (`--web-search-model`), if any. */
  constructor(readonly model?: string) {}

  /** Copilot's message when it refused web search in this session. */
  get refused(): string | undefined {
    return this.refusal;
  }

  refuse(message: string): void {
    this.refusal ??= message;
  }
}
